/**
 * Settings → Database and hosts through the core's router, on a real PostgreSQL server (the postgres project): a
 * host on its SQLite file tests and joins shared databases. "Host B" is another data folder whose panel made a
 * database its own (tables, key check, a sealed GoLogin token) and exported its key. Each test has fresh databases.
 */
import fs from 'node:fs'
import path from 'node:path'
import pg from 'pg'
import { afterEach, describe, expect, it } from 'vitest'
import { createCore, type Core } from '../../../src/main/core'
import { sealDataKeyFile } from '../../../src/main/security/data-key-file'
import { SecretBox } from '../../../src/main/security/secret-box'
import type { DatabaseJoinResult, DatabaseLeaveResult, DatabaseTestResult, HostDatabaseStatus } from '../../../src/shared/contract/hosts'
import type { RequestChannel, RequestInput } from '../../../src/shared/ipc-contract'
import { freshPostgresUrl } from '../../helpers/test-database'
import { tempDir } from '../../helpers/temp-dir'

const PASSWORD = 'Db-Pass-4e7c1-secret'
const PASSPHRASE = 'Tangerine-Quartz-Velvet-91!'
const FAST = { N: 2 ** 14, r: 8, p: 1 }

const running: Core[] = []
afterEach(async () => {
  for (const core of running.splice(0).reverse()) await core.close()
})

async function start(dataDir: string, env: NodeJS.ProcessEnv = {}): Promise<Core> {
  const core = await createCore({ dataDir, mode: 'browser', env, platform: { dialogs: null }, eventWindowMs: 5, logLevel: 'debug' })
  running.push(core)
  return core
}

async function stop(core: Core): Promise<void> {
  running.splice(running.indexOf(core), 1)
  await core.close()
}

async function call<C extends RequestChannel>(core: Core, channel: C, input: RequestInput<C>) {
  return core.router.dispatch(channel, input, { transport: 'test' })
}

async function ok<T>(core: Core, channel: RequestChannel, input: unknown): Promise<T> {
  const answer = await core.router.dispatch(channel, input, { transport: 'test' })
  if (!answer.success) throw new Error(`${answer.errorCode}: ${answer.error}`)
  return answer.data as T
}

/** A fresh database's URL with a password in it (the server trusts loopback, so any password connects). */
async function urlWithPassword(): Promise<string> {
  const url = new URL(await freshPostgresUrl())
  url.password = PASSWORD
  return url.toString()
}

const keyOf = (dir: string) => Buffer.from(fs.readFileSync(path.join(dir, 'data.key'), 'utf8').trim(), 'base64')
const backupsIn = (dir: string) => fs.readdirSync(dir).filter((name) => name.startsWith('data.key.backup-'))
const keyFileOf = async (dir: string) => ({ name: 'key.json', content: await sealDataKeyFile(keyOf(dir), PASSPHRASE, { scrypt: FAST }) })

function logText(core: Core): string {
  return fs.readFileSync(core.logs.filePath!, 'utf8') + JSON.stringify(core.logs.ring.recent(10_000))
}

/** Host B: its panel made `url` a panel database (key check sealed with B's key) holding a GoLogin token. */
async function panelDatabaseOfHostB(url: string): Promise<{ dir: string; keyId: string }> {
  const dir = tempDir('join-host-b-')
  const core = await start(dir, { DATABASE_URL: url })
  await core.settings.update({ gologinToken: 'gl-token-of-host-b-0123456789' })
  const keyId = core.info.dataKey.keyId
  await stop(core)
  return { dir, keyId }
}

