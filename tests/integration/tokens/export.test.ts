/**
 * `tokens:export` through the core: the newest token per account and API app in exactly the documented
 * columns, RFC 4180 quoting, spreadsheet formulas neutralised (tokens left byte-exact), the filters, an
 * atomic 0600 file in the desktop app, a one-time token-guarded download in browser mode, and no token
 * in the log.
 */
import fs from 'node:fs'
import path from 'node:path'
import { parse } from 'csv-parse/sync'
import { afterEach, describe, expect, it } from 'vitest'
import { createCore, type Core } from '../../../src/main/core'
import { startWebHost, type WebHost } from '../../../src/main/host/web-server'
import type { FileDialogs } from '../../../src/main/services/platform'
import { TOKEN_CSV_COLUMNS } from '../../../src/shared/contract/tokens'
import type { RequestInput } from '../../../src/shared/ipc-contract'
import { tempDir } from '../../helpers/temp-dir'
import { seedProfile, seedToken } from '../workers/session-fixtures'
import { databaseEnv } from '../../helpers/test-database'

const opened: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const close of opened.splice(0).reverse()) await close()
})

async function startCore(dialogs: FileDialogs | null): Promise<Core> {
  const dataDir = tempDir()
  const env = { ...process.env, ...(await databaseEnv(dataDir)) }
  const core = await createCore({ dataDir, env, mode: dialogs ? 'desktop' : 'browser', platform: { dialogs }, eventWindowMs: 5, logLevel: 'debug' })
  opened.push(() => core.close())
  return core
}

function saveTo(file: string | null): FileDialogs & { asked: unknown[] } {
  const asked: unknown[] = []
  return {
    asked,
    chooseSavePath: async (options) => {
      asked.push(options)
      return file
    },
    chooseOpenFile: async () => null,
  }
}

async function exportTokens(core: Core, input: RequestInput<'tokens:export'> = {}) {
  const answer = await core.router.dispatch('tokens:export', input, { transport: 'test' })
  if (!answer.success) throw new Error(`${answer.errorCode}: ${answer.error}`)
  return answer.data as Awaited<ReturnType<Core['tokenExport']['export']>>
}

const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000)
const inAnHour = () => new Date(Date.now() + 3_600_000)

/** Accounts covering every rule: newest wins, per app, filters, awkward text, formula-looking cells. */
async function seedAccounts(core: Core) {
  const db = core.db
  await seedProfile(db, 'p-alice', { profileName: 'Alice, "main" account\nline two' })
  await seedProfile(db, 'p-bob', { profileName: '=HYPERLINK("http://evil.example","click")' })
  await seedProfile(db, 'p-carol', { profileName: '+cmd|calc' })
  await seedProfile(db, 'p-dan', { profileName: '@SUM(A1:A9)' })
  await seedProfile(db, 'p-eve', { profileName: '-2+3' })
  await seedProfile(db, 'p-fay', { profileName: '\tTabbed\rwith a CR' })
  const old = await seedToken(db, { profileId: 'p-alice', twitterUsername: 'alice', completedAt: hoursAgo(30), expiresAt: hoursAgo(28), tokenStatus: 'replaced' })
  const alice = await seedToken(db, { profileId: 'p-alice', twitterUsername: 'Alice', completedAt: hoursAgo(1), accessToken: '-looks-like-a-formula', refreshToken: '=also-verbatim' })
  const alice2 = await seedToken(db, { profileId: 'p-alice', twitterUsername: 'alice', apiApp: 'AIOTT2', completedAt: hoursAgo(2), expiresAt: inAnHour() })
  const bob = await seedToken(db, { profileId: 'p-bob', twitterUsername: 'bob', completedAt: hoursAgo(3), expiresAt: inAnHour() })
  const carol = await seedToken(db, { profileId: 'p-carol', twitterUsername: 'carol', completedAt: hoursAgo(3), expiresAt: inAnHour(), tokenStatus: 'expired', errorCode: 'TOKEN_EXPIRED' })
  const dan = await seedToken(db, { profileId: 'p-dan', twitterUsername: 'dan', completedAt: hoursAgo(4), expiresAt: hoursAgo(2) })
  const eve = await seedToken(db, { profileId: 'p-eve', twitterUsername: 'eve', completedAt: hoursAgo(1), scopes: ['tweet.read', 'users.read'], refreshToken: null })
  const fay = await seedToken(db, { profileId: 'p-fay', twitterUsername: 'fay', completedAt: hoursAgo(1) })
  // OAuth 1.0a: a token pair that never expires, no refresh token, no scopes.
  await seedProfile(db, 'p-gus', { profileName: 'Gus' })
  const gus = await seedToken(db, {
    profileId: 'p-gus',
    twitterUsername: 'gus',
    apiApp: 'LEGACY1',
    completedAt: hoursAgo(50),
    accessToken: '1234567-gusAccessToken',
    oauthTokenSecret: '=gus-secret-verbatim',
    refreshToken: null,
    expiresAt: null,
    scopes: null,
  })
  return { old, alice, alice2, bob, carol, dan, eve, fay, gus }
}

