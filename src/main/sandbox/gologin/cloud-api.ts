/**
 * The GoLogin cloud API stand-in: paged profile list, the cloud browser (connect and stop), Bearer check,
 * and the failure modes the panel must survive (429 that revokes the token, Cloudflare HTML with 200, 5xx).
 */
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify'
import type { ProfileBrowsers } from './browsers'
import { cloudConnect, type CloudConnect } from './cloud-connect'
import type { RequestLog } from './request-log'
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
  /** The next `count` requests answer `status`. */
  failNext: { count: number; status: number }
  /** Answer HTML with status 200 (a Cloudflare check) while this is above 0 (`Infinity`: until reset). */
  htmlAnswers: number
  profiles: Map<string, SandboxProfile>
  /** Order of the profile list (insertion order, like GoLogin's default sort). */
  order: () => SandboxProfile[]
  cloudStops: string[]
}

const CLOUDFLARE_PAGE = `<!DOCTYPE html><html><head><title>Just a moment...</title></head><body><h1>Checking your browser before accessing api.gologin.com</h1></body></html>`

export function createCloudApi(state: CloudState, requests: RequestLog, browsers: CloudBrowsers): { app: FastifyInstance; connect: CloudConnect } {
  const app = Fastify({ logger: false })
  const connect = cloudConnect({ state, requests, browsers, behaviour: browsers.behaviour })
  app.server.on('upgrade', connect.upgrade)

  app.addHook('onRequest', async (request, reply) => {
    const endpoint = `${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`
    const inWindow = requests.record(endpoint)
    if (state.revoked) return answer(reply, 401, { statusCode: 401, message: 'Token revoked' })
    if (inWindow > state.rateLimit.max) {
      // Like GoLogin: going over the plan's rate revokes the token for good.
      state.revoked = true
      return answer(reply, 429, { statusCode: 429, message: 'Too Many Requests' })
    }
    if (request.headers.authorization !== `Bearer ${state.token}`) {
      return answer(reply, 401, { statusCode: 401, message: 'Unauthorized' })
    }
    if (state.failNext.count > 0) {
      state.failNext.count--
      return answer(reply, state.failNext.status, { statusCode: state.failNext.status, message: 'Sandbox: injected server error' })
    }
    if (state.htmlAnswers > 0) {
      state.htmlAnswers--
      return reply.code(200).type('text/html; charset=utf-8').send(CLOUDFLARE_PAGE)
    }
  })
  app.addHook('onResponse', async (_request, reply) => requests.recordStatus(reply.statusCode))

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
