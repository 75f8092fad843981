/** The OpenAPI 3.1 document of the REST API, built from the very route table and schemas the server uses. */
import type { RestRoute } from './routes'
import { errorEnvelope } from './schemas'

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request (the error names the field)',
  401: 'X-API-Key missing, unknown or revoked',
  404: 'Not found',
  409: 'The account is already being authorized',
  413: 'Body too large',
  415: 'Content-Type is not application/json',
  429: 'Rate limit exceeded; see Retry-After',
  500: 'Internal error (details in the panel’s log)',
}

interface ObjectSchema {
  properties?: Record<string, Record<string, unknown>>
  required?: readonly string[]
}

function parameters(schema: unknown, where: 'path' | 'query') {
  const object = (schema ?? {}) as ObjectSchema
  return Object.entries(object.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || (object.required ?? []).includes(name),
    schema: property,
  }))
}

function operation(route: RestRoute) {
  const errorRef = { content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorEnvelope' } } } }
  const statuses = [400, ...(route.public ? [] : [401]), ...(route.errors ?? []), ...(route.method === 'POST' ? [413, 415] : []), 429, 500]
  const responses: Record<string, unknown> = {
    200: { description: 'OK', content: { 'application/json': { schema: (route.schema.response as Record<number, unknown> | undefined)?.[200] ?? { type: 'object' } } } },
  }
  for (const status of [...new Set(statuses)].sort()) responses[status] = { description: ERROR_DESCRIPTIONS[status], ...errorRef }
  return {
    operationId: route.operationId,
    summary: route.summary,
    tags: [route.tag],
    security: route.public ? [] : [{ apiKey: [] }],
    parameters: [
      ...parameters(route.schema.params, 'path'),
      ...parameters(route.schema.querystring, 'query'),
      { name: 'X-Request-ID', in: 'header', required: false, schema: { type: 'string', pattern: '^[\\w.:-]{1,100}$' }, description: 'Echoed back; created when absent' },
    ],
    ...(route.schema.body ? { requestBody: { required: true, content: { 'application/json': { schema: route.schema.body } } } } : {}),
    responses,
  }
}

export function buildOpenApi(routes: readonly RestRoute[], info: { version: string; serverUrl: string; rateLimit: string }) {
  const paths: Record<string, Record<string, unknown>> = {}
  for (const route of routes) {
    const path = route.url.replace(/:(\w+)/g, '{$1}')
    paths[path] = { ...paths[path], [route.method.toLowerCase()]: operation(route) }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'GoLogin Automation Panel — local REST API',
      version: info.version,
      description: `The origin service’s /api/v1 endpoints. Every endpoint but health needs an X-API-Key (Settings → Local API). Rate limit: ${info.rateLimit}.`,
    },
    servers: [{ url: info.serverUrl }],
    paths,
    components: {
      securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' } },
      schemas: { ErrorEnvelope: errorEnvelope },
    },
  }
}
