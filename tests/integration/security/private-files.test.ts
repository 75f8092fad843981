/**
 * Files are private (issue 20): the data folder is 0700 and everything the panel writes in it 0600 from the first
 * write — the SQLite file and its -wal/-shm, the logs, host.json, database.json, the journal, the key file and
 * exports saved into the folder — whatever the process umask. POSIX only: Windows has no mode bits.
 */
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createCore, type Core } from '../../../src/main/core'
import { writeDatabaseConfig } from '../../../src/main/db'
import { StartedProfilesJournal } from '../../../src/main/services/lifecycle/started-profiles-journal'
import type { FileDialogs } from '../../../src/main/services/platform'
import { tempDir } from '../../helpers/temp-dir'

const running: Core[] = []
let umask: number | null = null
afterEach(async () => {
  for (const core of running.splice(0).reverse()) await core.close()
  if (umask !== null) process.umask(umask)
  umask = null
})

/** Every folder and file under `root` (the root included) with its permission bits. */
function modes(root: string): Array<{ file: string; dir: boolean; mode: string }> {
  const out = [{ file: '.', dir: true, mode: (fs.statSync(root).mode & 0o777).toString(8) }]
  for (const entry of fs.readdirSync(root, { recursive: true, withFileTypes: true })) {
    const full = path.join(entry.parentPath, entry.name)
    out.push({ file: path.relative(root, full), dir: entry.isDirectory(), mode: (fs.statSync(full).mode & 0o777).toString(8) })
  }
  return out
}

function expectPrivate(root: string) {
  const found = modes(root)
  // Windows has no POSIX mode bits (its ACLs come from the user's profile folder): only the files are listed there.
  if (process.platform === 'win32') return found.map((f) => f.file)
  expect(found.filter((f) => f.mode !== (f.dir ? '700' : '600'))).toEqual([])
  return found.map((f) => f.file)
}

async function start(dataDir: string, dialogs: FileDialogs): Promise<Core> {
  const core = await createCore({ dataDir, mode: 'desktop', env: {}, platform: { dialogs }, eventWindowMs: 5, logLevel: 'debug' })
  running.push(core)
  return core
}

async function ok(core: Core, channel: 'dataKey:export' | 'tokens:export' | 'hosts:setSlots', input: unknown) {
  const answer = await core.router.dispatch(channel, input as never, { transport: 'test' })
  if (!answer.success) throw new Error(`${answer.errorCode}: ${answer.error}`)
  return answer.data
}

describe('private data folder', () => {
  it('creates the folder 0700 and every file in it 0600 from the first write, even with umask 000', async () => {
    // With umask 000 anything created without an explicit mode would be 0666/0777: nothing may rely on the umask.
    umask = process.umask(0o000)
    const dataDir = path.join(tempDir(), 'panel-data')
    const saveTo = { file: '' }
    const core = await start(dataDir, { chooseSavePath: async () => saveTo.file, chooseOpenFile: async () => null })
    await core.settings.update({ gologinToken: 'gl-token-private-files-1' })
    await ok(core, 'hosts:setSlots', { slots: 3 })
    saveTo.file = path.join(dataDir, 'exports', 'panel.datakey')
    fs.mkdirSync(path.dirname(saveTo.file), { mode: 0o700 })
    await ok(core, 'dataKey:export', { passphrase: 'Tangerine-Quartz-Velvet-91!' })
    saveTo.file = path.join(dataDir, 'exports', 'tokens.csv')
    await ok(core, 'tokens:export', { onlyValid: false })
    new StartedProfilesJournal({ dataDir, log: core.logs.logger('test') }).keep(['profile-1'])
    writeDatabaseConfig(dataDir, 'postgres://panel@127.0.0.1:1/panel')
    core.logs.logger('test').info('private.files', { note: 'a line in the log' })

    // While the database is open: its write-ahead log and shared memory are there too.
    const whileOpen = expectPrivate(dataDir)
    expect(whileOpen).toEqual(
      expect.arrayContaining(['panel.db', 'panel.db-wal', 'panel.db-shm', 'data.key', 'host.json', 'database.json', path.join('logs', 'panel.log')]),
    )
    expect(whileOpen).toEqual(expect.arrayContaining([path.join('exports', 'panel.datakey'), path.join('exports', 'tokens.csv')]))
    expect(whileOpen.some((file) => file.startsWith('started-profiles'))).toBe(true)

    await running.pop()!.close()
    expectPrivate(dataDir)
  })

  it('tightens a folder and files an older version left 0755/0644', async () => {
    const dataDir = tempDir()
    fs.chmodSync(dataDir, 0o755)
    fs.mkdirSync(path.join(dataDir, 'logs'), { mode: 0o755 })
    fs.chmodSync(path.join(dataDir, 'logs'), 0o755)
    fs.writeFileSync(path.join(dataDir, 'logs', 'panel.log'), '', { mode: 0o644 })
    fs.writeFileSync(path.join(dataDir, 'logs', 'panel.1.log'), '', { mode: 0o644 })
    await start(dataDir, { chooseSavePath: async () => null, chooseOpenFile: async () => null })
    await running.pop()!.close()
    // An upgraded folder: database and its companions left world-readable by an older version.
    for (const file of ['panel.db', 'panel.db-wal', 'panel.db-shm']) if (fs.existsSync(path.join(dataDir, file))) fs.chmodSync(path.join(dataDir, file), 0o644)
    fs.chmodSync(dataDir, 0o755)
    await start(dataDir, { chooseSavePath: async () => null, chooseOpenFile: async () => null })
    expect(expectPrivate(dataDir)).toEqual(expect.arrayContaining(['panel.db', path.join('logs', 'panel.1.log')]))
  })
})
