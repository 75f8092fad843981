import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { withLogContext } from '../../../src/main/logging/context'
import { LogSystem } from '../../../src/main/logging/logger'
import { tempDir } from '../../helpers/temp-dir'

function readLines(file: string) {
  return fs
    .readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line))
}

describe('LogSystem', () => {
  it('writes one JSON line per entry with level, scope, event, fields and correlation ids', async () => {
    const dir = tempDir()
    const logs = new LogSystem({ dir })
    const log = logs.logger('batch')
    await withLogContext({ batchId: 'b-1' }, async () => {
      await withLogContext({ sessionId: 's-1' }, async () => {
        await Promise.resolve()
        log.info('session.started', { account: 'alice' }, 'Started alice')
      })
    })
    const [line] = readLines(path.join(dir, 'panel.log'))
    expect(line).toMatchObject({
      level: 'info',
      scope: 'batch',
      event: 'session.started',
      msg: 'Started alice',
      batchId: 'b-1',
      sessionId: 's-1',
      fields: { account: 'alice' },
    })
    expect(new Date(line.ts).toString()).not.toBe('Invalid Date')
  })

  it('never writes a secret to the file, whatever field or nesting it hides in', () => {
    const dir = tempDir()
    const logs = new LogSystem({ dir })
    const goLoginToken = 'gl-token-7f3a9c1e5b'
    logs.redactor.addSecret(goLoginToken)
    const log = logs.logger('test')
    log.info('request', {
      headers: { Authorization: 'Bearer abc.def.ghi', 'X-Api-Key': 'key-123456789' },
      body: { access_token: 'at-secret-1', refresh_token: 'rt-secret-2', nested: [{ client_secret: 'cs-secret-3' }] },
      url: 'https://x.test/cb?code=code-secret-4&state=ok',
      note: `the operator pasted ${goLoginToken} into a note`,
      proxy: { host: 'p.example', password: 'proxy-pass-5' },
      pkce: { codeVerifier: 'verifier-secret-6' },
      raw: 'Authorization: Basic dXNlcjpwYXNzd29yZA==',
    })
    log.error('failed', { err: new Error(`exchange failed for refresh_token=rt-secret-7 with ${goLoginToken}`) })
    const text = fs.readFileSync(path.join(dir, 'panel.log'), 'utf8')
    for (const secret of [
      'abc.def.ghi',
      'key-123456789',
      'at-secret-1',
      'rt-secret-2',
      'cs-secret-3',
      'code-secret-4',
      goLoginToken,
      'proxy-pass-5',
      'verifier-secret-6',
      'dXNlcjpwYXNzd29yZA==',
      'rt-secret-7',
    ]) {
      expect(text).not.toContain(secret)
    }
    expect(text).toContain('state=ok')
    expect(text).toContain('p.example')
    // the ring buffer the UI reads gets the same redacted lines
    expect(JSON.stringify(logs.ring.recent())).not.toContain('at-secret-1')
  })

  it('rotates files and keeps only the configured number', () => {
    const dir = tempDir()
    const logs = new LogSystem({ dir, maxFileBytes: 400, maxFiles: 3 })
    const log = logs.logger('test')
    for (let i = 0; i < 200; i++) log.info('line', { i, padding: 'x'.repeat(40) })
    const files = fs.readdirSync(dir).sort()
    expect(files).toEqual(['panel.1.log', 'panel.2.log', 'panel.3.log', 'panel.log'])
    // the newest line is in the current file
    expect(readLines(path.join(dir, 'panel.log')).at(-1).fields.i).toBe(199)
  })

  it('drops lines below the level and keeps a bounded ring of the newest lines', () => {
    const logs = new LogSystem({ dir: null, level: 'info', ringCapacity: 10 })
    const log = logs.logger('test')
    log.debug('hidden')
    for (let i = 0; i < 25; i++) log.info('line', { i })
    const recent = logs.ring.recent()
    expect(recent).toHaveLength(10)
    expect(recent.map((e) => e.fields?.i)).toEqual([15, 16, 17, 18, 19, 20, 21, 22, 23, 24])
    expect(recent.some((e) => e.event === 'hidden')).toBe(false)
    expect(logs.ring.recent(3).map((e) => e.fields?.i)).toEqual([22, 23, 24])
  })
})
