/**
 * The join checks that need no PostgreSQL server: the URL is checked before anything is tried (the field named, the
 * password never echoed), an unreachable server is a "not reachable" answer with its reason and without the password,
 * a key file needs its passphrase, DATABASE_URL locks the choice, and the key store keeps the backups that going back to
 * SQLite needs. (With a server: tests/integration/hosts/database-join.test.ts.)
 */
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { LogSystem } from '../../../src/main/logging/logger'
import { sealDataKeyFile } from '../../../src/main/security/data-key-file'
import { FileKeyStore } from '../../../src/main/security/file-key-store'
import { DatabaseJoinService } from '../../../src/main/services/hosts/database-join'
import { tempDir } from '../../helpers/temp-dir'
import { closedPort } from '../../helpers/closed-port'

const PASSWORD = 'Pw-7f3a9-secret'
const FAST = { N: 2 ** 14, r: 8, p: 1 }

async function service(options: { env?: NodeJS.ProcessEnv } = {}) {
  const dataDir = tempDir('join-unit-')
  const keyStore = new FileKeyStore({ dir: dataDir })
  const key = await keyStore.loadOrCreateDataKey()
  const secrets: string[] = []
  const logs = new LogSystem({ dir: null, level: 'debug' })
  const join = new DatabaseJoinService({
    dataDir,
    env: options.env ?? {},
    current: { url: null, source: 'default' },
    keyStore,
    runningKey: key,
    sharedSlots: () => 10,
    onSecret: (value) => secrets.push(value),
    log: logs.logger('hosts'),
    connectTimeoutMs: 2_000,
  })
  return { join, dataDir, key, keyStore, secrets, logs }
}


describe('joining a database: checks before any connection', () => {
  it('a URL that is not PostgreSQL, or names no database, is refused naming the field, never echoing the password', async () => {
    const { join } = await service()
    await expect(join.test({ url: `mysql://root:${PASSWORD}@127.0.0.1/panel` })).rejects.toThrow(/^url: enter a PostgreSQL URL .*not mysql:/)
    const noDb = await join.test({ url: `postgres://root:${PASSWORD}@127.0.0.1:5432` }).catch((error: Error) => error)
    expect((noDb as Error).message).toBe('url: the URL names no database (…:5432/database).')
    expect((noDb as Error).message).not.toContain(PASSWORD)
  })

  it('an unreachable server is answered "cannot reach" with the reason and without the password; nothing is written', async () => {
    const { join, dataDir, secrets, logs } = await service()
    const port = await closedPort()
    const result = await join.test({ url: `postgres://panel:${PASSWORD}@127.0.0.1:${port}/shared` })
    expect(result).toMatchObject({ reachable: false, canJoin: false, content: null, database: `postgres://panel@127.0.0.1:${port}/shared` })
    expect(result.reason).toMatch(/ECONNREFUSED/)
    expect(result.message).toMatch(new RegExp(`^Cannot reach postgres://panel@127\\.0\\.0\\.1:${port}/shared: .*ECONNREFUSED`))
    expect(JSON.stringify(result)).not.toContain(PASSWORD)
    // The password is handed to the log redactor.
    expect(secrets).toContain(PASSWORD)

    const saved = await join.join({ url: `postgres://panel:${PASSWORD}@127.0.0.1:${port}/shared` }).catch((error: Error) => error)
    expect((saved as Error).message).toMatch(/^Nothing was saved\. Cannot reach/)
    expect((saved as Error).message).not.toContain(PASSWORD)
    expect(fs.existsSync(path.join(dataDir, 'database.json'))).toBe(false)
    expect(JSON.stringify(logs.ring.recent(1_000))).not.toContain(PASSWORD)
  })

  it('a key file without its passphrase, or with a wrong one, is refused before connecting', async () => {
    const { join, key } = await service()
    const content = await sealDataKeyFile(key, 'Tangerine-Quartz-Velvet-91!', { scrypt: FAST })
    await expect(join.test({ url: 'postgres://u@127.0.0.1:1/db', keyFile: { content } })).rejects.toThrow('Enter the passphrase the data key file was exported with.')
    await expect(join.test({ url: 'postgres://u@127.0.0.1:1/db', keyFile: { content }, passphrase: 'Wrong-Passphrase-12!' })).rejects.toThrow(/The passphrase is wrong for this data key file/)
  })

  it('with DATABASE_URL set the environment decides: joining and going back are refused and nothing is written', async () => {
    const { join, dataDir } = await service({ env: { DATABASE_URL: `postgres://u:${PASSWORD}@127.0.0.1:5432/env_db` } })
    expect(join.status()).toMatchObject({ lockedByEnv: true, next: { kind: 'postgres', location: 'postgres://u@127.0.0.1:5432/env_db', source: 'DATABASE_URL' } })
    expect(JSON.stringify(join.status())).not.toContain(PASSWORD)
    await expect(join.join({ url: 'postgres://u@127.0.0.1:5432/other' })).rejects.toThrow(/DATABASE_URL is set .* Nothing was changed/)
    await expect(join.leave()).rejects.toThrow(/DATABASE_URL is set/)
    expect(fs.readdirSync(dataDir).filter((name) => name.startsWith('database.json'))).toEqual([])
  })

  it('status: SQLite by default; host.json slots; going back when already on SQLite changes nothing', async () => {
    const { join, dataDir } = await service()
    expect(join.status()).toMatchObject({
      current: { kind: 'sqlite', location: path.join(dataDir, 'panel.db'), source: 'default' },
      restartRequired: false,
      lockedByEnv: false,
      canRelaunch: false,
      slots: null,
      sharedSlots: 10,
    })
    expect(join.setSlots(3).message).toBe('From its next start this host runs up to 3 profiles at once.')
    expect(join.status().slots).toBe(3)
    expect((await join.leave()).message).toMatch(/already uses its SQLite file .*nothing changed/)
    expect(() => join.relaunch()).toThrow('Browser mode cannot restart itself')
  })

  it('the file key store lists the keys its imports backed up, newest first', async () => {
    const { keyStore, key } = await service()
    expect(await keyStore.readBackups()).toEqual([])
    const first = await keyStore.replaceDataKey(Buffer.alloc(32, 7))
    // The first backup an hour old: the order is by age, whatever the names.
    const hourAgo = new Date(Date.now() - 3_600_000)
    fs.utimesSync(first.backup!, hourAgo, hourAgo)
    await keyStore.replaceDataKey(Buffer.alloc(32, 9))
    const backups = await keyStore.readBackups()
    expect(backups.map((backup) => backup.key)).toEqual([Buffer.alloc(32, 7), key])
    expect(backups.every((backup) => /data\.key\.backup-/.test(backup.file))).toBe(true)
  })
})

describe('a damaged database.json', () => {
  it('is named in the status (the next start would fail) and going back to SQLite removes it', async () => {
    const { join, dataDir } = await service()
    fs.writeFileSync(path.join(dataDir, 'database.json'), '{ "url": ')
    const status = join.status()
    expect(status.nextProblem).toMatch(/database\.json is not JSON/)
    expect(status.restartRequired).toBe(false)
    expect((await join.leave()).message).toMatch(/uses its SQLite file .*panel\.db from its next start/)
    expect(fs.existsSync(path.join(dataDir, 'database.json'))).toBe(false)
    expect(join.status().nextProblem).toBeNull()
  })
})
