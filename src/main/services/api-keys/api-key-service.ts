import type { DataSource } from 'typeorm'
import {
  API_KEY_SCOPES,
  apiKeyNameSchema,
  apiKeyScopesSchema,
  type ApiKeyScope,
  type ApiKeyView,
  type CreatedApiKey,
} from '../../../shared/contract/api-keys'
import { DomainException, ValidationException } from '../../../shared/errors'
import { ApiKeyEntity } from '../../db/entities'
import type { Logger } from '../../logging/logger'
import { generateApiKey, hashApiKey, isPlausibleApiKey, sameDigest, shownPrefix } from './key-material'

export interface ApiKeyStore {
  dataSource: DataSource
}

export interface ApiKeyServiceDeps {
  database: ApiKeyStore
  log: Logger
  /** Called with each new key, so the log redactor scrubs it wherever it might appear. */
  onSecret?: (value: string) => void
  /** Clock (tests). */
  now?: () => Date
  /** `last_used` is written at most this often per key (default one minute), not on every request. */
  lastUsedIntervalMs?: number
  /**
   * How long a verified key is trusted from memory before its row is read again (default 3 s): a key revoked on
   * another host of the database stops working here within this time.
   */
  revalidateMs?: number
}

/** A verified key: who is calling and what it may do. Never the key or its hash. */
export interface ApiKeyRecord {
  id: number
  name: string
  prefix: string | null
  scopes: ApiKeyScope[]
}

interface CachedKey {
  record: ApiKeyRecord
  hash: string
  /** When the row was last read (this clock). */
  checkedAt: number
}

const DEFAULT_LAST_USED_INTERVAL_MS = 60_000
const DEFAULT_REVALIDATE_MS = 3_000

/**
 * Keys of the local REST API (`api_keys`): created with 256 random bits and shown once, stored as a
 * SHA-256 hash only, listed without hashes, revoked by stamping `revoked_at`. Verification is a hash
 * lookup, cached in memory for a few seconds per active key, so it stays cheap at thousands of requests per
 * second while a revocation anywhere reaches every host within `revalidateMs`.
 */
export class ApiKeyService {
  private readonly byHash = new Map<string, CachedKey>()
  private readonly touchedAt = new Map<number, number>()
  /** Row reads under way, by hash: concurrent requests of one key share one read. */
  private readonly reading = new Map<string, Promise<CachedKey | null>>()
  private readonly lastUsedIntervalMs: number
  private readonly revalidateMs: number

  constructor(private readonly deps: ApiKeyServiceDeps) {
    this.lastUsedIntervalMs = deps.lastUsedIntervalMs ?? DEFAULT_LAST_USED_INTERVAL_MS
    this.revalidateMs = deps.revalidateMs ?? DEFAULT_REVALIDATE_MS
  }

  private get repo() {
    return this.deps.database.dataSource.getRepository(ApiKeyEntity)
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date()
  }

  async create(name: unknown, scopes: unknown = []): Promise<CreatedApiKey> {
    const parsedName = apiKeyNameSchema.safeParse(name)
    if (!parsedName.success) throw invalid('name', parsedName.error.issues[0]?.message)
    const parsedScopes = apiKeyScopesSchema.safeParse(scopes)
    if (!parsedScopes.success) throw invalid('scopes', parsedScopes.error.issues[0]?.message)

    const key = generateApiKey()
    this.deps.onSecret?.(key)
    const inserted = await this.repo.insert({ name: parsedName.data, keyHash: hashApiKey(key), prefix: shownPrefix(key), scopes: parsedScopes.data, lastUsed: null, revokedAt: null })
    const row = await this.repo.findOneByOrFail({ id: (inserted.identifiers[0] as { id: number }).id })
    this.deps.log.info('api_keys.created', { keyId: row.id, name: row.name, prefix: row.prefix, scopes: parsedScopes.data }, `API key "${row.name}" created`)
    return { ...toView(row), key }
  }

  async list(): Promise<ApiKeyView[]> {
    const rows = await this.repo.find({ order: { id: 'DESC' } })
    return rows.map(toView)
  }

