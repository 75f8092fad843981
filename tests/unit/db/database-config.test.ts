import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { resolveDatabaseChoice, writeDatabaseConfig } from '../../../src/main/db/database-config'
import { tempDir } from '../../helpers/temp-dir'

const URL_A = 'postgres://panel:pw@db-a:5432/panel'
const URL_B = 'postgresql://panel@db-b/panel'

describe('which database the panel opens', () => {
  it('is SQLite in the data folder unless DATABASE_URL or database.json names PostgreSQL; the environment wins', () => {
    const dir = tempDir()
    expect(resolveDatabaseChoice(dir, {})).toEqual({ url: null, source: 'default' })
    expect(resolveDatabaseChoice(dir, { DATABASE_URL: '  ' })).toEqual({ url: null, source: 'default' })
    writeDatabaseConfig(dir, URL_B)
    expect(resolveDatabaseChoice(dir, {})).toEqual({ url: URL_B, source: 'database.json' })
    expect(resolveDatabaseChoice(dir, { DATABASE_URL: URL_A })).toEqual({ url: URL_A, source: 'DATABASE_URL' })
    writeDatabaseConfig(dir, null)
    expect(fs.existsSync(path.join(dir, 'database.json'))).toBe(false)
    expect(resolveDatabaseChoice(dir, {})).toEqual({ url: null, source: 'default' })
  })

  it('refuses what is not a PostgreSQL URL, saying where it came from, without echoing a password', () => {
    const dir = tempDir()
    expect(() => resolveDatabaseChoice(dir, { DATABASE_URL: 'mysql://root:topsecret@db/panel' })).toThrow(/DATABASE_URL must be a PostgreSQL URL .*not mysql:/)
    expect(() => resolveDatabaseChoice(dir, { DATABASE_URL: 'mysql://root:topsecret@db/panel' })).not.toThrow(/topsecret/)
    expect(() => resolveDatabaseChoice(dir, { DATABASE_URL: 'postgres://root:topsecret@db' })).toThrow(/no database name.*postgres:\/\/root@db/)
    fs.writeFileSync(path.join(dir, 'database.json'), '{ "url": ')
    expect(() => resolveDatabaseChoice(dir, {})).toThrow(/database\.json is not JSON/)
    fs.writeFileSync(path.join(dir, 'database.json'), '{ "url": "sqlite:///panel.db" }')
    expect(() => resolveDatabaseChoice(dir, {})).toThrow(/database\.json must be a PostgreSQL URL/)
    expect(() => writeDatabaseConfig(dir, 'http://example.com/x')).toThrow(/must be a PostgreSQL URL/)
  })
})
