import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { LogSystem } from '../../../src/main/logging/logger'
import { REDACTED, Redactor } from '../../../src/main/logging/redact'
import { tempDir } from '../../helpers/temp-dir'

/** Each case: a text that carries a secret, the secret, and what must stay readable around it. */
const CASES: Array<{ name: string; text: string; secrets: string[]; keeps: string[] }> = [
  {
    name: 'a PostgreSQL URL with a password',
    text: 'could not connect to postgres://panel:Pg-Secret-91@db.internal:5432/panel?sslmode=verify-full',
    secrets: ['Pg-Secret-91'],
    keeps: ['db.internal:5432/panel', 'sslmode=verify-full'],
  },
  {
    name: 'a password with an unencoded @ in a URL',
    text: 'DATABASE_URL=postgresql://panel:p@ss-Word-44@10.0.0.5/panel',
    secrets: ['ss-Word-44', 'p@ss'],
    keeps: ['10.0.0.5/panel'],
  },
  {
    name: 'an HTTP proxy with user and password',
    text: 'proxy http://alice-proxy:Px-Pass-77@proxy.example:8080 refused the tunnel',
    secrets: ['Px-Pass-77', 'alice-proxy'],
    keeps: ['proxy.example:8080', 'refused the tunnel'],
  },
  {
    name: 'any scheme with user-info (socks5, a token as user name)',
    text: 'socks5://u1:So-Secret-12@127.0.0.1:1080 and https://ghp_TokenAsUser123@git.example/repo.git',
    secrets: ['So-Secret-12', 'ghp_TokenAsUser123'],
    keeps: ['127.0.0.1:1080', 'git.example/repo.git'],
  },
  {
    name: 'an OAuth 1.0a response body (oauth_token_secret at any place in text)',
    text: 'access_token answer oauth_token=1234-AccTok99&oauth_token_secret=TokSecret-5566&user_id=42&screen_name=alice',
    secrets: ['1234-AccTok99', 'TokSecret-5566'],
    keeps: ['user_id=42', 'screen_name=alice'],
  },
  {
    name: 'oauth_token_secret in prose and as JSON text',
    text: 'stored oauth_token_secret: Prose-Secret-31 then {"oauth_token_secret":"Json-Secret-32"}',
    secrets: ['Prose-Secret-31', 'Json-Secret-32'],
    keeps: ['stored'],
  },
  {
    name: 'a Cookie header line',
    text: 'GET /i/flow/login\nCookie: auth_token=Ck-Auth-81; ct0=Ck-Csrf-82\nAccept: text/html',
    secrets: ['Ck-Auth-81', 'Ck-Csrf-82'],
    keeps: ['GET /i/flow/login', 'Accept: text/html'],
  },
  {
    name: 'a Set-Cookie header line',
    text: 'HTTP/1.1 302 Found\r\nSet-Cookie: panel_token=SetCk-Value-83; Path=/; HttpOnly\r\nLocation: /',
    secrets: ['SetCk-Value-83'],
    keeps: ['HTTP/1.1 302 Found', 'Location: /'],
  },
  {
    name: 'an X-API-Key header line',
    text: 'request headers:\nx-api-key: pk_live_Api-Key-84\nUser-Agent: curl/8',
    secrets: ['pk_live_Api-Key-84'],
    keeps: ['User-Agent: curl/8'],
  },
  {
    name: 'headers as JSON text in a message',
    text: 'upstream said {"headers":{"X-API-Key":"Json-Key-85","cookie":"sid=Json-Cookie-86","status":"401"}}',
    secrets: ['Json-Key-85', 'Json-Cookie-86'],
    keeps: ['"status":"401"'],
  },
  {
    name: 'an Authorization line with a scheme the shapes do not know',
    text: 'Authorization: OAuth oauth_consumer_key="ck", oauth_nonce="n1", oauth_signature="Sig-Value-87"\nnext line',
    secrets: ['Sig-Value-87'],
    keeps: ['next line'],
  },
  {
    name: 'an Authorization line with a bare token',
    text: 'Proxy-Authorization: Raw-Token-Value-88',
    secrets: ['Raw-Token-Value-88'],
    keeps: ['Proxy-Authorization'],
  },
]

describe('Redactor shapes', () => {
  for (const { name, text, secrets, keeps } of CASES) {
    it(`removes ${name} from a message string`, () => {
      const out = JSON.stringify(new Redactor().redact({ msg: text }))
      for (const secret of secrets) expect(out).not.toContain(secret)
      for (const kept of keeps) expect(JSON.parse(out).msg).toContain(kept)
      expect(out).toContain(REDACTED)
    })

    it(`removes ${name} from an error message, its stack and its cause`, () => {
      const error = new Error(`step failed: ${text}`, { cause: new Error(text) })
      const out = JSON.stringify(new Redactor().redact({ err: error }))
      for (const secret of secrets) expect(out).not.toContain(secret)
      expect(out).toContain('step failed')
    })
  }

  it('leaves URLs without credentials and e-mail addresses in paths alone', () => {
    const text = 'GET https://api.gologin.com/browser/v2?page=2 for ops@example.com via http://127.0.0.1:36912/x?u=a@b'
    expect(new Redactor().redactString(text)).toBe(text)
  })

  it('keeps a database role named without a password (postgres://postgres@host names who connects, not a secret)', () => {
    const text = 'Worker joined postgres://postgres@127.0.0.1:5432/panel'
    expect(new Redactor().redactString(text)).toBe(text)
  })

  it('writes none of these secrets to the log file', () => {
    const dir = tempDir()
    const logs = new LogSystem({ dir })
    const log = logs.logger('test')
    for (const { text } of CASES) {
      log.warn('upstream.failed', { detail: text }, text)
      log.error('upstream.error', { err: new Error(text) })
    }
    const file = fs.readFileSync(path.join(dir, 'panel.log'), 'utf8')
    for (const { secrets } of CASES) for (const secret of secrets) expect(file).not.toContain(secret)
  })
})
