/**
 * Joining keeps the operator's data (PostgreSQL project): a panel on its SQLite file with profiles, an API app and
 * completed sessions with tokens joins a shared database sealed with another data key (Test → Save → Restart), then
 * copies its file into it. Another host of that database, holding only the shared key, reads the copied tokens and
 * sees the profiles and mappings; conflicts are settled (shared mapping kept unless empty, newest token set wins),
 * and a second copy adds nothing.
 */
import { spawnSync } from 'node:child_process'
import { randomBytes, randomUUID } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createCore, type Core } from '../../../src/main/core'
import { AuthorizationSessionEntity, createDataSource, DATABASE_FILE_NAME, MIGRATION_NAMES, MIGRATIONS, ProfileEntity } from '../../../src/main/db'
import { sealDataKeyFile } from '../../../src/main/security/data-key-file'
import { SecretBox } from '../../../src/main/security/secret-box'
import type { HostDatabaseStatus, SqliteCopyPreview } from '../../../src/shared/contract/hosts'
import type { RequestChannel } from '../../../src/shared/ipc-contract'
import { freshPostgresUrl } from '../../helpers/test-database'
import { tempDir } from '../../helpers/temp-dir'
import { seedProfile, seedToken } from '../workers/session-fixtures'

const PASSPHRASE = 'Tangerine-Quartz-Velvet-91!'
const hoursAgo = (hours: number) => new Date(Date.now() - hours * 3_600_000)

const running: Core[] = []
afterEach(async () => {
  for (const core of running.splice(0).reverse()) await core.close()
})

async function start(dataDir: string, env: NodeJS.ProcessEnv = {}): Promise<Core> {
  const core = await createCore({ dataDir, mode: 'browser', env, platform: { dialogs: null }, eventWindowMs: 5, logLevel: 'warn', sandbox: null })
  running.push(core)
  return core
}

async function stop(core: Core): Promise<void> {
  running.splice(running.indexOf(core), 1)
  await core.close()
}

async function ok<T>(core: Core, channel: RequestChannel, input?: unknown): Promise<T> {
  const answer = await core.router.dispatch(channel, input, { transport: 'test' })
  if (!answer.success) throw new Error(`${answer.errorCode}: ${answer.error}`)
  return answer.data as T
}

const keyOf = (dir: string) => Buffer.from(fs.readFileSync(path.join(dir, 'data.key'), 'utf8').trim(), 'base64')
const sessions = (core: Core) => core.db.dataSource.getRepository(AuthorizationSessionEntity)

