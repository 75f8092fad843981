/**
 * The whole panel on the sandbox, driven like the UI drives it: `createCore` with a started sandbox
 * (its settings overrides, SANDBOX1/SANDBOX2 and mapped profiles), requests through the router, and
 * waits on pushed events with a deadline (never sleeps). Torn down after each test.
 */
import fs from 'node:fs'
import { afterEach } from 'vitest'
import type { BatchProgress } from '../../../src/shared/contract/batches'
import type { SessionRow } from '../../../src/shared/contract/sessions'
import type { FailedEnvelope } from '../../../src/shared/envelope'
import type { EventBatch, RequestChannel, RequestInput, RequestOutput } from '../../../src/shared/ipc-contract'
import { createCore, type Core, type CoreOptions } from '../../../src/main/core'
import { startSandboxMode, type SandboxMode, type SandboxModeOptions } from '../../../src/main/sandbox'
import { tempDir } from '../../helpers/temp-dir'
import { databaseEnv } from '../../helpers/test-database'

export interface Notice {
  id: string
  level: string
  title: string
  body: string
}

export interface PanelWorld {
  core: Core
  sandbox: SandboxMode
  dataDir: string
  notices: Notice[]
  /** Every progress pushed, in order. */
  progress: BatchProgress[]
  call<C extends RequestChannel>(channel: C, input?: RequestInput<C>): Promise<RequestOutput<C>>
  /** The failed envelope of a request expected to fail. */
  failure<C extends RequestChannel>(channel: C, input?: RequestInput<C>): Promise<FailedEnvelope>
  /** The first pushed progress of the batch that matches (seen already or to come), or an error at the deadline. */
  untilProgress(batchId: string, match: (progress: BatchProgress) => boolean, timeoutMs?: number): Promise<BatchProgress>
  /** The batch's final progress (finished or cancelled). */
  untilDone(batchId: string, timeoutMs?: number): Promise<BatchProgress>
  /** Every session of the batch, through `sessions:list` pages. */
  sessionsOf(batchId: string): Promise<SessionRow[]>
  /** Chromium processes whose user-data dir lies in this world's data dir. */
  chromiumLeft(): number[]
  close(): Promise<void>
}

const worlds: PanelWorld[] = []

afterEach(async () => {
  for (const world of worlds.splice(0)) await world.close()
})

export interface PanelWorldOptions extends SandboxModeOptions {
  env?: Record<string, string>
  /** How profiles start (default the desktop app's local API). */
  launcher?: 'desktop' | 'cloud'
  /** More options of the core (shutdown bound, stop timings…). */
  core?: Partial<CoreOptions>
}

export async function panelWorld(options: PanelWorldOptions = {}): Promise<PanelWorld> {
  const dataDir = tempDir('panel-auth-')
  const sandbox = await startSandboxMode({ dataDir, behaviours: 'none', consentDelayMs: 50, ...options })
  if (options.launcher) sandbox.env.GOLOGIN_LAUNCHER = options.launcher
  let core: Core
  try {
    // The postgres test project: the core finds its database the way an operator's does, by DATABASE_URL.
    const env = { ...(await databaseEnv(dataDir)), ...options.env }
    core = await createCore({ dataDir, mode: 'browser', env, sandbox, eventWindowMs: 10, logLevel: 'info', ...options.core })
  } catch (error) {
    await sandbox.close()
    throw error
  }
  const notices: Notice[] = []
  const progress: BatchProgress[] = []
  const waiters = new Set<{ batchId: string; match: (p: BatchProgress) => boolean; resolve: (p: BatchProgress) => void }>()
  core.events.subscribe((batches: EventBatch[]) => {
    for (const batch of batches) {
      if (batch.channel === 'notice') notices.push(...(batch.items as Notice[]))
      if (batch.channel !== 'progress') continue
      for (const item of batch.items as BatchProgress[]) {
        progress.push(item)
        for (const waiter of waiters) {
          if (waiter.batchId !== item.id || !waiter.match(item)) continue
          waiters.delete(waiter)
          waiter.resolve(item)
        }
      }
    }
  })

  const dispatch = async (channel: RequestChannel, input: unknown) => core.router.dispatch(channel, input, { transport: 'test' })
  let closed: Promise<void> | null = null
  const world: PanelWorld = {
    core,
    sandbox,
    dataDir,
    notices,
    progress,
    async call(channel, input) {
      const answer = await dispatch(channel, input)
      if (!answer.success) throw Object.assign(new Error(`${channel} failed: ${answer.errorCode} ${answer.error}`), { envelope: answer })
      return answer.data as never
    },
    async failure(channel, input) {
      const answer = await dispatch(channel, input)
      if (answer.success) throw new Error(`${channel} was expected to fail`)
      return answer
    },
    untilProgress(batchId, match, timeoutMs = 120_000) {
      const seen = progress.find((p) => p.id === batchId && match(p))
      if (seen) return Promise.resolve(seen)
      return new Promise((resolve, reject) => {
        const waiter = { batchId, match, resolve: (p: BatchProgress) => (clearTimeout(timer), resolve(p)) }
        const timer = setTimeout(() => {
          waiters.delete(waiter)
          const last = progress.filter((p) => p.id === batchId).at(-1)
          reject(new Error(`batch ${batchId} did not reach the expected progress within ${timeoutMs} ms; last: ${JSON.stringify(last)}`))
        }, timeoutMs)
        waiters.add(waiter)
      })
    },
    untilDone(batchId, timeoutMs) {
      return world.untilProgress(batchId, (p) => p.state === 'finished' || p.state === 'cancelled', timeoutMs)
    },
    async sessionsOf(batchId) {
      const rows: SessionRow[] = []
      let cursor: number | undefined
      do {
        const page = await world.call('sessions:list', { batchId, limit: 100, cursor })
        rows.push(...page.rows)
        cursor = page.nextCursor ?? undefined
      } while (cursor !== undefined)
      return rows
    },
    chromiumLeft: () => chromiumUnder(dataDir),
    close() {
      closed ??= (async () => {
        await core.close()
        await sandbox.close()
      })()
      return closed
    },
  }
  worlds.push(world)
  return world
}

/** Live Chromium processes started with a user-data dir inside `dir`. */
export function chromiumUnder(dir: string): number[] {
  const found: number[] = []
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const cmdline = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8')
      const state = fs.readFileSync(`/proc/${name}/stat`, 'utf8').split(') ')[1]?.[0]
      if (cmdline.includes(`--user-data-dir=${dir}`) && state !== 'Z') found.push(Number(name))
    } catch {
      // The process ended while we looked.
    }
  }
  return found
}
