/**
 * A webhook receiver on 127.0.0.1 for the alert tests: records every POST (path and JSON body) and answers 200, or
 * what `answer` says for a path (a status per call, e.g. 500 then 200). Waits on what arrives; never sleeps.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'

export interface ReceivedHook {
  path: string
  body: Record<string, unknown>
  raw: string
  /** The status this server answered. */
  status: number
}

export interface WebhookServer {
  url: string
  received: ReceivedHook[]
  /** Answers these statuses to the next requests on `path`, in order (then 200). */
  answer(path: string, ...statuses: number[]): void
  /** Resolves with the requests on `path` once `count` of them arrived (200s only unless `all`). */
  until(path: string, count: number, options?: { all?: boolean; timeoutMs?: number }): Promise<ReceivedHook[]>
  close(): Promise<void>
}

export async function startWebhookServer(): Promise<WebhookServer> {
  const received: ReceivedHook[] = []
  const planned = new Map<string, number[]>()
  const waiters = new Set<() => void>()
  const server = http.createServer((req, res) => {
    let raw = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => (raw += chunk))
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0]
      const status = planned.get(path)?.shift() ?? 200
      let body: Record<string, unknown>
      try {
        body = JSON.parse(raw) as Record<string, unknown>
      } catch {
        body = {}
      }
      received.push({ path, body, raw, status })
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(status < 300 ? '{"ok":true}' : '{"ok":false,"description":"planned failure"}')
      for (const wake of waiters) wake()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const on = (path: string, all: boolean) => received.filter((hook) => hook.path === path && (all || hook.status < 300))
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    answer(path, ...statuses) {
      planned.set(path, [...(planned.get(path) ?? []), ...statuses])
    },
    until(path, count, options = {}) {
      const all = options.all ?? false
      if (on(path, all).length >= count) return Promise.resolve(on(path, all))
      return new Promise((resolve, reject) => {
        const wake = () => {
          if (on(path, all).length < count) return
          waiters.delete(wake)
          clearTimeout(timer)
          resolve(on(path, all))
        }
        const timer = setTimeout(() => {
          waiters.delete(wake)
          reject(new Error(`${count} webhook request(s) on ${path} did not arrive within ${options.timeoutMs ?? 20_000} ms (got ${on(path, all).length})`))
        }, options.timeoutMs ?? 20_000)
        waiters.add(wake)
      })
    },
    async close() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
