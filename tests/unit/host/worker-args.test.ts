import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { defaultWorkerHostId, parseWorkerArgs } from '../../../src/main/host/worker-args'

describe('npm run worker arguments', () => {
  it('takes the data folder, database URL, slots and host name', () => {
    const args = parseWorkerArgs(['--data-dir', 'w1', '--database-url', 'postgres://panel:pw@db:5432/panel', '--slots', '5', '--host-id', 'rack-2'])
    expect(args).toEqual({ dataDir: path.resolve('w1'), databaseUrl: 'postgres://panel:pw@db:5432/panel', slots: 5, hostId: 'rack-2', logLevel: 'info', copyFromSqlite: null })
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
      parseWorkerArgs(['--data-dir', 'w', '--database-url', 'mysql://root:hunter2@db/panel'])
    } catch (error) {
      message = (error as Error).message
    }
    expect(message).toMatch(/--database-url must be a postgres:\/\/ or postgresql:\/\/ URL/)
    expect(message).not.toContain('hunter2')
  })
})
