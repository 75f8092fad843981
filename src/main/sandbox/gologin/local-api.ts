/**
 * The GoLogin desktop app's local API stand-in: `POST /browser/start-profile` launches a real
 * Chromium for the profile, `POST /browser/stop-profile` kills it.
 */
import Fastify, { type FastifyInstance } from 'fastify'
import type { ProfileBrowsers } from './browsers'
import type { SandboxProfile, SandboxProfileBehaviour } from './profiles'
import type { RequestLog } from './request-log'

export interface LocalApiDeps {
  browsers: ProfileBrowsers
  requests: RequestLog
  profile(profileId: string): SandboxProfile | undefined
  behaviour(profileId: string): SandboxProfileBehaviour
}

interface ProfileBody {
  profileId?: unknown
  sync?: unknown
}

export function createLocalApi(deps: LocalApiDeps): FastifyInstance {
  const app = Fastify({ logger: false })

  app.addHook('onRequest', async (request) => {
    deps.requests.record(`${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`)
  })
  app.addHook('onResponse', async (_request, reply) => deps.requests.recordStatus(reply.statusCode))

  app.post<{ Body: ProfileBody }>('/browser/start-profile', async (request, reply) => {
    const profileId = request.body?.profileId
    if (typeof profileId !== 'string' || !profileId) return reply.code(400).send({ status: 'error', message: 'profileId is required' })
    const profile = deps.profile(profileId)
    if (!profile) return reply.code(404).send({ status: 'error', message: `Profile ${profileId} not found` })
    try {
      const wsUrl = await deps.browsers.start(profile, deps.behaviour(profileId))
      return { status: 'success', wsUrl }
    } catch (error) {
      return reply.code(500).send({ status: 'error', message: error instanceof Error ? error.message : String(error) })
    }
  })

  app.post<{ Body: ProfileBody }>('/browser/stop-profile', async (request, reply) => {
    const profileId = request.body?.profileId
    if (typeof profileId !== 'string' || !profileId) return reply.code(400).send({ status: 'error', message: 'profileId is required' })
    try {
      await deps.browsers.stop(profileId, deps.behaviour(profileId))
      return reply.code(204).send()
    } catch (error) {
      return reply.code(500).send({ status: 'error', message: error instanceof Error ? error.message : String(error) })
    }
  })

  return app
}
