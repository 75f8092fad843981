import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

/** Every key starts with this, so a leaked one is recognisable (e.g. by secret scanners). */
export const API_KEY_PREFIX = 'glp_'
const KEY_BYTES = 32
/** Printable ASCII of a sane length: keys migrated from the origin service may have another shape. */
const PLAUSIBLE_KEY = /^[\x21-\x7e]{16,256}$/
/** How much of the key the Settings page shows (fits `api_keys.prefix`, 16 characters). */
const SHOWN_PREFIX_LENGTH = 12

/** A new key: 256 random bits, URL- and header-safe. */
export function generateApiKey(): string {
  return `${API_KEY_PREFIX}${randomBytes(KEY_BYTES).toString('base64url')}`
}

/**
 * SHA-256 of the key, hex. A fast hash is enough here: the key is 256 random bits, so nobody can
 * brute-force it from its hash; slow hashes (bcrypt, scrypt) protect low-entropy passwords and would
 * cost every request tens of milliseconds.
 */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex')
}

export function shownPrefix(key: string): string {
  return key.slice(0, SHOWN_PREFIX_LENGTH)
}

/** Cheap check before any hashing or lookup. */
export function isPlausibleApiKey(value: string): boolean {
  return PLAUSIBLE_KEY.test(value)
}

/** Constant-time comparison of two hex digests of equal length. */
export function sameDigest(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex')
  const right = Buffer.from(b, 'hex')
  return left.length === right.length && left.length > 0 && timingSafeEqual(left, right)
}
