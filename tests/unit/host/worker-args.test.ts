import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { defaultWorkerHostId, parseWorkerArgs, readDatabaseUrlFile } from '../../../src/main/host/worker-args'
import { takeSecretEnvironment } from '../../../src/main/security/secret-environment'
import { tempDir } from '../../helpers/temp-dir'

describe('npm run worker arguments', () => {
  it('takes the data folder, a database URL without password, slots and host name', () => {
    const args = parseWorkerArgs(['--data-dir', 'w1', '--database-url', 'postgres://panel@db:5432/panel', '--slots', '5', '--host-id', 'rack-2'])
    expect(args).toEqual({ dataDir: path.resolve('w1'), databaseUrl: 'postgres://panel@db:5432/panel', databaseUrlFile: null, slots: 5, hostId: 'rack-2', logLevel: 'info', copyFromSqlite: null, metricsPort: null, metricsHost: '127.0.0.1' })
    expect(parseWorkerArgs(['--data-dir', 'w1', '--database-url-file', 'db.url']).databaseUrlFile).toBe(path.resolve('db.url'))
    expect(parseWorkerArgs(['--data-dir', 'w1', '--copy-from-sqlite', 'old']).copyFromSqlite).toBe(path.resolve('old'))
  })

  it('takes --metrics-port (0: a free one) and --metrics-host, refusing what is not a port or an address', () => {
    expect(parseWorkerArgs(['--data-dir', 'w', '--metrics-port', '9464'])).toMatchObject({ metricsPort: 9464, metricsHost: '127.0.0.1' })
    expect(parseWorkerArgs(['--data-dir', 'w', '--metrics-port', '0', '--metrics-host', '::1'])).toMatchObject({ metricsPort: 0, metricsHost: '::1' })
    expect(parseWorkerArgs(['--data-dir', 'w', '--metrics-port', '9464', '--metrics-host', '10.0.0.7']).metricsHost).toBe('10.0.0.7')
    for (const port of ['', '-1', '65536', '94.5', 'http']) {
      expect(() => parseWorkerArgs(['--data-dir', 'w', `--metrics-port=${port}`])).toThrow(`--metrics-port must be a port number from 0 to 65535, got "${port}"`)
    }
    expect(() => parseWorkerArgs(['--data-dir', 'w', '--metrics-host', '127.0.0.1'])).toThrow(/--metrics-host needs --metrics-port/)
    expect(() => parseWorkerArgs(['--data-dir', 'w', '--metrics-port', '1', '--metrics-host', 'a b'])).toThrow(/--metrics-host must be an IP address or host name, got "a b"/)
  })

  it('refuses a password on the command line, naming the safer ways, without echoing it', () => {
    for (const url of ['postgres://panel:hunter2@db:5432/panel', 'postgresql://panel@db/panel?password=hunter2&sslmode=require', 'postgres://:hunter2@db/panel']) {
      let message = ''
      try {
        parseWorkerArgs(['--data-dir', 'w', '--database-url', url])
      } catch (error) {
        message = (error as Error).message
      }
      expect(message).toMatch(/--database-url holds a password/)
      expect(message).toMatch(/--database-url-file FILE/)
      expect(message).toMatch(/DATABASE_URL/)
      expect(message).toMatch(/~\/\.pgpass/)
      expect(message).not.toContain('hunter2')
    }
    expect(() => parseWorkerArgs(['--data-dir', 'w', '--database-url', 'postgres://a@db/p', '--database-url-file', 'f'])).toThrow(/not both/)
  })

  it('reads the URL from --database-url-file, says when other users can read the file, and never echoes its content', () => {
    const dir = tempDir('url-file-')
    const file = path.join(dir, 'db.url')
    fs.writeFileSync(file, 'postgres://panel:hunter2@db:5432/panel\n', { mode: 0o600 })
    expect(readDatabaseUrlFile(file)).toEqual({ url: 'postgres://panel:hunter2@db:5432/panel', warning: null })
    if (process.platform !== 'win32') {
      fs.chmodSync(file, 0o644)
      expect(readDatabaseUrlFile(file).warning).toMatch(/can be read by other users \(mode 644\); chmod 600 it/)
    }
    fs.writeFileSync(file, 'mysql://root:hunter2@db/panel')
    expect(() => readDatabaseUrlFile(file)).toThrow(/must hold one postgres:\/\/ or postgresql:\/\/ URL/)
    try {
      readDatabaseUrlFile(file)
    } catch (error) {
      expect((error as Error).message).not.toContain('hunter2')
    }
    expect(() => readDatabaseUrlFile(path.join(dir, 'missing'))).toThrow(/cannot be read \(no such file\)/)
  })

  it('takes the secret variables out of the environment children inherit, keeping a copy to read', () => {
    const env: NodeJS.ProcessEnv = { DATABASE_URL: 'postgres://a:b@db/p', DATA_KEY_PASSPHRASE: 'pass', DATA_KEY_FILE: '/k.json', PATH: '/bin' }
    const copy = takeSecretEnvironment(env)
    expect(env).toEqual({ DATA_KEY_FILE: '/k.json', PATH: '/bin' })
    expect(copy).toEqual({ DATABASE_URL: 'postgres://a:b@db/p', DATA_KEY_PASSPHRASE: 'pass', DATA_KEY_FILE: '/k.json', PATH: '/bin' })
  })

  it('leaves the database to DATABASE_URL or database.json and the slots to the shared setting when not given', () => {
    const args = parseWorkerArgs(['--data-dir', '/srv/worker'])
    expect(args.databaseUrl).toBeNull()
    expect(args.slots).toBeNull()
    expect(args.hostId).toBe(defaultWorkerHostId('/srv/worker'))
  })

  it('names a restarted worker as before, and two folders of one machine apart', () => {
    expect(defaultWorkerHostId('/srv/w1', 'box')).toBe(defaultWorkerHostId('/srv/w1/', 'box'))
    expect(defaultWorkerHostId('/srv/w1', 'box')).not.toBe(defaultWorkerHostId('/srv/w2', 'box'))
    expect(defaultWorkerHostId('/srv/w1', 'box')).toMatch(/^box:[0-9a-f]{8}$/)
  })

  it('refuses what it cannot use, naming the option, and never echoes a database URL', () => {
    expect(() => parseWorkerArgs([])).toThrow(/--data-dir is required/)
    expect(() => parseWorkerArgs(['--data-dir', 'w', '--slots', '0'])).toThrow(/--slots must be a whole number from 1 to 50, got "0"/)
    expect(() => parseWorkerArgs(['--data-dir', 'w', '--slots', '2.5'])).toThrow(/--slots/)
    expect(() => parseWorkerArgs(['--data-dir', 'w', '--host-id', 'a b'])).toThrow(/--host-id must be/)
    expect(() => parseWorkerArgs(['--data-dir', 'w', '--log-level', 'loud'])).toThrow(/--log-level must be one of debug, info, warn, error/)
    expect(() => parseWorkerArgs(['--data-dir', 'w', '--sandbox'])).toThrow(/Usage: npm run worker/)
    let message = ''
    try {
      parseWorkerArgs(['--data-dir', 'w', '--database-url', 'mysql://root@db/panel?x=hunter2'])
    } catch (error) {
      message = (error as Error).message
    }
    expect(message).toMatch(/--database-url must be a postgres:\/\/ or postgresql:\/\/ URL/)
    expect(message).not.toContain('hunter2')
  })
})
