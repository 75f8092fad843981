/**
 * The write-ahead journal of issued token sets: what is on disk (sealed, never the plaintext), a damaged
 * file, and the start-up revoke that crosses out only what X revoked.
 */
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { ApiAppConfig } from '../../../src/shared/api-app'
import { TwitterAPIException } from '../../../src/shared/errors'
import { LogSystem } from '../../../src/main/logging/logger'
import { IssuedTokensJournal, revokeLeftoverIssued, type IssuedRevoker } from '../../../src/main/services/lifecycle/issued-tokens-journal'
import { SecretBox } from '../../../src/main/security/secret-box'
import { tempDir } from '../../helpers/temp-dir'

const ACCESS = 'access-token-PLAINTEXT-7f3c9a'
const REFRESH = 'refresh-token-PLAINTEXT-51b2e0'

function setup() {
  const dataDir = tempDir('issued-journal-')
  const logs = new LogSystem({ dir: null })
  const box = new SecretBox(randomBytes(32))
  const journal = new IssuedTokensJournal({ dataDir, box: () => box, log: logs.logger('lifecycle') })
  const logged = () => JSON.stringify(logs.ring.since(0))
  return { dataDir, logs, box, journal, logged }
}

function revoker(revoke: IssuedRevoker['oauth']['revoke']): IssuedRevoker & { calls: string[] } {
  const calls: string[] = []
  return {
    calls,
    apiApps: { get: (name: string) => Promise.resolve({ name, clientId: 'client', clientSecret: 'secret' } as ApiAppConfig) },
    oauth: {
      revoke: (app, token, hint, options) => {
        calls.push(`${hint}:${token}`)
        return revoke(app, token, hint, options)
      },
    },
  }
}

describe('issued tokens journal', () => {
  it('writes the set sealed (the token strings are not in the file) and removes the file once crossed out', () => {
    const { journal } = setup()
    const id = journal.record({ sessionId: 's-1', apiApp: 'main', flow: 'oauth2', tokens: { accessToken: ACCESS, refreshToken: REFRESH, oauthTokenSecret: null } })
    const text = fs.readFileSync(journal.file, 'utf8')
    expect(text).toContain('s-1')
    expect(text).not.toContain(ACCESS)
    expect(text).not.toContain(REFRESH)
    if (process.platform !== 'win32') expect(fs.statSync(journal.file).mode & 0o777).toBe(0o600)
    expect(journal.leftovers()).toEqual([expect.objectContaining({ sessionId: 's-1', apiApp: 'main', tokens: { accessToken: ACCESS, refreshToken: REFRESH, oauthTokenSecret: null } })])
    journal.cross(id)
    expect(fs.existsSync(journal.file)).toBe(false)
  })

  it('a later run reads the entries an earlier one left (same data key)', () => {
    const { dataDir, box, journal, logs } = setup()
    journal.record({ sessionId: 's-1', apiApp: 'main', flow: 'oauth1', tokens: { accessToken: ACCESS, refreshToken: null, oauthTokenSecret: REFRESH } })
    const next = new IssuedTokensJournal({ dataDir, box: () => box, log: logs.logger('lifecycle') })
    expect(next.leftovers().map((entry) => [entry.sessionId, entry.flow, entry.tokens.oauthTokenSecret])).toEqual([['s-1', 'oauth1', REFRESH]])
  })

  it('a damaged file is set aside with a warning, and the journal works on', () => {
    const { dataDir, box, logs, logged } = setup()
    const journal = new IssuedTokensJournal({ dataDir, box: () => box, log: logs.logger('lifecycle') })
    fs.writeFileSync(journal.file, '{"version":1,"entries":[{"id"')
    expect(journal.leftovers()).toEqual([])
    expect(logged()).toContain('issued_journal.damaged')
    expect(fs.readdirSync(dataDir).some((name) => name.startsWith('issued-tokens.json.damaged-'))).toBe(true)
    journal.record({ sessionId: 's-2', apiApp: 'main', flow: 'oauth2', tokens: { accessToken: ACCESS, refreshToken: null } })
    expect(journal.leftovers().map((entry) => entry.sessionId)).toEqual(['s-2'])
  })

  it('start-up revokes what was left and crosses it out; a failed revoke keeps the entry and logs no secret', async () => {
    const { dataDir, box, journal, logs, logged } = setup()
    journal.record({ sessionId: 's-ok', apiApp: 'main', flow: 'oauth2', tokens: { accessToken: `${ACCESS}-ok`, refreshToken: `${REFRESH}-ok` } })
    journal.record({ sessionId: 's-down', apiApp: 'main', flow: 'oauth2', tokens: { accessToken: ACCESS, refreshToken: REFRESH } })
    const down = revoker((_app, token) => (token === ACCESS ? Promise.reject(new TwitterAPIException(503, 'Service Unavailable')) : Promise.resolve()))
    const first = await revokeLeftoverIssued(new IssuedTokensJournal({ dataDir, box: () => box, log: logs.logger('lifecycle') }), down, logs.logger('lifecycle'))
    expect(first).toEqual({ revoked: 1, kept: 1 })
    expect(down.calls).toContain(`access_token:${ACCESS}-ok`)
    expect(down.calls).toContain(`refresh_token:${REFRESH}-ok`)
    expect(logged()).toContain('issued_journal.revoke_failed')
    expect(logged()).not.toContain(ACCESS)
    expect(logged()).not.toContain(REFRESH)
    const kept = new IssuedTokensJournal({ dataDir, box: () => box, log: logs.logger('lifecycle') })
    expect(kept.leftovers().map((entry) => entry.sessionId)).toEqual(['s-down'])

    // The next start-up: X says the access token is no longer valid (counts as revoked), the refresh token revokes.
    const invalid = revoker((_app, token) => (token === ACCESS ? Promise.reject(new TwitterAPIException(400, 'invalid_request', { xError: 'invalid_token' })) : Promise.resolve()))
    expect(await revokeLeftoverIssued(kept, invalid, logs.logger('lifecycle'))).toEqual({ revoked: 1, kept: 0 })
    expect(invalid.calls).toEqual([`access_token:${ACCESS}`, `refresh_token:${REFRESH}`])
    expect(fs.existsSync(kept.file)).toBe(false)
  })

  it('an entry that does not open with this data key is kept, not revoked blindly', async () => {
    const { dataDir, journal, logs } = setup()
    journal.record({ sessionId: 's-1', apiApp: 'main', flow: 'oauth2', tokens: { accessToken: ACCESS, refreshToken: null } })
    const other = new IssuedTokensJournal({ dataDir, box: () => new SecretBox(randomBytes(32)), log: logs.logger('lifecycle') })
    const calls = revoker(() => Promise.resolve())
    expect(await revokeLeftoverIssued(other, calls, logs.logger('lifecycle'))).toEqual({ revoked: 0, kept: 0 })
    expect(calls.calls).toEqual([])
    expect(fs.existsSync(journal.file)).toBe(true)
  })
})
