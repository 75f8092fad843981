/**
 * The shared SQLite connection's write lock: nothing written outside a transaction can be rolled back
 * with someone else's transaction, whichever TypeORM door it comes through.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { ProfileEntity, upsertProfiles, type Database } from '../../../src/main/db'
import { openTestDb } from './test-db'

let db: Database | null = null

afterEach(async () => {
  await db?.close()
  db = null
})

/** A transaction that writes, waits until told, then throws (so it rolls back). */
function rollingBack(database: Database) {
  let entered!: () => void
  let fail!: () => void
  const inside = new Promise<void>((resolve) => (entered = resolve))
  const go = new Promise<void>((resolve) => (fail = resolve))
  const done = database
    .transaction(async (manager) => {
      await manager.update(ProfileEntity, { profileId: 'p0' }, { profileName: 'written by the rolled-back transaction' })
      entered()
      await go
      throw new Error('CONFLICT: rolled back on purpose')
    })
    .catch((error: Error) => error.message)
  return { inside, fail, done }
}

async function profileNames(database: Database): Promise<Record<string, string>> {
  const rows = await database.dataSource.getRepository(ProfileEntity).find()
  return Object.fromEntries(rows.map((row) => [row.profileId, row.profileName]))
}

describe('write lock of the shared connection', () => {
  it('keeps writes made outside a transaction while another one is open and then rolls back', async () => {
    db = await openTestDb()
    await upsertProfiles(db.dataSource, [0, 1, 2, 3].map((i) => ({ profileId: `p${i}`, profileName: `Profile ${i}` })))
    const repo = db.dataSource.getRepository(ProfileEntity)
    const tx = rollingBack(db)
    await tx.inside
    // Three doors to the connection, each used while the transaction is open: a repository update, a raw
    // query, and the implicit transaction of save().
    const update = repo.update({ profileId: 'p1' }, { profileName: 'refresh persisted' })
    const raw = db.dataSource.query(`UPDATE profiles SET profile_name = 'raw write' WHERE profile_id = ?`, ['p2'])
    const saved = repo.findOneByOrFail({ profileId: 'p3' }).then((row) => repo.save({ ...row, profileName: 'saved' }))
    tx.fail()
    expect(await tx.done).toMatch(/rolled back on purpose/)
    await Promise.all([update, raw, saved])
    expect(await profileNames(db)).toEqual({ p0: 'Profile 0', p1: 'refresh persisted', p2: 'raw write', p3: 'saved' })
  })

  it('a bulk upsert on the raw connection waits for an open transaction instead of becoming part of it', async () => {
    db = await openTestDb()
    await upsertProfiles(db.dataSource, [{ profileId: 'p0', profileName: 'Profile 0' }])
    const tx = rollingBack(db)
    await tx.inside
    const upsert = upsertProfiles(db.dataSource, [{ profileId: 'p9', profileName: 'Profile 9' }])
    tx.fail()
    await tx.done
    expect(await upsert).toEqual({ added: 1, updated: 0, unchanged: 0 })
    expect(await profileNames(db)).toEqual({ p0: 'Profile 0', p9: 'Profile 9' })
  })

  it('close waits for a write in flight', async () => {
    db = await openTestDb()
    await upsertProfiles(db.dataSource, [{ profileId: 'p0', profileName: 'Profile 0' }])
    const tx = rollingBack(db)
    await tx.inside
    const write = db.dataSource.getRepository(ProfileEntity).update({ profileId: 'p0' }, { inUse: true })
    const closing = db.close()
    tx.fail()
    await tx.done
    await write
    await closing
    const reopened = await openTestDb({ dir: (db as Database & { dir: string }).dir, keyStore: (db as Database & { keyStore: never }).keyStore })
    db = reopened
    expect((await reopened.dataSource.getRepository(ProfileEntity).findOneByOrFail({ profileId: 'p0' })).inUse).toBe(true)
  })
})
