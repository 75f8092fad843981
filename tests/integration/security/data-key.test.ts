/**
 * One data key for every host of a database: `dataKey:export` / `dataKey:import` through the core (a download and an
 * upload in browser mode, native dialogs on the desktop), and `DATA_KEY_FILE` + `DATA_KEY_PASSPHRASE` at start-up.
 * Another data folder "shares" a database here by holding a copy of the first one's database file; the key store is
 * each folder's own `data.key`. Secrets are the GoLogin token saved in Settings on the first host.
 */
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createCore, type Core } from '../../../src/main/core'
import type { FileDialogs } from '../../../src/main/services/platform'
import type { DataKeyExportResult, DataKeyImportResult } from '../../../src/shared/contract/data-key'
import type { RequestChannel, RequestInput } from '../../../src/shared/ipc-contract'
import { tempDir } from '../../helpers/temp-dir'

const PASSPHRASE = 'Tangerine-Quartz-Velvet-91!'
const GOLOGIN_TOKEN = 'gl-token-of-host-a-0123456789abcdef'

const running: Core[] = []
afterEach(async () => {
  for (const core of running.splice(0).reverse()) await core.close()
})

async function start(dataDir: string, options: { env?: NodeJS.ProcessEnv; dialogs?: FileDialogs } = {}): Promise<Core> {
  const core = await createCore({ dataDir, mode: options.dialogs ? 'desktop' : 'browser', env: options.env ?? {}, platform: { dialogs: options.dialogs ?? null }, eventWindowMs: 5, logLevel: 'debug' })
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

async function ok<T>(core: Core, channel: 'dataKey:export' | 'dataKey:import', input: RequestInput<typeof channel>): Promise<T> {
  const answer = await call(core, channel, input)
  if (!answer.success) throw new Error(`${answer.errorCode}: ${answer.error}`)
  return answer.data as T
}

/** Host A: a database holding a secret, closed so that its file can be copied. Returns its folder and exported key file. */
async function hostWithSecret(): Promise<{ dir: string; keyFile: string; keyId: string }> {
  const dir = tempDir('host-a-')
  const core = await start(dir)
  await core.settings.update({ gologinToken: GOLOGIN_TOKEN })
  const exported = await ok<DataKeyExportResult>(core, 'dataKey:export', { passphrase: PASSPHRASE })
  if (exported.mode !== 'download') throw new Error('browser mode exports a download')
  const keyFile = path.join(tempDir('transfer-'), exported.fileName)
  fs.writeFileSync(keyFile, exported.content)
  await stop(core)
  return { dir, keyFile, keyId: exported.keyId }
}

/** A second folder whose database is a copy of `from`'s, and whose own key store holds a different key. */
async function folderSharingDatabaseOf(from: string): Promise<string> {
  const dir = tempDir('host-b-')
  fs.copyFileSync(path.join(from, 'panel.db'), path.join(dir, 'panel.db'))
  fs.writeFileSync(path.join(dir, 'data.key'), `${Buffer.alloc(32, 0x11).toString('base64')}\n`, { mode: 0o600 })
  return dir
}

const keyOf = (dir: string) => fs.readFileSync(path.join(dir, 'data.key'), 'utf8').trim()
const backupsIn = (dir: string) => fs.readdirSync(dir).filter((name) => name.startsWith('data.key.backup-'))

function logText(core: Core): string {
  return fs.readFileSync(core.logs.filePath!, 'utf8') + JSON.stringify(core.logs.ring.recent(10_000))
}

// Every export and import derives its key with scrypt at OWASP's cost (128 MiB, ~0.5 s on a quiet core): CPU-bound by
// design, so these tests get a bound that holds while other files run beside them, not the suite's 30 s.
describe('data key export and import', { timeout: 90_000 }, () => {
  it('a host started with DATA_KEY_FILE opens a database sealed with that key, reads its secrets, and keeps the key for later starts', async () => {
    const a = await hostWithSecret()
    const b = await folderSharingDatabaseOf(a.dir)
    const ownKey = keyOf(b)

    // Without the key, the shared database refuses this host, and says how to bring the key here.
    const refused = await start(b).catch((error: Error) => error)
    expect(refused).toBeInstanceOf(Error)
    expect((refused as Error).message).toMatch(/does not match the database[\s\S]*DATA_KEY_FILE and DATA_KEY_PASSPHRASE/)

    const core = await start(b, { env: { DATA_KEY_FILE: a.keyFile, DATA_KEY_PASSPHRASE: PASSPHRASE } })
    expect(core.settings.get('gologinToken')).toBe(GOLOGIN_TOKEN)
    expect(core.info.dataKey.keyId).toBe(a.keyId)
    // Installed in the key store, the old key kept in a backup.
    expect(keyOf(b)).toBe(keyOf(a.dir))
    expect(backupsIn(b)).toHaveLength(1)
    expect(fs.readFileSync(path.join(b, backupsIn(b)[0]!), 'utf8').trim()).toBe(ownKey)
    expect(logText(core)).not.toContain(PASSPHRASE)
    expect(logText(core)).not.toContain(keyOf(a.dir))
    await stop(core)

    // Later starts need neither variable; starting again with them changes nothing.
    const again = await start(b)
    expect(again.settings.get('gologinToken')).toBe(GOLOGIN_TOKEN)
    await stop(again)
    await stop(await start(b, { env: { DATA_KEY_FILE: a.keyFile, DATA_KEY_PASSPHRASE: PASSPHRASE } }))
    expect(backupsIn(b)).toHaveLength(1)
  })

  it('DATA_KEY_FILE for another database is refused at start-up and nothing changes: the host starts as before with its own key', async () => {
    const a = await hostWithSecret()
    const c = tempDir('host-c-')
    const own = await start(c)
    await own.settings.update({ gologinToken: 'token-of-host-c-abcdef' })
    await stop(own)
    const keyBefore = keyOf(c)

    const refused = await start(c, { env: { DATA_KEY_FILE: a.keyFile, DATA_KEY_PASSPHRASE: PASSPHRASE } }).catch((error: Error) => error)
    expect((refused as Error).message).toMatch(new RegExp(`data key from DATA_KEY_FILE=.*fingerprint ${a.keyId}.*does not match the database`))
    expect(keyOf(c)).toBe(keyBefore)
    expect(backupsIn(c)).toEqual([])
    const after = await start(c)
    expect(after.settings.get('gologinToken')).toBe('token-of-host-c-abcdef')
  })

  it('DATA_KEY_FILE without its passphrase, with a wrong one, or naming a missing file stops the start with a clear message', async () => {
    const a = await hostWithSecret()
    const b = await folderSharingDatabaseOf(a.dir)
    const failure = (env: NodeJS.ProcessEnv) => start(b, { env }).then(
      () => 'started',
      (error: Error) => error.message,
    )
    expect(await failure({ DATA_KEY_FILE: a.keyFile })).toMatch(/DATA_KEY_FILE is set but its passphrase is not: .*DATA_KEY_PASSPHRASE_FILE/)
    const wrong = await failure({ DATA_KEY_FILE: a.keyFile, DATA_KEY_PASSPHRASE: 'Wrong-Passphrase-For-Sure-77' })
    expect(wrong).toMatch(/^DATA_KEY_FILE=.*: The passphrase is wrong/)
    expect(wrong).not.toContain('Wrong-Passphrase-For-Sure-77')
    expect(await failure({ DATA_KEY_FILE: path.join(b, 'nope.json'), DATA_KEY_PASSPHRASE: PASSPHRASE })).toMatch(/nope\.json: the file cannot be read \(no such file\)/)
    expect(backupsIn(b)).toEqual([])
  })

  it('DATA_KEY_PASSPHRASE_FILE gives the passphrase from a file (its one trailing newline dropped); a missing file or both forms set are refused', async () => {
    const a = await hostWithSecret()
    const b = await folderSharingDatabaseOf(a.dir)
    const secrets = tempDir('credentials-')
    const passphraseFile = path.join(secrets, 'passphrase')
    fs.writeFileSync(passphraseFile, `${PASSPHRASE}\n`, { mode: 0o600 })
    const failure = (env: NodeJS.ProcessEnv) => start(b, { env }).then(
      () => 'started',
      (error: Error) => error.message,
    )
    expect(await failure({ DATA_KEY_FILE: a.keyFile, DATA_KEY_PASSPHRASE_FILE: passphraseFile, DATA_KEY_PASSPHRASE: PASSPHRASE })).toMatch(
      /Both DATA_KEY_PASSPHRASE_FILE and DATA_KEY_PASSPHRASE are set/,
    )
    expect(await failure({ DATA_KEY_FILE: a.keyFile, DATA_KEY_PASSPHRASE_FILE: path.join(secrets, 'nope') })).toMatch(
      /DATA_KEY_PASSPHRASE_FILE=.*nope cannot be read \(no such file\)/,
    )
    const core = await start(b, { env: { DATA_KEY_FILE: a.keyFile, DATA_KEY_PASSPHRASE_FILE: passphraseFile } })
    expect(core.settings.get('gologinToken')).toBe(GOLOGIN_TOKEN)
    expect(core.info.dataKey.keyId).toBe(a.keyId)
    expect(logText(core)).not.toContain(PASSPHRASE)
  })

  it('Settings import refuses a key that does not open this database, changing nothing; the panel\'s own key is "already in use"', async () => {
    const a = await hostWithSecret()
    const c = await start(tempDir('host-c-'))
    const keyBefore = keyOf(c.info.dataDir)
    const content = fs.readFileSync(a.keyFile, 'utf8')

    const answer = await call(c, 'dataKey:import', { passphrase: PASSPHRASE, file: { name: 'a.json', content } })
    expect(answer).toMatchObject({ success: false, errorCode: 'VALIDATION_ERROR', details: { reason: 'key_mismatch', fileKeyId: a.keyId } })
    expect(answer.error).toMatch(/does not open this database's secrets.*nothing was changed/)
    expect(keyOf(c.info.dataDir)).toBe(keyBefore)
    expect(backupsIn(c.info.dataDir)).toEqual([])

    // Its own export comes back as the key it already has.
    const own = await ok<DataKeyExportResult>(c, 'dataKey:export', { passphrase: PASSPHRASE })
    if (own.mode !== 'download') throw new Error('expected a download')
    const again = await ok<DataKeyImportResult>(c, 'dataKey:import', { passphrase: PASSPHRASE, file: { content: own.content } })
    expect(again).toMatchObject({ status: 'unchanged', keyId: c.info.dataKey.keyId })
    expect(backupsIn(c.info.dataDir)).toEqual([])
  })

  it('Settings import restores a key store that lost its key (the database opens again after a restart)', async () => {
    const dir = tempDir('host-')
    const core = await start(dir)
    await core.settings.update({ gologinToken: GOLOGIN_TOKEN })
    const exported = await ok<DataKeyExportResult>(core, 'dataKey:export', { passphrase: PASSPHRASE })
    if (exported.mode !== 'download') throw new Error('expected a download')
    const key = keyOf(dir)
    fs.rmSync(path.join(dir, 'data.key'))

    const answer = await call(core, 'dataKey:import', { passphrase: PASSPHRASE, file: { name: exported.fileName, content: exported.content } })
    expect(answer).toMatchObject({ success: true, data: { status: 'installed', keyId: exported.keyId, backup: null, restartRequired: false } })
    expect(keyOf(dir)).toBe(key)
    // Neither the key nor the passphrase in the answer, the log or the log file.
    expect(JSON.stringify(answer)).not.toContain(PASSPHRASE)
    expect(JSON.stringify(answer)).not.toContain(key)
    expect(logText(core)).not.toContain(PASSPHRASE)
    expect(logText(core)).not.toContain(key)
    await stop(core)
    expect((await start(dir)).settings.get('gologinToken')).toBe(GOLOGIN_TOKEN)
  })

  it('names a wrong passphrase, a damaged file and another kind of file, and refuses a weak export passphrase', async () => {
    const core = await start(tempDir('host-'))
    const exported = await ok<DataKeyExportResult>(core, 'dataKey:export', { passphrase: PASSPHRASE })
    if (exported.mode !== 'download') throw new Error('expected a download')
    const attempt = (passphrase: string, content: string) => call(core, 'dataKey:import', { passphrase, file: { content } })

    expect(await attempt('Another-Long-Passphrase-12', exported.content)).toMatchObject({ success: false, errorCode: 'VALIDATION_ERROR', details: { reason: 'wrong_passphrase' } })
    expect(await attempt(PASSPHRASE, exported.content.slice(0, 200))).toMatchObject({ success: false, details: { reason: 'truncated' } })
    expect(await attempt(PASSPHRASE, 'profile_name,twitter_username,api_app\n')).toMatchObject({ success: false, details: { reason: 'not_a_key_file' } })
    expect(await attempt('', exported.content)).toMatchObject({ success: false, error: expect.stringMatching(/Enter the passphrase/) })

    const weak = await call(core, 'dataKey:export', { passphrase: 'password1234' })
    expect(weak).toMatchObject({ success: false, errorCode: 'VALIDATION_ERROR', details: { field: 'passphrase', reason: 'weak_passphrase' } })
    expect(weak.error).toMatch(/not strong enough/)
    expect(weak.error).not.toContain('password1234')
    expect(backupsIn(core.info.dataDir)).toEqual([])
  })

  it('desktop: export through the save dialog (a 0600 file), import through the open dialog; cancelling either does nothing', async () => {
    const dir = tempDir('desktop-')
    const target = path.join(tempDir('chosen-'), 'panel key.json')
    let save: string | null = target
    let open: string | null = target
    const asked: string[] = []
    const dialogs: FileDialogs = {
      chooseSavePath: async (options) => (asked.push(`save:${options.defaultPath}`), save),
      chooseOpenFile: async (options) => (asked.push(`open:${options.title}`), open),
    }
    const core = await start(dir, { dialogs })
    const saved = await ok<DataKeyExportResult>(core, 'dataKey:export', { passphrase: PASSPHRASE })
    expect(saved).toEqual({ mode: 'saved', path: target, fileName: 'panel key.json', keyId: core.info.dataKey.keyId })
    expect(asked[0]).toBe(`save:gologin-panel-data-key-${core.info.dataKey.keyId}.json`)
    if (process.platform !== 'win32') expect(fs.statSync(target).mode & 0o777).toBe(0o600)
    expect(JSON.parse(fs.readFileSync(target, 'utf8'))).toMatchObject({ format: 'gologin-panel-data-key', version: 1, keyId: core.info.dataKey.keyId })

    expect(await ok<DataKeyImportResult>(core, 'dataKey:import', { passphrase: PASSPHRASE })).toMatchObject({ status: 'unchanged' })
    expect(asked[1]).toBe('open:Import data key')

    save = null
    open = null
    fs.rmSync(target)
    expect(await ok<DataKeyExportResult>(core, 'dataKey:export', { passphrase: PASSPHRASE })).toEqual({ mode: 'cancelled' })
    expect(fs.existsSync(target)).toBe(false)
    expect(await ok<DataKeyImportResult>(core, 'dataKey:import', { passphrase: PASSPHRASE })).toEqual({ status: 'cancelled' })
  })
})