function readCsv(text: string): Array<Record<string, string>> {
  return parse(text, { columns: true, skip_empty_lines: true }) as Array<Record<string, string>>
}

describe('token CSV export (desktop: save dialog)', () => {
  it('writes the newest valid token per account and API app, every documented column, RFC 4180 quoted', async () => {
    const out = path.join(tempDir(), 'tokens.csv')
    const dialogs = saveTo(out)
    const core = await startCore(dialogs)
    const s = await seedAccounts(core)

    const result = await exportTokens(core, { apiApp: null, onlyValid: true })

    expect(result).toEqual({ mode: 'saved', path: out, rows: 6 })
    expect(dialogs.asked).toEqual([expect.objectContaining({ title: 'Export tokens', defaultPath: expect.stringMatching(/^tokens-all-\d{4}-\d\d-\d\d-\d{4}\.csv$/) })])
    const text = fs.readFileSync(out, 'utf8')
    expect(text.split('\r\n')[0]).toBe(TOKEN_CSV_COLUMNS.join(','))
    expect(text.endsWith('\r\n')).toBe(true)
    const rows = readCsv(text)
    expect(rows.map((r) => `${r.api_app}/${r.twitter_username}`)).toEqual(['AIOTT1/Alice', 'AIOTT1/bob', 'AIOTT1/eve', 'AIOTT1/fay', 'AIOTT2/alice', 'LEGACY1/gus'])
    const alice = rows[0]
    expect(alice).toEqual({
      twitter_username: 'Alice',
      x_user_id: s.alice.xUserId,
      api_app: 'AIOTT1',
      access_token: '-looks-like-a-formula',
      refresh_token: '=also-verbatim',
      oauth_token_secret: '',
      scopes: 'tweet.read users.read offline.access',
      expires_at: s.alice.expiresAt!.toISOString(),
      authorized_at: s.alice.completedAt!.toISOString(),
      profile_name: 'Alice, "main" account\nline two',
      profile_id: 'p-alice',
    })
    // RFC 4180: the field with a comma, quotes and a line break is quoted and its quotes doubled.
    expect(text).toContain('"Alice, ""main"" account\nline two"')
    expect(text).toContain(`"'\tTabbed\rwith a CR"`)
    expect(rows[1].access_token).toBe(s.bob.accessToken)
    expect(rows[2]).toMatchObject({ refresh_token: '', scopes: 'tweet.read users.read' })
    expect(rows[4].access_token).toBe(s.alice2.accessToken)
    // The 1.0a pair: token and secret byte for byte, never expiring (valid after 50 hours), no refresh token.
    expect(rows[5]).toMatchObject({ access_token: '1234567-gusAccessToken', oauth_token_secret: '=gus-secret-verbatim', refresh_token: '', expires_at: '', scopes: '', x_user_id: s.gus.xUserId })
    // Only the file, no temp file beside it; readable by the owner only.
    expect(fs.readdirSync(path.dirname(out))).toEqual(['tokens.csv'])
    if (process.platform !== 'win32') expect(fs.statSync(out).mode & 0o777).toBe(0o600)
  })

  it('neutralises cells a spreadsheet would run as formulas, but never alters a token', async () => {
    const out = path.join(tempDir(), 'all.csv')
    const core = await startCore(saveTo(out))
    await seedAccounts(core)
    await exportTokens(core, { onlyValid: false })
    const byUser = Object.fromEntries(readCsv(fs.readFileSync(out, 'utf8')).map((r) => [`${r.api_app}/${r.twitter_username}`, r]))
    expect(byUser['AIOTT1/bob'].profile_name).toBe(`'=HYPERLINK("http://evil.example","click")`)
    expect(byUser['AIOTT1/carol'].profile_name).toBe(`'+cmd|calc`)
    expect(byUser['AIOTT1/dan'].profile_name).toBe(`'@SUM(A1:A9)`)
    expect(byUser['AIOTT1/eve'].profile_name).toBe(`'-2+3`)
    expect(byUser['AIOTT1/fay'].profile_name).toBe(`'\tTabbed\rwith a CR`)
    expect(byUser['AIOTT1/Alice']).toMatchObject({ access_token: '-looks-like-a-formula', refresh_token: '=also-verbatim' })
  })

  it('filters by API app and, when asked for all tokens, includes expired ones but still only the newest', async () => {
    const out = path.join(tempDir(), 'filtered.csv')
    const core = await startCore(saveTo(out))
    const s = await seedAccounts(core)

    expect(await exportTokens(core, { apiApp: 'AIOTT2', onlyValid: true })).toMatchObject({ rows: 1 })
    expect(readCsv(fs.readFileSync(out, 'utf8')).map((r) => r.twitter_username)).toEqual(['alice'])

    expect(await exportTokens(core, { apiApp: 'AIOTT1', onlyValid: false })).toMatchObject({ rows: 6 })
    const rows = readCsv(fs.readFileSync(out, 'utf8'))
    expect(rows.map((r) => r.twitter_username)).toEqual(['Alice', 'bob', 'carol', 'dan', 'eve', 'fay'])
    expect(rows.map((r) => r.access_token)).not.toContain(s.old.accessToken)

    expect(await exportTokens(core, { apiApp: 'NOAPP', onlyValid: false })).toMatchObject({ rows: 0 })
    expect(fs.readFileSync(out, 'utf8')).toBe(`${TOKEN_CSV_COLUMNS.join(',')}\r\n`)
  })

  it('writes nothing when the operator cancels the dialog', async () => {
    const dir = tempDir()
    const core = await startCore(saveTo(null))
    await seedAccounts(core)
    expect(await exportTokens(core)).toEqual({ mode: 'cancelled' })
    expect(fs.readdirSync(dir)).toEqual([])
  })

  it('logs counts and the path, never a token', async () => {
    const out = path.join(tempDir(), 'logged.csv')
    const core = await startCore(saveTo(out))
    const s = await seedAccounts(core)
    await exportTokens(core, { onlyValid: false })
    const entries = core.logs.ring.recent()
    expect(entries).toContainEqual(expect.objectContaining({ event: 'tokens.exported', fields: expect.objectContaining({ path: out, rows: 9 - 1 }) }))
    const logged = JSON.stringify(entries) + fs.readFileSync(core.logs.filePath!, 'utf8')
    for (const session of Object.values(s)) {
      expect(logged).not.toContain(session.accessToken!)
      if (session.refreshToken) expect(logged).not.toContain(session.refreshToken)
      if (session.oauthTokenSecret) expect(logged).not.toContain(session.oauthTokenSecret)
    }
  })

  it('leaves an earlier file untouched when the export fails half-way', async () => {
    const out = path.join(tempDir(), 'keep.csv')
    fs.writeFileSync(out, 'earlier export\r\n')
    const core = await startCore(saveTo(out))
    await seedAccounts(core)
    // A value that no longer opens with the data key: the export stops with a clear error.
    await core.db.dataSource.query(`UPDATE authorization_sessions SET access_token = 'v1:AAAA' WHERE twitter_username = 'fay'`)
    const answer = await core.router.dispatch('tokens:export', { onlyValid: true }, { transport: 'test' })
    expect(answer).toMatchObject({ success: false, errorCode: 'DATA_DECRYPTION_FAILED' })
    expect(fs.readFileSync(out, 'utf8')).toBe('earlier export\r\n')
    expect(fs.readdirSync(path.dirname(out))).toEqual(['keep.csv'])
  })
})

