/**
 * 500 malformed requests from a seeded PRNG (reproducible: FUZZ_SEED=<n> to try another run): every
 * answer must be a 4xx — never a 500, never a dropped connection — and the server must stay healthy.
 */
import net from 'node:net'
import { describe, expect, it } from 'vitest'
import { request, startHarness } from './harness'

const SEED = Number(process.env.FUZZ_SEED ?? 20_260_101)
const CASES = 500

/** mulberry32: tiny, seedable, good enough to pick test inputs. */
function prng(seed: number) {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
  const int = (max: number) => Math.floor(next() * max)
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]
  return { next, int, pick }
}
type Rng = ReturnType<typeof prng>

const ODD_STRINGS = ['', ' ', '../../etc/passwd', '..\\..\\windows', '%00', '\u0000', '<script>alert(1)</script>', "' OR 1=1 --", '{"$ne":null}', '😀'.repeat(50), 'a'.repeat(70_000), '__proto__', 'constructor', '\u202e', 'null', 'true', '-1', '1e309']

function randomString(rng: Rng): string {
  if (rng.next() < 0.4) return rng.pick(ODD_STRINGS)
  const alphabet = 'abcXYZ019_-.@/\\%$ \t"\'{}[]:,éß😀\u0000'
  return Array.from({ length: rng.int(rng.next() < 0.1 ? 2_000 : 40) }, () => alphabet[rng.int(alphabet.length)]).join('')
}

function randomJson(rng: Rng, depth = 0): unknown {
  const roll = rng.int(depth > 3 ? 5 : 8)
  switch (roll) {
    case 0: return null
    case 1: return rng.next() < 0.5
    case 2: return rng.pick([0, -1, 1.5, 1e308, -0, 2 ** 53 + 1, 123_456])
    case 3:
    case 4: return randomString(rng)
    case 5: return Array.from({ length: rng.int(5) }, () => randomJson(rng, depth + 1))
    default: {
      const keys = ['account_id', 'api_app', 'force_reauth', '__proto__', 'constructor', randomString(rng).slice(0, 20)]
      return Object.fromEntries(Array.from({ length: rng.int(5) }, () => [rng.pick(keys), randomJson(rng, depth + 1)]))
    }
  }
}

/** An authorize body that is wrong somewhere (missing, mistyped or malformed field). */
function badAuthorizeBody(rng: Rng): unknown {
  const body: Record<string, unknown> = { account_id: 'user_1', api_app: 'AIOTT1', force_reauth: false }
  const field = rng.pick(['account_id', 'api_app', 'force_reauth', 'whole'])
  if (field === 'whole') return randomJson(rng)
  if (rng.next() < 0.3 && field !== 'force_reauth') delete body[field]
  else body[field] = field === 'force_reauth' ? rng.pick(['yes', 'maybe', [], {}, 2, 'x'.repeat(10)]) : rng.pick([randomString(rng), 42_000_000_000_000_000, [], { $gt: '' }, true, null])
  if (field !== 'force_reauth' && typeof body[field] === 'string' && /^@?[A-Za-z0-9_][A-Za-z0-9_.-]{0,39}$/.test(body[field] as string)) body[field] = '../' // keep it wrong
  return body
}

