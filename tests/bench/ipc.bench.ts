import { createCore } from '../../src/main/core'
import { EventHub } from '../../src/main/ipc/event-hub'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { benchmark, type Metrics } from './harness'

/** Cost of one request through the router (validation + envelope), and of batching 100,000 pushed items. */
export async function run(): Promise<Metrics> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-ipc-'))
  const core = await createCore({ dataDir, mode: 'browser', logLevel: 'warn' })
  try {
    const n = 20_000
    const started = performance.now()
    for (let i = 0; i < n; i++) await core.router.dispatch('system:info', {}, { transport: 'test' })
    const perRequestUs = ((performance.now() - started) * 1000) / n

    const hub = new EventHub(150)
    let items = 0
    hub.subscribe((batches) => batches.forEach((b) => (items += b.items.length)))
    const pushStarted = performance.now()
    for (let i = 0; i < 100_000; i++) hub.emit('logs', { seq: i, ts: '', level: 'info', scope: 'b', event: 'e' })
    hub.flush()
    const pushMs = performance.now() - pushStarted
    if (items !== 100_000) throw new Error(`event hub lost items: ${items}`)
    return {
      'ipc.dispatch.per_request_us': { value: perRequestUs, unit: 'us' },
      'ipc.events.push100k.ms': { value: pushMs, unit: 'ms' },
    }
  } finally {
    await core.close()
    fs.rmSync(dataDir, { recursive: true, force: true })
  }
}

benchmark('ipc', run)
