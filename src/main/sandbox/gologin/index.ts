/**
 * GoLogin sandbox (DESIGN.md §5): the cloud API and the desktop app's local API on 127.0.0.1, with
 * real Chromium browsers behind start-profile, so the panel and the tests run without any account.
 */
import { CloudHosting, type CloudHostingFigures } from './cloud-hosting'
import crypto from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import type { FastifyInstance } from 'fastify'
import { SandboxBrowsers, type BrowserCounts, type ProfileBrowsers, type SandboxBrowserInfo } from './browsers'
import { createCloudApi, type CloudRateLimit, type CloudState } from './cloud-api'
import { CLOUD_CONNECT_PATH } from './cloud-connect'
import { createLocalApi } from './local-api'
import { generateProfiles, type SandboxProfile, type SandboxProfileBehaviour } from './profiles'
import { RequestLog, type RequestCounts, type RequestEntry } from './request-log'
import { SharedSandboxBrowsers } from './shared-browser'

export { generateProfiles, sandboxUsername, usernameFromNotes } from './profiles'
export type { SandboxProfile, SandboxProfileBehaviour, SandboxProxy } from './profiles'
export { X_SANDBOX_COOKIE, type ProfileBrowsers, type SandboxBrowserInfo } from './browsers'
export { GOLOGIN_PAGE_SIZE, type CloudRateLimit } from './cloud-api'
export type { RequestEntry } from './request-log'

/** Another port onto the same cloud API and cloud browser: its requests are counted under its label. */
export interface SandboxEntrance {
  label: string
  apiUrl: string
  cloudBrowserUrl: string
}

export interface GoLoginSandboxOptions {
  /** How many profiles to generate, or the profiles themselves. Default 90 (3 pages). */
  profiles?: number | SandboxProfile[]
  /** Default: a random token. */
  token?: string
  /** Server-side limit; exceeding it answers 429 and revokes the token. Default 300 per 60 s (free plan). */
  rateLimit?: Partial<CloudRateLimit>
  headless?: boolean
  chromePath?: string
  /** Parent folder of the browsers' user-data dirs; default a fresh temp folder removed on close. */
  workDir?: string
  behaviours?: Record<string, SandboxProfileBehaviour>
  /**
   * One shared Chromium for every profile (a browser context each, with its own CDP endpoint) instead
   * of a Chromium per profile: no launch cost per start (benchmarks, large demos). Default false.
   */
  sharedBrowser?: boolean
}

export interface GoLoginSandboxStats {
  cloud: RequestCounts & { revoked: boolean; rateLimit: CloudRateLimit; cloudBrowserStops: string[]; hosting: CloudHostingFigures }
  local: RequestCounts
  browsers: BrowserCounts
}

export interface GoLoginSandbox {
  apiUrl: string
  localApiUrl: string
  /** The cloud browser's connect URL (`ws://…/connect`), to put in the "GoLogin cloud browser URL" setting. */
  cloudBrowserUrl: string
  /** The valid API token (changes with `issueToken`). */
  readonly token: string
  readonly revoked: boolean
  stats(): GoLoginSandboxStats
  setBehaviour(profileId: string, behaviour: Partial<SandboxProfileBehaviour>): void
  behaviour(profileId: string): SandboxProfileBehaviour
  /**
   * The next `count` cloud requests (API or connect; only those of `entrance` when given) answer `status`
   * (default 503). A 429 revokes the token, as GoLogin's does.
   */
  failNextRequests(count: number, status?: number, entrance?: string): void
  /**
   * Opens another port onto the cloud API and cloud browser, whose requests are counted under `label`
   * (`stats().cloud.byEntrance`, `cloudRequests()`): several hosts sharing one GoLogin account, told apart.
   */
  openEntrance(label: string): Promise<SandboxEntrance>
  /** Every cloud request (API and connect) in order of arrival, with its entrance and answer. */
  cloudRequests(): RequestEntry[]
  /** The next `count` cloud requests get Cloudflare's HTML page with status 200. */
  answerHtml(count?: number): void
  setRateLimit(limit: Partial<CloudRateLimit>): void
  /** A new valid token; the old one stops working and the revoked flag is cleared. */
  issueToken(): string
  addProfiles(profiles: number | SandboxProfile[]): SandboxProfile[]
  removeProfiles(profileIds: string[]): void
  profiles(): SandboxProfile[]
  /** Browsers running now. */
  browsers(): SandboxBrowserInfo[]
  /** The profile's browser dies as if closed by hand (GoLogin still lists it as running until stopped). */
  crashBrowser(profileId: string): Promise<void>
  /** Cuts the CDP connections to a profile's cloud browser (its browser runs on); answers how many were cut. */
  dropCloudConnections(profileId: string): number
  /** Stops both servers and kills every browser. */
  close(): Promise<void>
}