describe('joining keeps the operator’s data (SQLite → PostgreSQL)', () => {
  it('copies profiles, mappings, API apps, tokens and settings under the shared key; newest token set wins; a second copy adds nothing', { timeout: 120_000 }, async () => {
    const url = await freshPostgresUrl()
    // Host B made the shared database (its own key) and already holds some of the same accounts and profiles.
    const dirB = tempDir('copy-host-b-')
    const b = await start(dirB, { DATABASE_URL: url })
    await seedProfile(b.db, 'p-unmapped')
    await seedProfile(b.db, 'p-mapped', { twitterUsername: 'shared_user', apiApp: 'APP1', mappingSource: 'edit' })
    const aliceShared = await seedToken(b.db, { profileId: 'p-alice', twitterUsername: 'alice', apiApp: 'APP1', completedAt: hoursAgo(5) })
    const bobShared = await seedToken(b.db, { profileId: 'p-bob', twitterUsername: 'bob', apiApp: 'APP1', completedAt: hoursAgo(1) })
    await stop(b)

    // The operator's panel on SQLite (its own key).
    const dirA = tempDir('copy-host-a-')
    const a = await start(dirA)
    await a.apiApps.save({ name: 'APP1', clientId: 'client-1', clientSecret: 'app1-secret-value', redirectUri: 'https://app1.example/cb' })
    await a.settings.update({ gologinToken: 'gl-token-of-the-sqlite-panel-42', tokenRefreshMarginMinutes: 40 })
    for (const id of ['p-a1', 'p-a2', 'p-a3']) await seedProfile(a.db, id, { twitterUsername: `user_${id}`, apiApp: 'APP1', mappingSource: 'import' })
    await seedProfile(a.db, 'p-unmapped', { twitterUsername: 'filled_here', apiApp: 'APP1', mappingSource: 'import' })
    await seedProfile(a.db, 'p-mapped', { twitterUsername: 'other_user', apiApp: 'APP1', mappingSource: 'import' })
    const mine = await seedToken(a.db, { profileId: 'p-a1', twitterUsername: 'user_p-a1', apiApp: 'APP1', completedAt: hoursAgo(2) })
    const aliceHere = await seedToken(a.db, { profileId: 'p-alice', twitterUsername: 'ALICE', apiApp: 'APP1', completedAt: hoursAgo(3) })
    const bobHere = await seedToken(a.db, { profileId: 'p-bob', twitterUsername: 'bob', apiApp: 'APP1', completedAt: hoursAgo(4) })

    // Test → Save (with B's exported key) → Restart: the panel now runs on the shared database; its file stays.
    const keyFile = { name: 'key.json', content: await sealDataKeyFile(keyOf(dirB), PASSPHRASE, { scrypt: { N: 2 ** 14, r: 8, p: 1 } }) }
    await ok(a, 'hosts:joinDatabase', { url, keyFile, passphrase: PASSPHRASE })
    await stop(a)
    const joined = await start(dirA)
    const status = await ok<HostDatabaseStatus>(joined, 'hosts:status')
    expect(status.current.kind).toBe('postgres')
    expect(status.localSqlite).toBe(path.join(dirA, 'panel.db'))

    const preview = await ok<SqliteCopyPreview>(joined, 'hosts:copyPreview')
    expect(preview).toMatchObject({
      reencrypt: true,
      profiles: { add: 3, mappingsFilled: 1, mappingsKept: 1 },
      apiApps: { add: 1, kept: 0 },
      sessions: { add: 3, already: 0, unfinished: 0 },
      tokens: { add: 3, newerHere: 1, newerShared: 1 },
      unreadable: 0,
    })
    expect(preview.settings.add).toBeGreaterThanOrEqual(1)
    // A preview writes nothing.
    expect(await joined.db.dataSource.getRepository(ProfileEntity).count()).toBe(2)

    const copied = await ok<SqliteCopyPreview>(joined, 'hosts:copyFromSqlite')
    expect(copied.profiles.add).toBe(3)
    const again = await ok<SqliteCopyPreview>(joined, 'hosts:copyFromSqlite')
    expect(again).toMatchObject({ profiles: { add: 0, mappingsFilled: 0 }, apiApps: { add: 0, kept: 1 }, sessions: { add: 0, already: 3 }, tokens: { add: 0 }, settings: { add: 0 } })
    await stop(joined)

    // Another host with only the shared key reads everything.
    const dirC = tempDir('copy-host-c-')
    fs.copyFileSync(path.join(dirB, 'data.key'), path.join(dirC, 'data.key'))
    const c = await start(dirC, { DATABASE_URL: url })
    const profiles = await c.db.dataSource.getRepository(ProfileEntity).find({ order: { profileId: 'ASC' } })
    expect(profiles.map((p) => [p.profileId, p.twitterUsername])).toEqual([
      ['p-a1', 'user_p-a1'],
      ['p-a2', 'user_p-a2'],
      ['p-a3', 'user_p-a3'],
      ['p-mapped', 'shared_user'],
      ['p-unmapped', 'filled_here'],
    ])
    expect(await sessions(c).findOneByOrFail({ sessionId: mine.sessionId })).toMatchObject({ accessToken: mine.accessToken, refreshToken: mine.refreshToken, tokenStatus: 'valid' })
    // Alice: the copied set is newer, it wins; Bob: the shared one is newer, the copy is kept as replaced.
    expect(await sessions(c).findOneByOrFail({ sessionId: aliceHere.sessionId })).toMatchObject({ accessToken: aliceHere.accessToken, tokenStatus: 'valid' })
    expect((await sessions(c).findOneByOrFail({ sessionId: aliceShared.sessionId })).tokenStatus).toBe('replaced')
    expect((await sessions(c).findOneByOrFail({ sessionId: bobShared.sessionId })).tokenStatus).toBe('valid')
    expect(await sessions(c).findOneByOrFail({ sessionId: bobHere.sessionId })).toMatchObject({ accessToken: bobHere.accessToken, tokenStatus: 'replaced' })
    expect((await c.apiApps.get('APP1')).clientSecret).toBe('app1-secret-value')
    expect(c.settings.get('gologinToken')).toBe('gl-token-of-the-sqlite-panel-42')
    // Plain settings and API-app rows carry a MAC under the shared key: nothing copied is refused.
    expect(c.settings.get('tokenRefreshMarginMinutes')).toBe(40)
    expect(c.settings.view().fields.tokenRefreshMarginMinutes.refused).toBeUndefined()
    expect((await c.apiApps.list()).map((app) => [app.name, app.refused ?? null])).toEqual([['APP1', null]])
  })
  it('npm run worker -- --copy-from-sqlite DIR does the same for a headless host, then exits', { timeout: 120_000 }, async () => {
    const url = await freshPostgresUrl()
    const dirB = tempDir('copy-cli-b-')
    await stop(await start(dirB, { DATABASE_URL: url }))
    const dirA = tempDir('copy-cli-a-')
    const a = await start(dirA)
    await seedProfile(a.db, 'p-cli', { twitterUsername: 'cli_user', apiApp: 'APP1', mappingSource: 'import' })
    const token = await seedToken(a.db, { profileId: 'p-cli', twitterUsername: 'cli_user', apiApp: 'APP1' })
    await stop(a)

    const worker = tempDir('copy-cli-w-')
    fs.copyFileSync(path.join(dirB, 'data.key'), path.join(worker, 'data.key'))
    const entry = path.resolve(import.meta.dirname, '../../../out/main/worker.js')
    const run = () => spawnSync(process.execPath, [entry, '--data-dir', worker, '--database-url', url, '--copy-from-sqlite', dirA], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, DATABASE_URL: '' } })
    const first = run()
    expect(first.status, first.stderr).toBe(0)
    expect(JSON.parse(/^COPIED (.*)$/m.exec(first.stdout)![1])).toMatchObject({ reencrypt: true, profiles: { add: 1 }, sessions: { add: 1 }, tokens: { add: 1 } })
    expect(JSON.parse(/^COPIED (.*)$/m.exec(run().stdout)![1])).toMatchObject({ profiles: { add: 0 }, sessions: { add: 0, already: 1 } })

    const c = await start(worker, { DATABASE_URL: url })
    expect(await sessions(c).findOneByOrFail({ sessionId: token.sessionId })).toMatchObject({ accessToken: token.accessToken, tokenStatus: 'valid' })
    expect((await c.db.dataSource.getRepository(ProfileEntity).findOneByOrFail({ profileId: 'p-cli' })).twitterUsername).toBe('cli_user')
  })

  it('rows the file’s key does not vouch for stay behind: an API app or setting rewritten by SQL, a token moved into another session', { timeout: 120_000 }, async () => {
    const url = await freshPostgresUrl()
    const dirB = tempDir('copy-forged-b-')
    await stop(await start(dirB, { DATABASE_URL: url }))
    const dirA = tempDir('copy-forged-a-')
    const a = await start(dirA)
    await a.apiApps.save({ name: 'APP1', clientId: 'client-1', clientSecret: 'app1-secret-value', redirectUri: 'https://app1.example/cb' })
    await a.apiApps.save({ name: 'APP2', clientId: 'client-2', clientSecret: 'app2-secret-value', redirectUri: 'https://app2.example/cb' })
    await a.settings.update({ tokenRefreshMarginMinutes: 40, gologinRequestsPerMinute: 50 })
    const kept = await seedToken(a.db, { profileId: 'p-kept', twitterUsername: 'kept_user', apiApp: 'APP1' })
    const moved = await seedToken(a.db, { profileId: 'p-moved', twitterUsername: 'moved_user', apiApp: 'APP1' })
    // Someone who can write the file but holds no key: APP2's client id and a setting rewritten, kept's token put into moved's row.
    await a.db.dataSource.query(`UPDATE api_apps SET client_id = 'attacker-client' WHERE name = 'APP2'`)
    await a.db.dataSource.query(`UPDATE settings SET value = '110' WHERE key = 'tokenRefreshMarginMinutes'`)
    await a.db.dataSource.query(`UPDATE authorization_sessions SET access_token = (SELECT access_token FROM authorization_sessions WHERE session_id = ?) WHERE session_id = ?`, [kept.sessionId, moved.sessionId])
    await stop(a)

    const worker = tempDir('copy-forged-w-')
    fs.copyFileSync(path.join(dirB, 'data.key'), path.join(worker, 'data.key'))
    const entry = path.resolve(import.meta.dirname, '../../../out/main/worker.js')
    const run = spawnSync(process.execPath, [entry, '--data-dir', worker, '--database-url', url, '--copy-from-sqlite', dirA], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, DATABASE_URL: '' } })
    expect(run.status, run.stderr).toBe(0)
    expect(JSON.parse(/^COPIED (.*)$/m.exec(run.stdout)![1])).toMatchObject({ apiApps: { add: 1 }, sessions: { add: 1 }, tokens: { add: 1 }, unreadable: 3 })
    // The log names the rows left behind (never a value).
    expect(run.stdout + run.stderr).toMatch(/api_apps row APP2 of \S+ was changed without its data key/)
    expect(run.stdout + run.stderr).not.toContain('app2-secret-value')

    const c = await start(worker, { DATABASE_URL: url })
    expect((await c.apiApps.list()).map((app) => [app.name, app.refused ?? null])).toEqual([['APP1', null]])
    expect(c.settings.get('gologinRequestsPerMinute')).toBe(50)
    expect(c.settings.get('tokenRefreshMarginMinutes')).toBe(15)
    expect(await sessions(c).findOneByOrFail({ sessionId: kept.sessionId })).toMatchObject({ accessToken: kept.accessToken, tokenStatus: 'valid' })
    expect(await sessions(c).findOneBy({ sessionId: moved.sessionId })).toBeNull()
  })

  it('copies an older panel’s file (before fencing and authenticated rows: secrets bound to their column, no MACs) into rows a host reads', { timeout: 120_000 }, async () => {
    const url = await freshPostgresUrl()
    const dirB = tempDir('copy-old-b-')
    await stop(await start(dirB, { DATABASE_URL: url }))
    // The old panel's folder: its key and a file migrated only up to the step before fencing, written as that version did.
    const dirA = tempDir('copy-old-a-')
    const key = randomBytes(32)
    fs.writeFileSync(path.join(dirA, 'data.key'), key.toString('base64'), { mode: 0o600 })
    const box = new SecretBox(key)
    const old = createDataSource(path.join(dirA, DATABASE_FILE_NAME), { migrations: MIGRATIONS.slice(0, MIGRATION_NAMES.indexOf('Fencing1779321600000')) })
    await old.initialize()
    await old.runMigrations()
    const sessionId = randomUUID()
    await old.query(`INSERT INTO settings (key, value, secret_value) VALUES ('__data_key_check', NULL, ?)`, [box.seal('gologin-panel data key check', 'settings.secret_value')])
    await old.query(`INSERT INTO settings (key, value, secret_value) VALUES ('tokenRefreshMarginMinutes', '30', NULL), ('gologinToken', NULL, ?)`, [box.seal('gologin-token-old-77', 'settings.secret_value')])
    await old.query(
      `INSERT INTO api_apps (name, oauth_version, client_type, client_id, client_secret, redirect_uri, scopes) VALUES ('OLDAPP', '2.0', 'confidential', 'client-old', ?, 'https://app.example.com/cb', ?)`,
      [box.seal('client-secret-old', 'api_apps.client_secret'), JSON.stringify(['tweet.read', 'users.read'])],
    )
    await old.query(
      `INSERT INTO authorization_sessions (session_id, profile_id, twitter_username, api_app, status, access_token, refresh_token, token_status, completed_at) VALUES (?, 'p-old', 'old_user', 'OLDAPP', 'completed', ?, ?, 'valid', CURRENT_TIMESTAMP)`,
      [sessionId, box.seal('access-old', 'authorization_sessions.access_token'), box.seal('refresh-old', 'authorization_sessions.refresh_token')],
    )
    await old.destroy()

    const worker = tempDir('copy-old-w-')
    fs.copyFileSync(path.join(dirB, 'data.key'), path.join(worker, 'data.key'))
    const entry = path.resolve(import.meta.dirname, '../../../out/main/worker.js')
    const run = spawnSync(process.execPath, [entry, '--data-dir', worker, '--database-url', url, '--copy-from-sqlite', dirA], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, DATABASE_URL: '' } })
    expect(run.status, run.stderr).toBe(0)
    expect(JSON.parse(/^COPIED (.*)$/m.exec(run.stdout)![1])).toMatchObject({ reencrypt: true, apiApps: { add: 1 }, sessions: { add: 1 }, tokens: { add: 1 }, settings: { add: 2 }, unreadable: 0 })

    const c = await start(worker, { DATABASE_URL: url })
    expect(await sessions(c).findOneByOrFail({ sessionId })).toMatchObject({ accessToken: 'access-old', refreshToken: 'refresh-old', tokenStatus: 'valid' })
    expect(await c.apiApps.get('OLDAPP')).toMatchObject({ clientId: 'client-old', clientSecret: 'client-secret-old' })
    expect([c.settings.get('tokenRefreshMarginMinutes'), c.settings.get('gologinToken')]).toEqual([30, 'gologin-token-old-77'])
    expect(c.settings.view().fields.tokenRefreshMarginMinutes.refused).toBeUndefined()
  })
})
