/**
 * The GoLogin cloud API stand-in: paged profile list, the cloud browser (connect and stop), Bearer check,
 * and the failure modes the panel must survive (429 that revokes the token, Cloudflare HTML with 200, 5xx).
 */
import type { CloudHosting } from './cloud-hosting'
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify'
import type { ProfileBrowsers } from './browsers'
import { cloudConnect, type CloudConnect } from './cloud-connect'
import type { RequestEntry, RequestLog } from './request-log'
import { toApiProfile, type SandboxProfile, type SandboxProfileBehaviour } from './profiles'

/** The profile browsers the cloud browser starts (`/connect`) and stops (`DELETE /browser/{id}/web`). */
export type CloudBrowsers = Pick<ProfileBrowsers, 'start' | 'stop'> & { behaviour(profileId: string): SandboxProfileBehaviour }

export const GOLOGIN_PAGE_SIZE = 30

export interface CloudRateLimit {
  /** Requests allowed in any sliding window; one more answers 429 and revokes the token. */
  max: number
  windowMs: number
}

/** State shared by the cloud API and the sandbox controls. */
export interface CloudState {
  token: string
  revoked: boolean
  rateLimit: CloudRateLimit
  /** The next `count` requests (of one entrance, when named) answer `status`; a 429 revokes the token, as GoLogin's does. */
  failNext: { count: number; status: number; entrance: string | null }
  /** Answer HTML with status 200 (a Cloudflare check) while this is above 0 (`Infinity`: until reset). */
  htmlAnswers: number
  profiles: Map<string, SandboxProfile>
  /** Order of the profile list (insertion order, like GoLogin's default sort). */
  order: () => SandboxProfile[]
  cloudStops: string[]
  /** Which entrance runs which cloud browser (several hosts on one account). */
  hosting: CloudHosting
  /** Which entrance a request came in by, from the local port of its connection. */
  entranceOf(localPort: number | undefined): string
}

/** Whether an injected failure applies to this request; counts it down, and revokes the token on a 429. */
export function takeInjectedFailure(state: CloudState, entrance: string): number | null {
  const { failNext } = state
  if (failNext.count <= 0 || (failNext.entrance !== null && failNext.entrance !== entrance)) return null
  failNext.count--
  if (failNext.status === 429) state.revoked = true
  return failNext.status
}

const CLOUDFLARE_PAGE = `<!DOCTYPE html><html><head><title>Just a moment...</title></head><body><h1>Checking your browser before accessing api.gologin.com</h1></body></html>`

export function createCloudApi(state: CloudState, requests: RequestLog, browsers: CloudBrowsers): { app: FastifyInstance; connect: CloudConnect } {
  const app = Fastify({ logger: false })
  const connect = cloudConnect({ state, requests, browsers, behaviour: browsers.behaviour })
  app.server.on('upgrade', connect.upgrade)

  const entries = new WeakMap<object, RequestEntry>()
  app.addHook('onRequest', async (request, reply) => {
    const endpoint = `${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`
    const entrance = state.entranceOf(request.raw.socket.localPort)
    const { inWindow, entry } = requests.record(endpoint, entrance)
    entries.set(request, entry)
    if (state.revoked) return answer(reply, 401, { statusCode: 401, message: 'Token revoked' })
    if (inWindow > state.rateLimit.max) {
      // Like GoLogin: going over the plan's rate revokes the token for good.
      state.revoked = true
      return answer(reply, 429, { statusCode: 429, message: 'Too Many Requests' })
    }
    if (request.headers.authorization !== `Bearer ${state.token}`) {
      return answer(reply, 401, { statusCode: 401, message: 'Unauthorized' })
    }
    const injected = takeInjectedFailure(state, entrance)
    if (injected !== null) return answer(reply, injected, { statusCode: injected, message: injected === 429 ? 'Too Many Requests' : 'Sandbox: injected server error' })
    if (state.htmlAnswers > 0) {
      state.htmlAnswers--
      return reply.code(200).type('text/html; charset=utf-8').send(CLOUDFLARE_PAGE)
    }
  })
  app.addHook('onResponse', async (request, reply) => requests.recordStatus(reply.statusCode, entries.get(request)))

  app.get<{ Querystring: { page?: string } }>('/browser/v2', async (request, reply) => {
    const page = request.query.page === undefined ? 1 : Number(request.query.page)
    if (!Number.isInteger(page) || page < 1) return answer(reply, 400, { statusCode: 400, message: 'page must be a positive integer' })
    const all = state.order()
    const slice = all.slice((page - 1) * GOLOGIN_PAGE_SIZE, page * GOLOGIN_PAGE_SIZE)
    return { profiles: slice.map(toApiProfile), allProfilesCount: all.length }
  })

  app.delete<{ Params: { id: string } }>('/browser/:id/web', async (request, reply) => {
    if (!state.profiles.has(request.params.id)) return answer(reply, 404, { statusCode: 404, message: 'Profile not found' })
    state.cloudStops.push(request.params.id)
    try {
      await browsers.stop(request.params.id, browsers.behaviour(request.params.id))
      state.hosting.stopped(request.params.id)
    } catch (error) {
      return answer(reply, 500, { statusCode: 500, message: error instanceof Error ? error.message : String(error) })
    }
    return reply.code(204).send()
  })

  return { app, connect }
}

function answer(reply: FastifyReply, status: number, body: Record<string, unknown>): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send(body)
}
