/** The hourly cleanup removes the rows of hosts silent for more than a week, unless they still hold work. */
import { afterEach, describe, expect, it } from 'vitest'
import { sqliteDateTime } from '../../../src/main/db'
import { GoneHosts } from '../../../src/main/services/hosts/gone-hosts'
import { openTestDb, testLog } from '../db/test-db'
import { seedProfile } from './session-fixtures'

type TestDb = Awaited<ReturnType<typeof openTestDb>>
const open: TestDb[] = []
afterEach(async () => {
  for (const db of open.splice(0)) await db.close()
})

const daysAgo = (days: number) => sqliteDateTime(new Date(Date.now() - days * 86_400_000))

describe('GoneHosts', () => {
  it('deletes hosts silent for more than 7 days, keeps recent ones and a silent one that still holds a profile', async () => {
    const db = await openTestDb()
    open.push(db)
    const host = (id: string, days: number) =>
      db.transaction((m) => m.query(`INSERT INTO hosts (host_id, started_at, heartbeat_at, slots, running) VALUES (?, ?, ?, 2, 0)`, [id, daysAgo(days + 1), daysAgo(days)]))
    await host('retired/aa11', 8)
    await host('yesterday/bb22', 1)
    await host('holder/cc33', 30)
    await seedProfile(db, 'p-held', { inUse: true, inUseBy: 'holder/cc33' })

    expect(await new GoneHosts({ db, log: testLog() }).run()).toEqual(['retired/aa11'])

    const left: Array<{ host_id: string }> = await db.dataSource.query(`SELECT host_id FROM hosts ORDER BY host_id`)
    expect(left.map((row) => row.host_id)).toEqual(['holder/cc33', 'yesterday/bb22'])
  })
})
