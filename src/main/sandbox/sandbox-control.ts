/**
 * The sandbox's HTTP control endpoint on 127.0.0.1, for end-to-end tests and the curious operator:
 *   GET  /__sandbox/stats      running browsers, callback hits, tokens issued/revoked, request counts
 *   GET  /__sandbox/accounts   every sandbox account with its profile, app and behaviour
 *   POST /__sandbox/behaviour  {"username"|"profileId", "behaviour"} — e.g. fix a failed account before "Retry failed"
 *   POST /__sandbox/remove-profiles  {"profileIds": [...]} — deletes profiles from the GoLogin account (the next sync marks them inactive)
 * JSON bodies only (a plain form post from a web page cannot reach it).
 */
import type { AddressInfo } from 'node:net'
import Fastify from 'fastify'
import { z } from 'zod'
import { SANDBOX_BEHAVIOURS } from './sandbox-behaviours'
import type { SandboxMode } from './sandbox-mode'

export interface SandboxControl {
  /** Base URL; the routes live under `/__sandbox/`. */
  url: string
  close(): Promise<void>
}

const behaviourBody = z
  .object({
    username: z.string().trim().min(1).max(50).optional(),
    profileId: z.string().trim().min(1).max(100).optional(),
    behaviour: z.enum(SANDBOX_BEHAVIOURS),
  })
  .strict()
  .refine((body) => Boolean(body.username) !== Boolean(body.profileId), 'give either username or profileId')

const removeBody = z.object({ profileIds: z.array(z.string().trim().min(1).max(100)).min(1).max(1_000) }).strict()

export async function startSandboxControl(sandbox: Pick<SandboxMode, 'stats' | 'accounts' | 'setBehaviour' | 'gologin'>): Promise<SandboxControl> {
  const app = Fastify({ logger: false, forceCloseConnections: true })
  app.get('/__sandbox/stats', async () => sandbox.stats())
  app.get('/__sandbox/accounts', async () => sandbox.accounts())
  app.post('/__sandbox/behaviour', async (request, reply) => {
    const parsed = behaviourBody.safeParse(request.body)
    if (!parsed.success) {
      return reply.status(400).send({ error: parsed.error.issues[0]?.message ?? 'invalid body', behaviours: SANDBOX_BEHAVIOURS })
    }
    const { username, profileId, behaviour } = parsed.data
    const known = sandbox.accounts().some((a) => (profileId ? a.profileId === profileId : a.username.toLowerCase() === username!.replace(/^@/, '').toLowerCase()))
    if (!known) return reply.status(404).send({ error: `No sandbox account ${profileId ?? username}` })
    return sandbox.setBehaviour({ username, profileId }, behaviour)
  })
  app.post('/__sandbox/remove-profiles', async (request, reply) => {
    const parsed = removeBody.safeParse(request.body)
    if (!parsed.success) return reply.status(400).send({ error: parsed.error.issues[0]?.message ?? 'invalid body' })
    const known = new Set(sandbox.gologin.profiles().map((profile) => profile.id))
    const unknown = parsed.data.profileIds.filter((id) => !known.has(id))
    if (unknown.length) return reply.status(404).send({ error: `No sandbox profile ${unknown.join(', ')}` })
    sandbox.gologin.removeProfiles(parsed.data.profileIds)
    return { removed: parsed.data.profileIds.length }
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}`, close: () => app.close() }
}
