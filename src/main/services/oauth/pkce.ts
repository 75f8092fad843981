import { createHash, randomBytes } from 'node:crypto'

/** RFC 7636 §4.1: a verifier is 43–128 characters of the unreserved set. */
export const MIN_VERIFIER_LENGTH = 43
export const MAX_VERIFIER_LENGTH = 128
/** X rejects a `state` longer than this. */
export const MAX_STATE_LENGTH = 500

/** A PKCE verifier of `length` characters, drawn from cryptographic random bytes (base64url). */
export function createCodeVerifier(length = 64): string {
  if (!Number.isInteger(length) || length < MIN_VERIFIER_LENGTH || length > MAX_VERIFIER_LENGTH) {
    throw new RangeError(`A PKCE verifier must be ${MIN_VERIFIER_LENGTH}–${MAX_VERIFIER_LENGTH} characters long, not ${length}`)
  }
  // 3 random bytes give 4 base64url characters; draw enough, then cut to the exact length.
  return randomBytes(Math.ceil((length * 3) / 4)).toString('base64url').slice(0, length)
}

/** The S256 challenge: base64url(SHA-256(ASCII(verifier))) without padding. */
export function codeChallengeS256(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url')
}

/** A fresh, unguessable OAuth `state` (43 characters, well under X's 500). */
export function createState(): string {
  return randomBytes(32).toString('base64url')
}