describe('token CSV export when the panel quits', () => {
  it('stops an export under way (the earlier file stays as it was, no temp file) and refuses new ones', async () => {
    const out = path.join(tempDir(), 'keep.csv')
    fs.writeFileSync(out, 'earlier export\r\n')
    let choose!: (file: string) => void
    const dialogs: FileDialogs = { chooseSavePath: () => new Promise((resolve) => (choose = resolve)), chooseOpenFile: async () => null }
    const core = await startCore(dialogs)
    await seedAccounts(core)
    const exporting = core.router.dispatch('tokens:export', { onlyValid: true }, { transport: 'test' })
    await new Promise((resolve) => setImmediate(resolve))
    // The operator quits while the save dialog is open, then picks the file.
    core.tokenExport.close()
    choose(out)
    expect(await exporting).toMatchObject({ success: false, errorCode: 'INTERRUPTED' })
    expect(fs.readFileSync(out, 'utf8')).toBe('earlier export\r\n')
    expect(fs.readdirSync(path.dirname(out))).toEqual(['keep.csv'])
    expect(await core.router.dispatch('tokens:export', { onlyValid: true }, { transport: 'test' })).toMatchObject({ success: false, errorCode: 'INTERRUPTED' })
  })
})

describe('token CSV export (browser mode: one-time download)', () => {
  async function startHost(core: Core): Promise<WebHost> {
    const rendererDir = tempDir()
    fs.writeFileSync(path.join(rendererDir, 'index.html'), '<div id="root"></div>')
    const host = await startWebHost({ core, rendererDir })
    opened.push(() => host.close())
    return host
  }

  it('answers a download link that streams the CSV once, to this panel\'s own page only', async () => {
    const core = await startCore(null)
    const s = await seedAccounts(core)
    const host = await startHost(core)

    const result = await exportTokens(core, { apiApp: 'AIOTT1', onlyValid: true })
    expect(result).toMatchObject({ mode: 'download', url: expect.stringMatching(/^\/download\/[\w-]{20,}$/), fileName: expect.stringMatching(/^tokens-AIOTT1-.*\.csv$/), rows: 4 })
    if (result.mode !== 'download') throw new Error('expected a download')
    const url = new URL(result.url, host.baseUrl)

    // A page of another origin (another port of 127.0.0.1) gets nothing, and the link stays usable.
    const refused = await fetch(url, { headers: { origin: 'http://127.0.0.1:1' } })
    expect(refused.status).toBe(403)
    expect(await refused.text()).not.toContain('access_token')

    // The one-use ticket is the credential: no cookie, no token.
    const download = await fetch(url)
    expect(download.status).toBe(200)
    expect(download.headers.get('content-type')).toBe('text/csv; charset=utf-8')
    expect(download.headers.get('content-disposition')).toBe(`attachment; filename="${result.fileName}"`)
    expect(download.headers.get('cache-control')).toBe('no-store')
    const rows = readCsv(await download.text())
    expect(rows.map((r) => r.twitter_username)).toEqual(['Alice', 'bob', 'eve', 'fay'])
    expect(rows[1].refresh_token).toBe(s.bob.refreshToken)

    const again = await fetch(url)
    expect(again.status).toBe(404)
    expect(await again.text()).toContain('already used or has expired')
  })
})