export async function startGoLoginSandbox(options: GoLoginSandboxOptions = {}): Promise<GoLoginSandbox> {
  const ownWorkDir = !options.workDir
  const workDir = options.workDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'gologin-sandbox-'))
  const profiles = new Map<string, SandboxProfile>()
  let ordered: SandboxProfile[] | null = null
  let nextIndex = 0
  const addProfiles = (input: number | SandboxProfile[]) => {
    const added = typeof input === 'number' ? generateProfiles(input, nextIndex) : input
    if (typeof input === 'number') nextIndex += input
    for (const profile of added) profiles.set(profile.id, profile)
    ordered = null
    return added
  }
  addProfiles(options.profiles ?? 90)
  const behaviours = new Map(Object.entries(options.behaviours ?? {}).map(([id, b]) => [id, { ...b }]))
  const behaviour = (profileId: string) => {
    let found = behaviours.get(profileId)
    if (!found) behaviours.set(profileId, (found = {}))
    return found
  }

  const rateLimit: CloudRateLimit = { max: 300, windowMs: 60_000, ...options.rateLimit }
  const cloudRequests = new RequestLog(rateLimit.windowMs)
  const localRequests = new RequestLog(60_000)
  const entrances = new Map<number, string>()
  const entranceServers: http.Server[] = []
  const state: CloudState = {
    token: options.token ?? `sandbox-${crypto.randomBytes(16).toString('hex')}`,
    revoked: false,
    rateLimit,
    failNext: { count: 0, status: 503, entrance: null },
    htmlAnswers: 0,
    profiles,
    order: () => (ordered ??= [...profiles.values()]),
    cloudStops: [],
    hosting: new CloudHosting(),
    entranceOf: (port) => (port === undefined ? 'main' : (entrances.get(port) ?? 'main')),
  }
  const launchOptions = { headless: options.headless ?? true, executablePath: options.chromePath }
  const browsers: ProfileBrowsers = options.sharedBrowser ? new SharedSandboxBrowsers(workDir, launchOptions) : new SandboxBrowsers(workDir, launchOptions)
  const { app: cloud, connect: cloudConnections } = createCloudApi(state, cloudRequests, { start: (profile, b) => browsers.start(profile, b), stop: (id, b) => browsers.stop(id, b), behaviour })
  const local = createLocalApi({ browsers, requests: localRequests, profile: (id) => profiles.get(id), behaviour })

  const apiUrl = await listen(cloud)
  let localApiUrl: string
  try {
    localApiUrl = await listen(local)
  } catch (error) {
    await cloud.close()
    throw error
  }

  let closing: Promise<void> | null = null
  return {
    apiUrl,
    localApiUrl,
    cloudBrowserUrl: `${apiUrl.replace(/^http/, 'ws')}${CLOUD_CONNECT_PATH}`,
    get token() {
      return state.token
    },
    get revoked() {
      return state.revoked
    },
    stats: () => ({
      cloud: { ...cloudRequests.counts(), revoked: state.revoked, rateLimit: { ...rateLimit }, cloudBrowserStops: [...state.cloudStops], hosting: state.hosting.figures() },
      local: localRequests.counts(),
      browsers: browsers.figures(),
    }),
    setBehaviour: (profileId, next) => Object.assign(behaviour(profileId), next),
    behaviour: (profileId) => ({ ...behaviour(profileId) }),
    failNextRequests: (count, status = 503, entrance) => (state.failNext = { count, status, entrance: entrance ?? null }),
    async openEntrance(label) {
      // Requests and upgrades handed to the cloud API's own server: the same routes, state and counts.
      const server = http.createServer((request, response) => cloud.server.emit('request', request, response))
      server.on('upgrade', (request, socket, head) => cloud.server.emit('upgrade', request, socket, head))
      await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve))
      const { port } = server.address() as AddressInfo
      entrances.set(port, label)
      entranceServers.push(server)
      const url = `http://127.0.0.1:${port}`
      return { label, apiUrl: url, cloudBrowserUrl: `${url.replace(/^http/, 'ws')}${CLOUD_CONNECT_PATH}` }
    },
    cloudRequests: () => cloudRequests.entries(),
    answerHtml: (count = Number.POSITIVE_INFINITY) => (state.htmlAnswers = count),
    setRateLimit: (limit) => {
      Object.assign(rateLimit, limit)
      cloudRequests.windowMs = rateLimit.windowMs
    },
    issueToken: () => {
      state.token = `sandbox-${crypto.randomBytes(16).toString('hex')}`
      state.revoked = false
      return state.token
    },
    addProfiles,
    removeProfiles: (ids) => {
      for (const id of ids) profiles.delete(id)
      ordered = null
    },
    profiles: () => state.order().slice(),
    browsers: () => browsers.list(),
    crashBrowser: (profileId) => browsers.crash(profileId),
    dropCloudConnections: (profileId) => cloudConnections.drop(profileId),
    close: () =>
      (closing ??= (async () => {
        await browsers.closeAll()
        for (const server of entranceServers) server.closeAllConnections()
        await Promise.all([cloud.close(), local.close(), ...entranceServers.map((server) => new Promise((resolve) => server.close(resolve)))])
        if (ownWorkDir) fs.rmSync(workDir, { recursive: true, force: true })
      })()),
  }
}

async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as AddressInfo
  return `http://127.0.0.1:${port}`
}