describe('Settings → Database and hosts (PostgreSQL)', () => {
  it('Test says what a database holds: empty, a panel database whose key check the key file opens or not, tables of another program', async () => {
    // One data key per process at a time: host B's panel runs (and stops) first.
    const shared = await urlWithPassword()
    const b = await panelDatabaseOfHostB(shared)
    const dirA = tempDir('join-host-a-')
    const a = await start(dirA)
    const empty = await urlWithPassword()
    const other = await urlWithPassword()
    const client = new pg.Client({ connectionString: other })
    await client.connect()
    await client.query('CREATE TABLE invoices (id int)')
    await client.end()
    const answers: DatabaseTestResult[] = []
    const test = async (input: RequestInput<'hosts:testDatabase'>) => {
      const result = await ok<DatabaseTestResult>(a, 'hosts:testDatabase', input)
      answers.push(result)
      return result
    }

    expect(await test({ url: empty })).toMatchObject({ reachable: true, content: 'empty', key: 'none_yet', canJoin: true })
    expect(answers[0]!.message).toContain(`this host's data key (fingerprint ${a.info.dataKey.keyId}) will seal it`)
    expect(answers[0]!.database).toBe(new URL(empty).toString().replace(`:${PASSWORD}`, ''))

    expect(await test({ url: shared })).toMatchObject({ reachable: true, content: 'panel', key: 'key_needed', canJoin: false })
    expect(await test({ url: shared, keyFile: await keyFileOf(dirA), passphrase: PASSPHRASE })).toMatchObject({ content: 'panel', key: 'key_file_wrong', canJoin: false, keyFileId: a.info.dataKey.keyId })
    const right = await test({ url: shared, keyFile: await keyFileOf(b.dir), passphrase: PASSPHRASE })
    expect(right).toMatchObject({ content: 'panel', key: 'key_file', canJoin: true, keyFileId: b.keyId })
    expect(right.message).toMatch(new RegExp(`is a panel database, and the key file \\(fingerprint ${b.keyId}\\) opens it`))

    expect(await test({ url: other })).toMatchObject({ reachable: true, content: 'other', canJoin: false })

    // Testing writes nothing, and the password is in no answer nor log line.
    expect(fs.existsSync(path.join(dirA, 'database.json'))).toBe(false)
    expect(backupsIn(dirA)).toEqual([])
    expect(JSON.stringify(answers)).not.toContain(PASSWORD)
    expect(logText(a)).not.toContain(PASSWORD)
  })

  it('Save installs the key only when it opens the target (nothing written otherwise); the next start runs on PostgreSQL; back to SQLite restores the old key', { timeout: 90_000 }, async () => {
    const shared = await urlWithPassword()
    const b = await panelDatabaseOfHostB(shared)
    const dirA = tempDir('join-host-a-')
    let a = await start(dirA)
    await a.settings.update({ gologinToken: 'gl-token-of-host-a-abcdef0123' })
    const keyA = keyOf(dirA)

    // A key file that does not open the target: refused, nothing written.
    const refused = await call(a, 'hosts:joinDatabase', { url: shared, keyFile: await keyFileOf(dirA), passphrase: PASSPHRASE })
    expect(refused).toMatchObject({ success: false, errorCode: 'VALIDATION_ERROR' })
    expect(refused.error).toMatch(/^Nothing was saved\. .* does not open it/)
    // Without a key file, this host's own key does not open it either.
    const noKey = await call(a, 'hosts:joinDatabase', { url: shared })
    expect(noKey.error).toMatch(/^Nothing was saved\. .*sealed with another data key than this host's/)
    expect(fs.existsSync(path.join(dirA, 'database.json'))).toBe(false)
    expect(keyOf(dirA).equals(keyA)).toBe(true)
    expect(backupsIn(dirA)).toEqual([])

    // The right key file: database.json (0600) and B's key installed, A's kept in a backup.
    const joined = await ok<DatabaseJoinResult>(a, 'hosts:joinDatabase', { url: shared, keyFile: await keyFileOf(b.dir), passphrase: PASSPHRASE })
    expect(joined).toMatchObject({ restartRequired: true, keyInstalled: { keyId: b.keyId } })
    expect(joined.message).toMatch(/^Saved: this host uses PostgreSQL at postgres:\/\/postgres@127\.0\.0\.1:5432\/.* Restart the panel to use it\.$/)
    const config = path.join(dirA, 'database.json')
    expect(JSON.parse(fs.readFileSync(config, 'utf8'))).toEqual({ url: shared })
    if (process.platform !== 'win32') expect(fs.statSync(config).mode & 0o777).toBe(0o600)
    expect(keyOf(dirA).equals(keyOf(b.dir))).toBe(true)
    expect(backupsIn(dirA)).toHaveLength(1)
    expect(Buffer.from(fs.readFileSync(path.join(dirA, backupsIn(dirA)[0]!), 'utf8').trim(), 'base64').equals(keyA)).toBe(true)
    const status = await ok<HostDatabaseStatus>(a, 'hosts:status', {})
    expect(status).toMatchObject({ current: { kind: 'sqlite', source: 'default' }, next: { kind: 'postgres', source: 'database.json' }, restartRequired: true })
    expect(JSON.stringify([joined, status, refused, noKey])).not.toContain(PASSWORD)
    expect(logText(a)).not.toContain(PASSWORD)
    await stop(a)

    // The next start: PostgreSQL from database.json, B's secrets readable with the installed key.
    a = await start(dirA)
    expect(a.db.kind).toBe('postgres')
    expect(a.info.dataKey.keyId).toBe(b.keyId)
    expect(a.settings.get('gologinToken')).toBe('gl-token-of-host-b-0123456789')
    expect(await ok<HostDatabaseStatus>(a, 'hosts:status', {})).toMatchObject({ current: { kind: 'postgres', source: 'database.json' }, restartRequired: false })

    // Back to SQLite: the backup that opens panel.db is restored, B's key kept in a backup in turn.
    const left = await ok<DatabaseLeaveResult>(a, 'hosts:leaveDatabase', {})
    expect(left.keyRestored).toMatchObject({ keyId: new SecretBox(keyA).keyId })
    expect(left.message).toMatch(/Restart the panel to use it\.$/)
    expect(fs.existsSync(config)).toBe(false)
    expect(keyOf(dirA).equals(keyA)).toBe(true)
    await stop(a)
    a = await start(dirA)
    expect(a.db.kind).toBe('sqlite')
    expect(a.settings.get('gologinToken')).toBe('gl-token-of-host-a-abcdef0123')
  })

  it('back to SQLite is refused, nothing changed, when no key at hand opens the SQLite file', async () => {
    const shared = await urlWithPassword()
    const b = await panelDatabaseOfHostB(shared)
    const dirA = tempDir('join-host-a-')
    const a = await start(dirA)
    await ok(a, 'hosts:joinDatabase', { url: shared, keyFile: await keyFileOf(b.dir), passphrase: PASSPHRASE })
    // The operator deleted the backup of the key that sealed panel.db.
    for (const name of backupsIn(dirA)) fs.rmSync(path.join(dirA, name))
    const refused = await call(a, 'hosts:leaveDatabase', {})
    expect(refused).toMatchObject({ success: false, errorCode: 'VALIDATION_ERROR' })
    expect(refused.error).toMatch(/panel\.db was sealed with another data key .* Nothing was changed: this host stays on PostgreSQL/)
    expect(fs.existsSync(path.join(dirA, 'database.json'))).toBe(true)
    expect(keyOf(dirA).equals(keyOf(b.dir))).toBe(true)
  })

  it('an empty database: Save writes database.json and keeps this host\'s key, which seals it at the next start; slots are this host\'s', async () => {
    const dirA = tempDir('join-host-a-')
    let a = await start(dirA)
    const keyId = a.info.dataKey.keyId
    const empty = await urlWithPassword()
    const joined = await ok<DatabaseJoinResult>(a, 'hosts:joinDatabase', { url: empty })
    expect(joined).toMatchObject({ keyInstalled: null, restartRequired: true })
    expect(backupsIn(dirA)).toEqual([])

    expect(await ok(a, 'hosts:setSlots', { slots: 4 })).toMatchObject({ slots: 4 })
    const bad = await call(a, 'hosts:setSlots', { slots: 0 })
    expect(bad).toMatchObject({ success: false, errorCode: 'VALIDATION_ERROR' })
    expect(bad.error).toMatch(/slots/)
    // Beside this host's REST API exposure (off), which its first start wrote there.
    expect(JSON.parse(fs.readFileSync(path.join(dirA, 'host.json'), 'utf8'))).toEqual({ slots: 4, restApi: { enabled: false, host: '127.0.0.1', port: 8000 } })
    await stop(a)

    a = await start(dirA)
    expect(a.db.kind).toBe('postgres')
    expect(a.info.dataKey.keyId).toBe(keyId)
    expect(await ok<HostDatabaseStatus>(a, 'hosts:status', {})).toMatchObject({ current: { kind: 'postgres' }, slots: 4, sharedSlots: 10 })
  })
})
