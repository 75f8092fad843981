/**
 * Each host decides its own local REST API (host.json): enabling it on 0.0.0.0 on one host of a shared PostgreSQL
 * database opens nothing on another, and a host that upgrades keeps what the old shared settings said, once.
 */
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createCore, type Core } from '../../../src/main/core'
import type { RestApiStatus } from '../../../src/shared/contract/hosts'
import { settingMac } from '../../../src/main/db/row-mac'
import { FileKeyStore } from '../../../src/main/security/file-key-store'
import { tempDir } from '../../helpers/temp-dir'
import { freshPostgresUrl } from '../../helpers/test-database'

const cores: Core[] = []
afterEach(async () => {
  for (const core of cores.splice(0)) await core.close()
})

async function host(databaseUrl: string, keyDir: string, dataDir = tempDir('rest-host-')): Promise<Core> {
  const core = await createCore({
    dataDir,
    mode: 'browser',
    env: { DATABASE_URL: databaseUrl, PROFILE_SYNC_INTERVAL: '0' },
    sandbox: null,
    keyStore: new FileKeyStore({ dir: keyDir }),
    logLevel: 'warn',
  })
  cores.push(core)
  return core
}

async function stop(core: Core): Promise<void> {
  cores.splice(cores.indexOf(core), 1)
  await core.close()
}

const hostJson = (core: Core) => JSON.parse(fs.readFileSync(path.join(core.info.dataDir, 'host.json'), 'utf8')) as { restApi: unknown }

describe('the local REST API belongs to each host', () => {
  it('enabled on 0.0.0.0 on one host of a database, it stays off on the other, also after the other restarts', async () => {
    const databaseUrl = await freshPostgresUrl()
    const keyDir = tempDir('rest-keys-')
    const a = await host(databaseUrl, keyDir)
    const b = await host(databaseUrl, keyDir)

    const opened = await a.router.dispatch('hosts:setRestApi', { enabled: true, host: '0.0.0.0', port: 0 }, { transport: 'test' })
    if (!opened.success) throw new Error(opened.error)
    const answer = opened.data as RestApiStatus & { message: string }
    expect(answer.url).toMatch(/^http:\/\/0\.0\.0\.0:\d+$/)
    expect(answer.message).toMatch(/reachable from other machines over plain HTTP/)
    const port = new URL(answer.url!).port
    expect((await fetch(`http://127.0.0.1:${port}/api/v1/health`)).status).toBe(200)
    expect(hostJson(a).restApi).toEqual({ enabled: true, host: '0.0.0.0', port: 0 })

    expect(b.restApi.url).toBeNull()
    expect(hostJson(b).restApi).toEqual({ enabled: false, host: '127.0.0.1', port: 8000 })
    const bDir = b.info.dataDir
    await stop(b)
    const again = await host(databaseUrl, keyDir, bDir)
    expect(again.restApi.url).toBeNull()
    const status = await again.router.dispatch('hosts:restApi', {}, { transport: 'test' })
    expect(status).toMatchObject({ success: true, data: { exposure: { enabled: false, host: '127.0.0.1' }, url: null } })
  })

  it('a host upgrading from the shared settings takes their values into its host.json once, then never reads them again', async () => {
    const databaseUrl = await freshPostgresUrl()
    const keyDir = tempDir('rest-keys-')
    // A database written before: the REST API's exposure in three shared settings rows.
    const first = await host(databaseUrl, keyDir)
    const rows: Array<[string, unknown]> = [['restApiEnabled', true], ['restApiHost', '127.0.0.1'], ['restApiPort', 0]]
    // Authenticated as a host with the data key wrote them (migration 0010 gave old rows their MAC).
    for (const [key, value] of rows) await first.db.dataSource.query('INSERT INTO settings (key, value, mac) VALUES ($1, $2, $3)', [key, JSON.stringify(value), settingMac(key, JSON.stringify(value))])

    const dataDir = tempDir('rest-upgraded-')
    const upgraded = await host(databaseUrl, keyDir, dataDir)
    expect(upgraded.restApi.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(hostJson(upgraded).restApi).toEqual({ enabled: true, host: '127.0.0.1', port: 0 })
    // The shared rows no longer decide: another host turning them off changes nothing here, now or after a restart.
    await first.db.dataSource.query(`UPDATE settings SET value = 'false' WHERE key = 'restApiEnabled'`)
    await stop(upgraded)
    const restarted = await host(databaseUrl, keyDir, dataDir)
    expect(restarted.restApi.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    // The first host had its own host.json before the rows were written: off.
    expect(first.restApi.url).toBeNull()
  })

  it('old shared rows written without the data key open nothing: the host keeps its API off and says which row it refused', async () => {
    const databaseUrl = await freshPostgresUrl()
    const keyDir = tempDir('rest-keys-')
    const first = await host(databaseUrl, keyDir)
    // Someone who can write to the database but holds no data key: no MAC, or a MAC of other values.
    await first.db.dataSource.query('INSERT INTO settings (key, value) VALUES ($1, $2)', ['restApiEnabled', 'true'])
    await first.db.dataSource.query('INSERT INTO settings (key, value, mac) VALUES ($1, $2, $3)', ['restApiHost', '"0.0.0.0"', settingMac('restApiHost', '"127.0.0.1"')])

    const dataDir = tempDir('rest-upgraded-')
    const upgraded = await host(databaseUrl, keyDir, dataDir)
    expect(upgraded.restApi.url).toBeNull()
    expect(hostJson(upgraded).restApi).toEqual({ enabled: false, host: '127.0.0.1', port: 8000 })
    const refused = upgraded.logs.ring.recent().filter((entry) => entry.event === 'settings.row_refused')
    expect(refused.map((entry) => [entry.level, (entry.fields as { key: string }).key]).sort()).toEqual([
      ['error', 'restApiEnabled'],
      ['error', 'restApiHost'],
    ])
  })
})