function brokenJson(rng: Rng): string {
  const valid = JSON.stringify({ account_id: 'user_1', api_app: 'AIOTT1' })
  return rng.pick([
    valid.slice(0, rng.int(valid.length - 1)),
    `${valid}}`,
    '{"account_id": "user_1", "api_app": }',
    "{'account_id': 'user_1'}",
    '{"a":1,}',
    `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
    '{"__proto__": {"admin": true}, "account_id": "user_1", "api_app": "AIOTT1"}',
    '{"constructor": {"prototype": {"x": 1}}}',
    '\u0000\u0001\u0002',
    'NaN',
    '"just a string"',
    randomString(rng),
  ])
}

function safeEncode(text: string): string {
  try {
    return encodeURIComponent(text) || '%20'
  } catch {
    return '%ED%A0%80' // a lone surrogate, percent-encoded
  }
}

interface FuzzCase {
  label: string
  path: string
  method: string
  headers: Record<string, string>
  body?: string
}

function fuzzCase(rng: Rng, key: string): FuzzCase {
  const json = { 'content-type': 'application/json', 'x-api-key': key }
  const authorize = '/api/v1/authorization/authorize'
  switch (rng.int(8)) {
    case 0:
      return { label: 'bad body', path: authorize, method: 'POST', headers: json, body: JSON.stringify(badAuthorizeBody(rng)) }
    case 1:
      return { label: 'broken json', path: authorize, method: 'POST', headers: json, body: brokenJson(rng) }
    case 2: {
      const type = rng.pick(['text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', 'application/jsonx', 'image/png', 'application/json; charset=utf-16'])
      return { label: `content type ${type}`, path: authorize, method: 'POST', headers: { 'x-api-key': key, 'content-type': type }, body: JSON.stringify({ account_id: 'ghost_x', api_app: 'AIOTT1' }) }
    }
    case 3: {
      const value = rng.pick(['', 'x', key.slice(0, -1), `${key}x`, key.toUpperCase(), 'glp_'.padEnd(4_000, 'z'), 'Bearer abc', 'ünïcödé-latin1', `${key},${key}`])
      return { label: 'odd api key', path: rng.pick(['/api/v1/profiles', authorize, '/api/v1/openapi.json']), method: 'GET', headers: { 'x-api-key': value } }
    }
    case 4: {
      const segment = rng.pick(['..%2F..%2Fetc%2Fpasswd', '%2e%2e%2f%2e%2e%2f', '..%5c..%5cwindows', '%00', '%zz', 'a'.repeat(300), '%F0%9F%98%80', 'user_1%0d%0aSet-Cookie:%20x=1', '..;', '%2e%2e', 'x;rm -rf', safeEncode(randomString(rng))])
      const base = rng.pick(['/api/v1/profiles/', '/api/v1/authorization/sessions/', '/api/v1/', '/api/v1/system/'])
      return { label: `path ${base}${segment.slice(0, 30)}`, path: `${base}${segment}`, method: 'GET', headers: { 'x-api-key': key } }
    }
    case 5: {
      const query = rng.pick(['page=0', 'page=-5', 'page=abc', 'page_size=0', 'page_size=100000', 'page=1.5', 'page=1&page=2', 'page=9999999999', 'page_size=1e3', 'page=%00', 'page=&page_size=x', `page=${'9'.repeat(400)}`, `page_size=${'9'.repeat(400)}`])
      return { label: `query ${query.slice(0, 30)}`, path: `/api/v1/profiles?${query}`, method: 'GET', headers: { 'x-api-key': key } }
    }
    case 6: {
      const header = rng.pick([
        { 'x-request-id': randomString(rng).replace(/[^\x20-\x7e]/g, '').padEnd(1, '!') + ' ' + '!'.repeat(rng.int(200)) },
        { accept: 'application/xml' },
        { 'x-api-key': key, 'content-length': undefined as unknown as string },
        { 'x-forwarded-for': '1.2.3.4, <script>' },
        { 'accept-version': '99.x' },
      ])
      return { label: 'odd headers', path: rng.pick(['/api/v1/nothing', '/api/v1/profiles/ghost_y']), method: 'GET', headers: { 'x-api-key': key, ...JSON.parse(JSON.stringify(header)) } }
    }
    default:
      return { label: 'huge body', path: authorize, method: 'POST', headers: json, body: JSON.stringify({ account_id: 'user_1', api_app: 'AIOTT1', pad: 'x'.repeat(70_000 + rng.int(500_000)) }) }
  }
}

/** Raw bytes for what fetch refuses to send: broken request lines, control characters, bad lengths. */
const RAW_REQUESTS = [
  'GET /api/v1/../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n',
  'GET /api/v1/profiles HTTP/1.1\r\nHost: x\r\nX-API-Key: a\u0001b\r\n\r\n',
  'POST /api/v1/authorization/authorize HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\n{}',
  'GARBAGE\r\n\r\n',
  'GET /api/v1/profiles HTTP/9.9\r\nHost: x\r\n\r\n',
  `GET /api/v1/profiles HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
  'POST /api/v1/authorization/authorize HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\nzz\r\n{}\r\n0\r\n\r\n',
]

function rawRequest(port: number, text: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(text))
    let answer = ''
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1')
      const match = /^HTTP\/1\.1 (\d{3})/.exec(answer)
      if (match) {
        socket.destroy()
        resolve(Number(match[1]))
      }
    })
    socket.on('error', reject)
    socket.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0)))
  })
}

describe('REST API fuzz', () => {
  it(`answers ${CASES} malformed requests (seed ${SEED}) with 4xx only and stays healthy`, async () => {
    const { api, key, logs } = await startHarness({ rateLimit: { max: 1_000_000, timeWindowMs: 60_000 } })
    const rng = prng(SEED)
    const unexpected: string[] = []
    for (let i = 0; i < CASES; i++) {
      const c = fuzzCase(rng, key)
      const answer = await request(api.url, c.path, { method: c.method, headers: c.headers, rawBody: c.body, key: null })
      const envelopeOk = answer.json.success === false && answer.json.request_id === answer.headers.get('x-request-id')
      if (answer.status < 400 || answer.status >= 500 || !envelopeOk) unexpected.push(`#${i} ${c.label}: ${answer.status} ${JSON.stringify(answer.json).slice(0, 160)}`)
    }
    for (const text of RAW_REQUESTS) {
      const status = await rawRequest(api.port, text)
      if (status < 400 || status >= 500) unexpected.push(`raw ${JSON.stringify(text.slice(0, 60))}: ${status}`)
    }
    expect(unexpected).toEqual([])
    expect(logs.ring.recent().filter((e) => e.level === 'error')).toEqual([])
    const health = await request(api.url, '/api/v1/health')
    expect(health.status).toBe(200)
  })
})
