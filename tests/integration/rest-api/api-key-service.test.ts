import { afterEach, describe, expect, it } from 'vitest'
import { apiKeysContract } from '../../../src/shared/contract/api-keys'
import { AppException } from '../../../src/shared/errors'
import { openDatabase, type Database } from '../../../src/main/db'
import { apiKeysHandlers } from '../../../src/main/handlers/api-keys'
import { LogSystem } from '../../../src/main/logging/logger'
import { FileKeyStore } from '../../../src/main/security/file-key-store'
import { ApiKeyService } from '../../../src/main/services/api-keys/api-key-service'
import { hashApiKey } from '../../../src/main/services/api-keys/key-material'
import { tempDir } from '../../helpers/temp-dir'
import { storedBytes } from '../../helpers/test-database'

let db: Database | null = null
afterEach(async () => {
  await db?.close()
  db = null
})

async function setup(options: { now?: () => Date } = {}) {
  const dir = tempDir('api-keys-')
  const logs = new LogSystem({ dir: null })
  db = await openDatabase({ dataDir: dir, keyStore: new FileKeyStore({ dir }), log: logs.logger('test') })
  const secrets: string[] = []
  const service = new ApiKeyService({ database: db, log: logs.logger('api_keys'), onSecret: (s) => secrets.push(s), now: options.now })
  return { service, db, logs, secrets }
}

async function rawRows(database: Database) {
  return (await database.dataSource.query('SELECT * FROM api_keys ORDER BY id')) as Array<Record<string, unknown>>
}

describe('ApiKeyService', () => {
  it('creates a high-entropy key shown once and stores only its SHA-256', async () => {
    const { service, db: database, secrets } = await setup()
    const created = await service.create('  CI exporter  ', ['tokens:read'])
    expect(created.key).toMatch(/^glp_[A-Za-z0-9_-]{43}$/)
    expect(created).toMatchObject({ name: 'CI exporter', prefix: created.key.slice(0, 12), scopes: ['tokens:read'], lastUsed: null, revokedAt: null })
    expect(secrets).toEqual([created.key])

    const [row] = await rawRows(database)
    expect(row.key_hash).toBe(hashApiKey(created.key))
    expect((await storedBytes(database)).toString('latin1')).not.toContain(created.key)
    await database.close()
    db = null

    const other = await setup()
    const a = await other.service.create('a')
    const b = await other.service.create('b')
    expect(a.key).not.toBe(b.key)
  })

  it('lists keys newest first without the key or its hash', async () => {
    const { service } = await setup()
    await service.create('first')
    const second = await service.create('second')
    const list = await service.list()
    expect(list.map((k) => k.name)).toEqual(['second', 'first'])
    expect(JSON.stringify(list)).not.toContain(second.key)
    expect(JSON.stringify(list)).not.toContain(hashApiKey(second.key))
    expect(Object.keys(list[0]).sort()).toEqual(['createdAt', 'id', 'lastUsed', 'name', 'prefix', 'revokedAt', 'scopes'])
  })

  it('verifies active keys and refuses unknown, malformed and revoked ones', async () => {
    const { service } = await setup()
    const { id, key } = await service.create('k', [])
    expect(await service.verify(key)).toEqual({ id, name: 'k', prefix: key.slice(0, 12), scopes: [] })
    for (const bad of [undefined, '', 'x', `${key}x`, key.slice(0, -1), key.toUpperCase(), 42, `${key}\n`]) {
      expect(await service.verify(bad)).toBeNull()
    }
    const revoked = await service.revoke(id)
    expect(revoked.revokedAt).not.toBeNull()
    expect(await service.verify(key)).toBeNull()
    // Revoking again changes nothing; an unknown id is NOT_FOUND.
    expect((await service.revoke(id)).revokedAt).toBe(revoked.revokedAt)
    await expect(service.revoke(9_999)).rejects.toMatchObject({ code: 'NOT_FOUND' })
  })

  it('notices a key revoked by another process at its next last_used write', async () => {
    const { service, db: database } = await setup()
    const { key, id } = await service.create('k')
    expect(await service.verify(key)).not.toBeNull()
    await database.dataSource.query(`UPDATE api_keys SET revoked_at = '2026-01-01 00:00:00.000' WHERE id = ?`, [id])
    const other = new ApiKeyService({ database, log: new LogSystem({ dir: null }).logger('x'), lastUsedIntervalMs: 0 })
    expect(await other.verify(key)).toBeNull()
  })

  it('a key revoked through another host\'s service on the same database stops working here within 5 s', async () => {
    const { service: here, db: database } = await setup()
    const { key, id } = await here.create('shared')
    expect(await here.verify(key)).not.toBeNull()
    // Another host: its own service (its own cache) on the same database.
    const elsewhere = new ApiKeyService({ database, log: new LogSystem({ dir: null }).logger('elsewhere') })
    const revokedAt = Date.now()
    await elsewhere.revoke(id)
    await expect.poll(() => here.verify(key), { timeout: 5_000, interval: 50 }).toBeNull()
    expect(Date.now() - revokedAt).toBeLessThan(5_000)
  })

  it('writes last_used at most once a minute per key', async () => {
    let now = new Date('2026-03-01T10:00:00.000Z')
    const { service } = await setup({ now: () => now })
    const { key } = await service.create('k')
    await service.verify(key)
    expect((await service.list())[0].lastUsed).toBe('2026-03-01T10:00:00.000Z')
    now = new Date('2026-03-01T10:00:59.000Z')
    await service.verify(key)
    expect((await service.list())[0].lastUsed).toBe('2026-03-01T10:00:00.000Z')
    now = new Date('2026-03-01T10:01:00.000Z')
    await service.verify(key)
    expect((await service.list())[0].lastUsed).toBe('2026-03-01T10:01:00.000Z')
  })

  it('rejects a bad name or scope with a VALIDATION_ERROR naming the field', async () => {
    const { service } = await setup()
    for (const [name, scopes, field] of [
      ['', [], 'name'],
      ['x'.repeat(101), [], 'name'],
      ['tab\there', [], 'name'],
      ['ok', ['admin'], 'scopes'],
      ['ok', 'tokens:read', 'scopes'],
    ] as const) {
      const error = await service.create(name, scopes).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(AppException)
      expect((error as AppException).code).toBe('VALIDATION_ERROR')
      expect((error as AppException).details?.field).toBe(field)
    }
    expect(await service.list()).toEqual([])
  })

  it('is reachable through the apiKeys:* handlers with the contract’s input schemas', async () => {
    const { service } = await setup()
    const handlers = apiKeysHandlers(service)
    const meta = { transport: 'test' as const }
    const input = apiKeysContract['apiKeys:create'].input.parse({ name: 'From settings', scopes: ['tokens:read', 'tokens:read'] })
    const created = await handlers['apiKeys:create'](input, meta)
    expect(created.scopes).toEqual(['tokens:read'])
    expect((await handlers['apiKeys:list'](undefined, meta)).map((k) => k.id)).toEqual([created.id])
    expect((await handlers['apiKeys:revoke']({ id: created.id }, meta)).revokedAt).not.toBeNull()
    expect(apiKeysContract['apiKeys:create'].input.safeParse({ name: 'x', scopes: ['root'] }).success).toBe(false)
    expect(apiKeysContract['apiKeys:revoke'].input.safeParse({ id: -1 }).success).toBe(false)
    expect(apiKeysContract['apiKeys:list'].input.safeParse(undefined).success).toBe(true)
  })
})
