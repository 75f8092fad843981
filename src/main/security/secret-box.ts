import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'
import { InfrastructureException } from '../../shared/errors'

/**
 * Encrypts secrets at rest (OAuth tokens, client secrets, the GoLogin token, PKCE verifiers).
 *
 * Format `v1:<base64(iv ‖ tag ‖ ciphertext)>`: AES-256-GCM, a random 96-bit IV per value, and the
 * column's name as additional authenticated data, so a value moved to another column does not open.
 * The version prefix lets a later format or key rotation coexist with values already written.
 */
export class SecretBox {
  static readonly FORMAT = 'v1'
  /** Short fingerprint of the key, safe to log (tells two keys apart, reveals nothing about them). */
  readonly keyId: string
  readonly #key: Buffer

  constructor(key: Buffer) {
    if (key.length !== KEY_BYTES) throw new Error(`The data key must be ${KEY_BYTES} bytes, got ${key.length}`)
    this.#key = Buffer.from(key)
    this.keyId = createHash('sha256').update('gologin-panel/key-id/').update(this.#key).digest('hex').slice(0, 12)
  }

  static isSealed(value: unknown): value is string {
    return typeof value === 'string' && value.startsWith(PREFIX)
  }

  seal(plaintext: string, context = ''): string {
    const iv = randomBytes(IV_BYTES)
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv)
    cipher.setAAD(Buffer.from(context, 'utf8'))
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
    return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')
  }

  /** Opens a sealed value; throws `SecretOpenError` (never returns garbage) if it is not ours or was altered. */
  open(sealed: string, context = ''): string {
    if (typeof sealed !== 'string' || !sealed.startsWith(PREFIX)) {
      const version = typeof sealed === 'string' ? /^(v\d+):/.exec(sealed)?.[1] : undefined
      throw new SecretOpenError(version ? 'unknown_format' : 'not_encrypted')
    }
    const raw = Buffer.from(sealed.slice(PREFIX.length), 'base64')
    if (raw.length < IV_BYTES + TAG_BYTES) throw new SecretOpenError('damaged')
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, raw.subarray(0, IV_BYTES))
      decipher.setAAD(Buffer.from(context, 'utf8'))
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES))
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8')
    } catch {
      // GCM cannot tell a wrong key from a tampered value: both fail authentication.
      throw new SecretOpenError('wrong_key_or_tampered')
    }
  }
}

const KEY_BYTES = 32
const IV_BYTES = 12
const TAG_BYTES = 16
const PREFIX = `${SecretBox.FORMAT}:`

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
  constructor(where: SecretLocation, reason: SecretOpenFailure | 'key_mismatch', cause?: unknown) {
    const row = `${where.table} row ${where.id ?? '(id not selected)'}, column ${where.column}`
    super(
      'DATA_DECRYPTION_FAILED',
      `A stored secret could not be decrypted (${row}): ${describeFailure(reason)}. Nothing was changed.`,
      { cause, details: { ...where, reason } },
    )
  }
}

function describeFailure(reason: SecretOpenFailure | 'key_mismatch'): string {
  switch (reason) {
    case 'key_mismatch':
    case 'wrong_key_or_tampered':
      return 'the data key does not match the one it was written with, or the value was altered'
    case 'unknown_format':
      return 'it was written by a newer version of the panel'
    case 'not_encrypted':
      return 'the stored value is not in the encrypted format'
    case 'damaged':
      return 'the stored value is truncated or damaged'
  }
}
