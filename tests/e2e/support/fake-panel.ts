/**
 * The built renderer served by the real browser-mode web host, over the real router and event hub,
 * with the fake backend behind the request channels (see fake-backend.ts).
 */
import path from 'node:path'
import { logsHandlers } from '../../../src/main/handlers/logs'
import { systemHandlers } from '../../../src/main/handlers/system'
import { startWebHost, type WebHost } from '../../../src/main/host/web-server'
import { EventHub } from '../../../src/main/ipc/event-hub'
import { Router, type HandlerMap } from '../../../src/main/ipc/router'
import { LogSystem } from '../../../src/main/logging/logger'
import { FILE_PROTECTION } from '../../../src/main/security/key-store'
import type { Core } from '../../../src/main/core'
import { createFakeBackend, type FakeBackendOptions } from './fake-backend'

const RENDERER_DIR = path.resolve(import.meta.dirname, '../../../out/renderer')

export interface FakePanel {
  url: string
  host: WebHost
  backend: ReturnType<typeof createFakeBackend>
  close(): Promise<void>
}

export async function startFakePanel(options: FakeBackendOptions & { dataDir: string }): Promise<FakePanel> {
  const logs = new LogSystem({ dir: null, level: 'info' })
  const events = new EventHub(100)
  const stopLogs = logs.ring.subscribe((entry) => events.emit('logs', entry))
  const backend = createFakeBackend(events, logs, options)
  const info = { appVersion: '0.0.0-fake', mode: 'browser' as const, dataDir: options.dataDir, logFile: '', platform: `${process.platform}-${process.arch}`, startedAt: new Date().toISOString(), dataKey: { ...FILE_PROTECTION, keyId: '000000000000' }, sandbox: null, restart: null }
  const handlers = { ...systemHandlers(info, logs.logger('system')), ...logsHandlers(logs), ...backend.handlers } as HandlerMap
  const router = new Router(handlers, logs.logger('ipc'))
  const core = { router, events, logs, info } as unknown as Core
  const host = await startWebHost({ core, rendererDir: RENDERER_DIR, port: 0 })
  return {
    url: host.url,
    host,
    backend,
    async close() {
      backend.close()
      await host.close()
      stopLogs()
      events.close()
    },
  }
}