  /** Revokes at once: the next request with this key gets 401. Revoking a revoked key changes nothing. */
  async revoke(id: number): Promise<ApiKeyView> {
    const row = await this.repo.findOneBy({ id })
    if (!row) throw new DomainException('NOT_FOUND', `No API key with id ${id}`, { details: { id } })
    this.forget(id)
    if (!row.revokedAt) {
      await this.repo.update({ id }, { revokedAt: this.now() })
      this.deps.log.info('api_keys.revoked', { keyId: id, name: row.name, prefix: row.prefix }, `API key "${row.name}" revoked`)
    }
    return toView(await this.repo.findOneByOrFail({ id }))
  }

  /** The key's record if it exists and is not revoked, else null. Keeps `last_used` (at most once a minute). */
  async verify(key: unknown): Promise<ApiKeyRecord | null> {
    if (typeof key !== 'string' || !isPlausibleApiKey(key)) return null
    const hash = hashApiKey(key)
    let cached = this.byHash.get(hash)
    if (!cached || this.now().getTime() - cached.checkedAt >= this.revalidateMs) cached = (await this.read(hash)) ?? undefined
    if (!cached) return null
    return (await this.touch(cached.record)) ? cached.record : null
  }

  /** Reads the key's row (again): cached while active, forgotten once revoked or deleted. */
  private read(hash: string): Promise<CachedKey | null> {
    let reading = this.reading.get(hash)
    if (!reading) {
      reading = (async () => {
        // Looking up by the hash reveals nothing usable through timing: an attacker controls the key, not its digest.
        const checkedAt = this.now().getTime()
        const row = await this.repo.findOneBy({ keyHash: hash })
        if (!row || row.revokedAt || !sameDigest(row.keyHash, hash)) {
          this.byHash.delete(hash)
          return null
        }
        const cached = { record: toRecord(row), hash, checkedAt }
        this.byHash.set(hash, cached)
        return cached
      })().finally(() => this.reading.delete(hash))
      this.reading.set(hash, reading)
    }
    return reading
  }

  /** Writes `last_used` when due; false when the key turned out to be revoked meanwhile (by another process). */
  private async touch(record: ApiKeyRecord): Promise<boolean> {
    const now = this.now()
    const last = this.touchedAt.get(record.id)
    if (last !== undefined && now.getTime() - last < this.lastUsedIntervalMs) return true
    // Claimed before the write, so concurrent requests of the same key do not all write.
    this.touchedAt.set(record.id, now.getTime())
    try {
      const result = await this.repo
        .createQueryBuilder()
        .update(ApiKeyEntity)
        .set({ lastUsed: now })
        .where('id = :id AND revoked_at IS NULL', { id: record.id })
        .execute()
      if (result.affected === 0) {
        this.forget(record.id)
        return false
      }
    } catch (error) {
      // Bookkeeping only: a busy database must not fail the request.
      this.deps.log.warn('api_keys.last_used_failed', { keyId: record.id, err: error })
    }
    return true
  }

  private forget(id: number): void {
    for (const [hash, cached] of this.byHash) if (cached.record.id === id) this.byHash.delete(hash)
    this.touchedAt.delete(id)
  }
}

function invalid(field: string, message = 'is not valid'): ValidationException {
  return new ValidationException(`API key not created: ${field} ${message}`, { field, fields: { [field]: message } })
}

function knownScopes(scopes: string[] | null): ApiKeyScope[] {
  // Keys migrated from the origin service have no scopes: the default (tokens hidden).
  return (scopes ?? []).filter((scope): scope is ApiKeyScope => (API_KEY_SCOPES as readonly string[]).includes(scope))
}

function toRecord(row: ApiKeyEntity): ApiKeyRecord {
  return { id: row.id, name: row.name, prefix: row.prefix, scopes: knownScopes(row.scopes) }
}

function iso(value: Date | string | null): string | null {
  return value === null ? null : new Date(value).toISOString()
}

function toView(row: ApiKeyEntity): ApiKeyView {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: knownScopes(row.scopes),
    createdAt: iso(row.createdAt) ?? '',
    lastUsed: iso(row.lastUsed),
    revokedAt: iso(row.revokedAt),
  }
}
