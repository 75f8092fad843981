import { describe, expect, it } from 'vitest'
import { codeChallengeS256, createCodeVerifier, createState, MAX_STATE_LENGTH } from '../../../src/main/services/oauth/pkce'

describe('PKCE', () => {
  it('derives the RFC 7636 appendix B challenge from its verifier', () => {
    expect(codeChallengeS256('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM')
  })

  it.each([43, 64, 128])('makes %i-character verifiers from the unreserved alphabet', (length) => {
    const verifier = createCodeVerifier(length)
    expect(verifier).toHaveLength(length)
    expect(verifier).toMatch(/^[A-Za-z0-9_-]+$/)
  })

  it('never repeats a verifier or a state', () => {
    const verifiers = new Set(Array.from({ length: 200 }, () => createCodeVerifier()))
    const states = new Set(Array.from({ length: 200 }, () => createState()))
    expect(verifiers.size).toBe(200)
    expect(states.size).toBe(200)
  })

  it('refuses verifier lengths outside 43–128', () => {
    expect(() => createCodeVerifier(42)).toThrow(/43–128/)
    expect(() => createCodeVerifier(129)).toThrow(/43–128/)
  })

  it('makes states X accepts', () => {
    const state = createState()
    expect(state.length).toBeGreaterThanOrEqual(32)
    expect(state.length).toBeLessThanOrEqual(MAX_STATE_LENGTH)
    expect(state).toMatch(/^[A-Za-z0-9_-]+$/)
  })
})
