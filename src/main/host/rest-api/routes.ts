/** The `/api/v1` endpoints, as a table the server registers and the OpenAPI document describes. */
import type { FastifyRequest, FastifySchema } from 'fastify'
import { DomainException, InfrastructureException, ProfileNotFoundException, ValidationException } from '../../../shared/errors'
import type { ApiKeyRecord } from '../../services/api-keys/api-key-service'
import type { RestApiBackend } from './backend'
import { authorizeDto, profileDto, sessionDto, syncDto } from './dto'
import { ok, paged } from './envelope'
import {
  accountParams,
  authorizeBody,
  authorizeResult,
  envelopeOf,
  healthItem,
  pagedEnvelopeOf,
  pageQuery,
  profileItem,
  sessionItem,
  sessionParams,
  syncItem,
  type AuthorizeBody,
  type PageQuery,
} from './schemas'

export const API_PREFIX = '/api/v1'

export interface RouteContext {
  backend: RestApiBackend
  version: string
  /** `performance.now()` when the server started. */
  startedAt: number
  openapi(): object
}

export interface RestRoute {
  method: 'GET' | 'POST'
  url: string
  operationId: string
  summary: string
  tag: 'authorization' | 'profiles' | 'system'
  /** No API key needed (health only). */
  public?: boolean
  /** Error statuses besides 400/401/429/500, for the OpenAPI document. */
  errors?: number[]
  schema: FastifySchema
  handle(request: FastifyRequest, key: ApiKeyRecord | null, ctx: RouteContext): Promise<unknown>
}

/** ajv coerces a huge number to Infinity and lets it through its integer and maximum checks. */
function assertFinite(query: Record<string, number>): void {
  for (const [field, value] of Object.entries(query)) {
    if (!Number.isSafeInteger(value)) throw new ValidationException(`The query parameter ${field} is too large.`, { field, location: 'querystring' })
  }
}

const canReadTokens = (key: ApiKeyRecord | null) => key?.scopes.includes('tokens:read') ?? false

async function health(request: FastifyRequest, _key: ApiKeyRecord | null, ctx: RouteContext) {
  let figures
  try {
    figures = await ctx.backend.health()
  } catch (error) {
    throw new InfrastructureException('INTERNAL_ERROR', undefined, { cause: error })
  }
  return ok(request.id, {
    status: 'healthy',
    version: ctx.version,
    uptime_seconds: Math.floor((performance.now() - ctx.startedAt) / 1000),
    profiles_limit: figures.profilesLimit,
    active_profiles: figures.activeProfiles,
    pending_authorizations: figures.pendingAuthorizations,
  })
}

const healthRoute = (url: string, operationId: string): RestRoute => ({
  method: 'GET',
  url,
  operationId,
  summary: 'Liveness and load: profiles limit, active profiles, pending authorizations, uptime (no API key)',
  tag: 'system',
  public: true,
  schema: { response: { 200: envelopeOf(healthItem) } },
  handle: health,
})

export const ROUTES: RestRoute[] = [
  {
    method: 'POST',
    url: `${API_PREFIX}/authorization/authorize`,
    operationId: 'authorize',
    summary: 'Start authorizing an account for an API app; answers at once with the session to poll',
    tag: 'authorization',
    errors: [404, 409],
    schema: { body: authorizeBody, response: { 200: envelopeOf(authorizeResult) } },
    async handle(request, _key, ctx) {
      const body = request.body as AuthorizeBody
      const result = await ctx.backend.authorize({ accountId: body.account_id, apiApp: body.api_app, forceReauth: body.force_reauth })
      return ok(request.id, authorizeDto(result))
    },
  },
  {
    method: 'GET',
    url: `${API_PREFIX}/authorization/sessions/:session_id`,
    operationId: 'getSession',
    summary: 'One authorization session; tokens only for keys with the tokens:read scope',
    tag: 'authorization',
    errors: [404],
    schema: { params: sessionParams, response: { 200: envelopeOf(sessionItem) } },
    async handle(request, key, ctx) {
      const { session_id: sessionId } = request.params as { session_id: string }
      const withTokens = canReadTokens(key)
      const session = await ctx.backend.getSession(sessionId, { includeTokens: withTokens })
      if (!session) throw new DomainException('NOT_FOUND', `No authorization session ${sessionId}`, { details: { session_id: sessionId } })
      return ok(request.id, sessionDto(session, withTokens))
    },
  },
  {
    method: 'GET',
    url: `${API_PREFIX}/profiles`,
    operationId: 'listProfiles',
    summary: 'Profiles, a page at a time (pages from 1)',
    tag: 'profiles',
    schema: { querystring: pageQuery, response: { 200: pagedEnvelopeOf(profileItem) } },
    async handle(request, _key, ctx) {
      const { page, page_size: pageSize } = request.query as PageQuery
      assertFinite({ page, page_size: pageSize })
      const { items, total } = await ctx.backend.listProfiles(page, pageSize)
      return paged(request.id, items.map(profileDto), total, page, pageSize)
    },
  },
  {
    method: 'GET',
    url: `${API_PREFIX}/profiles/:account_id`,
    operationId: 'getProfile',
    summary: 'One profile, by X username (case-insensitive) or GoLogin profile id',
    tag: 'profiles',
    errors: [404],
    schema: { params: accountParams, response: { 200: envelopeOf(profileItem) } },
    async handle(request, _key, ctx) {
      const { account_id: accountId } = request.params as { account_id: string }
      const profile = await ctx.backend.getProfile(accountId)
      if (!profile) throw new ProfileNotFoundException(accountId)
      return ok(request.id, profileDto(profile))
    },
  },
  {
    method: 'POST',
    url: `${API_PREFIX}/profiles/sync`,
    operationId: 'syncProfiles',
    summary: 'Start a profile sync from GoLogin (or join the one running); answers its progress at once',
    tag: 'profiles',
    errors: [409],
    schema: { response: { 200: envelopeOf(syncItem) } },
    async handle(request, _key, ctx) {
      return ok(request.id, syncDto(await ctx.backend.syncProfiles()))
    },
  },
  healthRoute(`${API_PREFIX}/system/health`, 'systemHealth'),
  healthRoute(`${API_PREFIX}/health`, 'health'),
  {
    method: 'GET',
    url: `${API_PREFIX}/openapi.json`,
    operationId: 'openapi',
    summary: 'This API’s OpenAPI 3.1 document',
    tag: 'system',
    schema: {},
    async handle(_request, _key, ctx) {
      return ctx.openapi()
    },
  },
]

export const PUBLIC_URLS: ReadonlySet<string> = new Set(ROUTES.filter((route) => route.public).map((route) => route.url))
