import { createCipheriv, createDecipheriv, createHash, createHmac, createSecretKey, hkdfSync, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto'
import { Worker } from 'node:worker_threads'
import { InfrastructureException } from '../../shared/errors'

/**
 * Encrypts secrets at rest (OAuth tokens, client secrets, the GoLogin token, PKCE verifiers), and
 * authenticates the plain rows that steer them (`mac`).
 *
 * Format `vN:<base64(iv ‖ tag ‖ ciphertext)>`: AES-256-GCM, a random 96-bit IV per value, and where the
 * value lives as additional authenticated data. `v1` binds the column (`table.column`); `v2` binds the
 * row as well (`table.column` NUL row key, see `rowContext`), so a value copied into another row or
 * column does not open. A context with a row seals `v2`; `v1` values still open (written before rows
 * were bound; the upgrade re-seals them).
 */
export class SecretBox {
  static readonly FORMAT = 'v2'
  /** Short fingerprint of the key, safe to log (tells two keys apart, reveals nothing about them). */
  readonly keyId: string
  readonly #key: Buffer
  /** The same key as a KeyObject, for opening (`createDecipheriv` then skips importing raw key bytes every value). */
  readonly #openKey: KeyObject
  /** HMAC key for rows (HKDF from the data key): a MAC never reveals or reuses the encryption key. */
  readonly #macKey: Buffer

  constructor(key: Buffer) {
    if (key.length !== KEY_BYTES) throw new Error(`The data key must be ${KEY_BYTES} bytes, got ${key.length}`)
    this.#key = Buffer.from(key)
    this.#openKey = createSecretKey(this.#key)
    this.keyId = createHash('sha256').update('gologin-panel/key-id/').update(this.#key).digest('hex').slice(0, 12)
    this.#macKey = Buffer.from(hkdfSync('sha256', this.#key, Buffer.alloc(0), 'gologin-panel/row-mac/v1', KEY_BYTES))
  }

  static isSealed(value: unknown): value is string {
    return typeof value === 'string' && /^v[12]:/.test(value)
  }

  /** Seals `plaintext` bound to `context`: `table.column` (v1, legacy and the key check) or a `rowContext` (v2). */
  seal(plaintext: string, context = ''): string {
    const iv = randomBytes(IV_BYTES)
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv)
    cipher.setAAD(Buffer.from(context, 'utf8'))
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
    const prefix = context.includes(ROW_SEPARATOR) ? 'v2:' : 'v1:'
    return prefix + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')
  }

  /**
   * Opens a sealed value; throws `SecretOpenError` (never returns garbage) if it is not ours, was altered,
   * or belongs to another row. A `v1` value opens with the `table.column` part of the context.
   */
  open(sealed: string, context = ''): string {
    const opened = openSealed(createDecipheriv, this.#openKey, sealed, context)
    if (typeof opened !== 'string') throw new SecretOpenError(opened.failure)
    return opened
  }

  /** HMAC-SHA256 of `parts` (a canonical JSON array), `m1:<base64>`: proves a row was written by a holder of the data key. */
  mac(parts: readonly unknown[]): string {
    return MAC_PREFIX + createHmac('sha256', this.#macKey).update(JSON.stringify(parts), 'utf8').digest('base64')
  }

  verifyMac(parts: readonly unknown[], mac: unknown): boolean {
    if (typeof mac !== 'string' || !mac.startsWith(MAC_PREFIX)) return false
    const expected = Buffer.from(this.mac(parts), 'utf8')
    const given = Buffer.from(mac, 'utf8')
    return expected.length === given.length && timingSafeEqual(expected, given)
  }

  /**
   * Opens many values on worker threads (an export of 40,000 tokens is 80,000 AES-GCM opens, about
   * 0.4 s of CPU): the main thread stays free and the work runs beside whatever it does meanwhile.
   * Close the opener when done.
   */
  bulkOpener(threads: number): BulkOpener {
    return new BulkOpener(this, this.#key, threads)
  }
}

type Opened = Array<string | null | OpenFailure>

interface BulkRequest {
  values: readonly (string | null)[]
  contexts: readonly string[]
  resolve(out: Opened): void
}

interface WorkerSlot {
  worker: Worker
  /** The thread runs (its 'online' came): until one does, values are opened on the calling thread. */
  online: boolean
  /** Settles once the thread has started, or failed to. */
  started: Promise<void>
  /** Requests sent to this thread and not answered yet, by id. */
  requests: Map<number, BulkRequest>
}

/** A value `BulkOpener.open` could not open (the others in the request are still answered). */
export interface OpenFailure {
  failure: SecretOpenFailure
}

/**
 * Opens batches of sealed values on a few worker threads, each request going to the least busy one that has
 * started; until one has, requests are opened on the calling thread (so a short job does not wait for a thread
 * to boot). If a thread cannot start or dies, its requests (and later ones) are opened on the calling thread, so
 * a result never depends on the threads working.
 */
export class BulkOpener {
  readonly #workers: WorkerSlot[] = []
  #nextId = 0
  #closed = false

  constructor(
    private readonly box: SecretBox,
    key: Buffer,
    threads: number,
  ) {
    for (let i = 0; i < threads; i++) {
      try {
        const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { key: new Uint8Array(key) } })
        const started = new Promise<void>((resolve) => {
          worker.once('online', resolve)
          worker.once('error', () => resolve())
          worker.once('exit', () => resolve())
        })
        const slot: WorkerSlot = { worker, online: false, started, requests: new Map() }
        worker.once('online', () => (slot.online = true))
        worker.on('message', ({ id, out }: { id: number; out: Opened }) => {
          const request = slot.requests.get(id)
          slot.requests.delete(id)
          request?.resolve(out)
        })
        // A thread that fails is dropped; whatever it held is opened here instead.
        const drop = () => this.#drop(slot)
        worker.once('error', drop)
        worker.once('exit', drop)
        this.#workers.push(slot)
      } catch {
        break
      }
    }
  }

  /** Opens `values` (null stays null) bound to `contexts[i]`; failures come back as `{ failure }`, in place. */
  open(values: readonly (string | null)[], contexts: readonly string[]): Promise<Opened> {
    if (this.#closed) return Promise.reject(new Error('The bulk opener is closed'))
    // A thread takes a fraction of a second to start (longer on a busy machine): the first values are opened here meanwhile.
    const slot = this.#workers.reduce<WorkerSlot | undefined>((best, w) => (w.online && (!best || w.requests.size < best.requests.size) ? w : best), undefined)
    if (!slot) return Promise.resolve(this.#openHere(values, contexts))
    return new Promise((resolve) => {
      const id = this.#nextId++
      slot.requests.set(id, { values, contexts, resolve })
      slot.worker.postMessage({ id, values, contexts })
    })
  }

  /** Resolves once every thread has started (or failed to start): from then on requests go to the threads. */
  async started(): Promise<void> {
    await Promise.all(this.#workers.map((slot) => slot.started))
  }

  async close(): Promise<void> {
    this.#closed = true
    const workers = this.#workers.splice(0)
    await Promise.all(workers.map(({ worker }) => worker.terminate()))
    for (const slot of workers) this.#answerHere(slot)
  }

  #drop(slot: WorkerSlot): void {
    const index = this.#workers.indexOf(slot)
    if (index < 0) return
    this.#workers.splice(index, 1)
    this.#answerHere(slot)
  }

  /** Answers on this thread whatever `slot` was still holding. */
  #answerHere(slot: WorkerSlot): void {
    for (const request of slot.requests.values()) request.resolve(this.#openHere(request.values, request.contexts))
    slot.requests.clear()
  }

  #openHere(values: readonly (string | null)[], contexts: readonly string[]): Opened {
    return values.map((value, i) => {
      if (value === null) return null
      try {
        return this.box.open(value, contexts[i])
      } catch (error) {
        if (error instanceof SecretOpenError) return { failure: error.reason }
        throw error
      }
    })
  }
}

/**
 * The open, self-contained (no imports, no module constants): `SecretBox.open` calls it and the bulk
 * worker threads run its source text, so both open values the same way. `v1` binds the part of
 * `context` before its NUL (the column), `v2` all of it (column and row); a v2 value without a row fails.
 */
function openSealed(decipher: typeof createDecipheriv, key: Buffer | KeyObject, sealed: unknown, context: string): string | OpenFailure {
  const version = typeof sealed === 'string' ? sealed.slice(0, 3) : ''
  if (typeof sealed !== 'string' || (version !== 'v1:' && version !== 'v2:')) {
    return { failure: typeof sealed === 'string' && /^v\d+:/.test(sealed) ? 'unknown_format' : 'not_encrypted' }
  }
  const row = context.indexOf('\u0000')
  if (version === 'v2:' && row < 0) return { failure: 'wrong_key_or_tampered' }
  const aad = Buffer.from(version === 'v1:' && row >= 0 ? context.slice(0, row) : context, 'utf8')
  // iv (12 bytes) ‖ tag (16 bytes) ‖ ciphertext
  const raw = Buffer.from(sealed.slice(3), 'base64')
  if (raw.length < 28) return { failure: 'damaged' }
  try {
    const d = decipher('aes-256-gcm', key, raw.subarray(0, 12), { authTagLength: 16 })
    d.setAAD(aad)
    d.setAuthTag(raw.subarray(12, 28))
    // Bytes first, text once the tag has verified (an output encoding would run a StringDecoder per value).
    const plain = d.update(raw.subarray(28))
    d.final()
    return plain.toString('utf8')
  } catch {
    // GCM cannot tell a wrong key from a tampered value: both fail authentication.
    return { failure: 'wrong_key_or_tampered' }
  }
}

/** A worker thread answering `{ id, values, contexts }` with `{ id, out }`, opening with `openSealed`. */
const WORKER_SOURCE = `'use strict'
const { parentPort, workerData } = require('node:worker_threads')
const { createDecipheriv, createSecretKey } = require('node:crypto')
const key = createSecretKey(Buffer.from(workerData.key))
const openSealed = ${openSealed.toString()}
parentPort.on('message', ({ id, values, contexts }) => {
  const out = new Array(values.length)
  for (let i = 0; i < values.length; i++) {
    if (values[i] === null) { out[i] = null; continue }
    out[i] = openSealed(createDecipheriv, key, values[i], contexts[i])
  }
  parentPort.postMessage({ id, out })
})
`

const KEY_BYTES = 32
const IV_BYTES = 12
const MAC_PREFIX = 'm1:'
const ROW_SEPARATOR = '\u0000'

/** The context that binds a value to its row: `table.column`, NUL, the row's stable key (session id, app name, setting key). */
export function rowContext(table: string, column: string, rowKey: string): string {
  return `${table}.${column}${ROW_SEPARATOR}${rowKey}`
}

export type SecretOpenFailure = 'not_encrypted' | 'unknown_format' | 'damaged' | 'wrong_key_or_tampered'

/** Low-level failure of `SecretBox.open`; callers turn it into a `DataDecryptionException` naming the row. */
export class SecretOpenError extends Error {
  constructor(readonly reason: SecretOpenFailure) {
    super(`Secret could not be decrypted (${reason.replaceAll('_', ' ')})`)
    this.name = 'SecretOpenError'
  }
}

/** Where a stored secret lives, for the operator and the log (never the value). */
export interface SecretLocation {
  table: string
  /** Primary key of the row (`id`, or `key` for settings); null when the query did not select it. */
  id: string | number | null
  column: string
}

/** A stored secret could not be decrypted: wrong data key or a damaged value. Nothing is changed or deleted. */
export class DataDecryptionException extends InfrastructureException {
  constructor(where: SecretLocation, reason: SecretOpenFailure | 'key_mismatch' | 'row_not_read', cause?: unknown) {
    const row = `${where.table} row ${where.id ?? '(id not selected)'}, column ${where.column}`
    super(
      'DATA_DECRYPTION_FAILED',
      `A stored secret could not be decrypted (${row}): ${describeFailure(reason)}. Nothing was changed.`,
      { cause, details: { ...where, reason } },
    )
  }
}

function describeFailure(reason: SecretOpenFailure | 'key_mismatch' | 'row_not_read'): string {
  switch (reason) {
    case 'row_not_read':
      return 'it is bound to its row, whose key the query did not read'
    case 'key_mismatch':
    case 'wrong_key_or_tampered':
      return 'the data key does not match the one it was written with, or the value was altered or copied from another row'
    case 'unknown_format':
      return 'it was written by a newer version of the panel'
    case 'not_encrypted':
      return 'the stored value is not in the encrypted format'
    case 'damaged':
      return 'the stored value is truncated or damaged'
  }
}
