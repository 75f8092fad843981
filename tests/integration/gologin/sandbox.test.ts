import fs from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import axios from 'axios'
import puppeteer from 'puppeteer-core'
import { afterEach, describe, expect, it } from 'vitest'
import { ChromiumNotFoundError, launchChromium, resolveChromiumPath } from '../../../src/main/sandbox/chromium'
import { startGoLoginSandbox, type GoLoginSandbox } from '../../../src/main/sandbox/gologin'
import { tempDir } from '../../helpers/temp-dir'
import { isProcessAlive, liveGroupMembers } from './processes'

let sandbox: GoLoginSandbox | null = null
let echo: http.Server | null = null

afterEach(async () => {
  await sandbox?.close()
  sandbox = null
  if (echo) await new Promise((resolve) => echo!.close(resolve))
  echo = null
})

/** A stand-in for the X sandbox: another port on 127.0.0.1 that shows the cookies it receives. */
async function cookieEcho(): Promise<string> {
  echo = http.createServer((req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end(req.headers.cookie ?? '(none)'))
  await new Promise<void>((resolve) => echo!.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(echo.address() as AddressInfo).port}/`
}

async function cookiesSeenBy(wsUrl: string, url: string): Promise<string> {
  const browser = await puppeteer.connect({ browserWSEndpoint: wsUrl })
  try {
    const page = await browser.newPage()
    const response = await page.goto(url)
    return await response!.text()
  } finally {
    await browser.disconnect()
  }
}

const start = (s: GoLoginSandbox, profileId: string) => axios.post(`${s.localApiUrl}/browser/start-profile`, { profileId, sync: true })
const stop = (s: GoLoginSandbox, profileId: string) => axios.post(`${s.localApiUrl}/browser/stop-profile`, { profileId })

describe('GoLogin sandbox local API', () => {
  it('starts a real Chromium logged into the profile’s X account (cookie on 127.0.0.1, any port) and stops it cleanly', async () => {
    const s = (sandbox = await startGoLoginSandbox({ profiles: 3, workDir: tempDir() }))
    const [own, other, loggedOut] = s.profiles()
    s.setBehaviour(other.id, { xUsername: 'someone_else' })
    s.setBehaviour(loggedOut.id, { xUsername: null })
    const xUrl = await cookieEcho()

    const answers = await Promise.all([own, other, loggedOut].map((p) => start(s, p.id)))
    for (const answer of answers) expect(answer.data).toMatchObject({ status: 'success', wsUrl: expect.stringMatching(/^ws:\/\/127\.0\.0\.1:\d+\/devtools\/browser\//) })
    expect(await cookiesSeenBy(answers[0].data.wsUrl, xUrl)).toBe(`x_sandbox_user=${own.notes.slice(1)}`)
    expect(await cookiesSeenBy(answers[1].data.wsUrl, xUrl)).toBe('x_sandbox_user=someone_else')
    expect(await cookiesSeenBy(answers[2].data.wsUrl, xUrl)).toBe('(none)')

    const browsers = s.browsers()
    expect(browsers.map((b) => b.profileId).sort()).toEqual([own.id, other.id, loggedOut.id].sort())
    expect(new Set(browsers.map((b) => b.userDataDir)).size).toBe(3)
    expect(s.stats().browsers).toMatchObject({ running: 3, peak: 3 })

    for (const p of [own, other, loggedOut]) expect((await stop(s, p.id)).status).toBe(204)
    for (const b of browsers) {
      expect(isProcessAlive(b.pid)).toBe(false)
      expect(liveGroupMembers(b.pid)).toEqual([])
      expect(fs.existsSync(b.userDataDir)).toBe(false)
    }
    expect(s.browsers()).toEqual([])
    expect(s.stats().browsers).toMatchObject({ running: 0, peak: 3, launched: 3, stops: 3 })
  })

  it('answers 404 for an unknown profile and 500 for an injected start failure', async () => {
    const s = (sandbox = await startGoLoginSandbox({ profiles: 1, workDir: tempDir() }))
    const [profile] = s.profiles()
    s.setBehaviour(profile.id, { startFailures: 1 })
    await expect(start(s, 'no-such-profile')).rejects.toMatchObject({ response: { status: 404 } })
    await expect(start(s, profile.id)).rejects.toMatchObject({ response: { status: 500, data: { status: 'error' } } })
    expect(s.browsers()).toEqual([])
    expect(s.stats().browsers).toMatchObject({ launched: 0, startFailures: 1 })
  })

  it('kills every browser still running when it closes', async () => {
    const workDir = tempDir()
    const s = await startGoLoginSandbox({ profiles: 2, workDir })
    for (const p of s.profiles()) await start(s, p.id)
    const browsers = s.browsers()
    expect(browsers).toHaveLength(2)
    await s.close()
    for (const b of browsers) {
      expect(isProcessAlive(b.pid)).toBe(false)
      expect(liveGroupMembers(b.pid)).toEqual([])
      expect(fs.existsSync(b.userDataDir)).toBe(false)
    }
  })
})

describe('GoLogin sandbox cloud API', () => {
  it('pages profiles 30 at a time behind a Bearer token', async () => {
    const s = (sandbox = await startGoLoginSandbox({ profiles: 65 }))
    const auth = { headers: { Authorization: `Bearer ${s.token}` } }
    const pages = await Promise.all([1, 2, 3, 4].map((page) => axios.get(`${s.apiUrl}/browser/v2?page=${page}`, auth)))
    expect(pages.map((p) => p.data.profiles.length)).toEqual([30, 30, 5, 0])
    expect(pages.every((p) => p.data.allProfilesCount === 65)).toBe(true)
    expect(pages[0].data.profiles[0].proxy.password).toMatch(/^pw-/)
    await expect(axios.get(`${s.apiUrl}/browser/v2?page=1`)).rejects.toMatchObject({ response: { status: 401 } })
    expect(s.stats().cloud.byEndpoint).toEqual({ 'GET /browser/v2': 5 })
  })

  it('answers 429 past its rate and treats the token as revoked from then on, until a new one is issued', async () => {
    const s = (sandbox = await startGoLoginSandbox({ profiles: 5, rateLimit: { max: 2, windowMs: 60_000 } }))
    const get = (token = s.token) => axios.get(`${s.apiUrl}/browser/v2`, { headers: { Authorization: `Bearer ${token}` }, validateStatus: () => true })
    expect((await get()).status).toBe(200)
    expect((await get()).status).toBe(200)
    expect((await get()).status).toBe(429)
    expect(s.revoked).toBe(true)
    expect((await get()).status).toBe(401)
    s.setRateLimit({ max: 100 })
    expect((await get(s.issueToken())).status).toBe(200)
    expect(s.stats().cloud.byStatus).toEqual({ 200: 3, 429: 1, 401: 1 })
  })
})

describe('launchChromium', () => {
  it('names the path it tried when the browser is missing', async () => {
    await expect(launchChromium({ userDataDir: tempDir(), executablePath: '/nope/chromium' })).rejects.toThrow(ChromiumNotFoundError)
    await expect(launchChromium({ userDataDir: tempDir(), executablePath: '/nope/chromium' })).rejects.toThrow(/\/nope\/chromium.*CHROME_PATH/)
    expect(() => resolveChromiumPath(undefined, { CHROME_PATH: '/also/missing' })).toThrow(/\/also\/missing/)
  })
})
