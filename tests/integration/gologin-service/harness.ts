import { afterEach, expect } from 'vitest'
import { createCore, type Core, type CoreOptions } from '../../../src/main/core'
import { startGoLoginSandbox, type GoLoginSandbox, type GoLoginSandboxOptions } from '../../../src/main/sandbox/gologin'
import type { Envelope } from '../../../src/shared/envelope'
import type { RequestChannel, RequestInput, RequestOutput } from '../../../src/shared/ipc-contract'
import type { SyncProgress } from '../../../src/shared/contract/profiles'
import { tempDir } from '../../helpers/temp-dir'
import { databaseEnv } from '../../helpers/test-database'

/** Two API apps defined the way an operator would (environment variables of the origin service). */
export const API_APP_ENV = {
  AIOTT1_CLIENT_ID: 'client-one',
  AIOTT1_CLIENT_SECRET: 'secret-one-xxxxxxxx',
  AIOTT1_CALLBACK_URL: 'http://127.0.0.1:8080/callback',
  AIOTT2_CLIENT_ID: 'client-two',
  AIOTT2_CLIENT_SECRET: 'secret-two-xxxxxxxx',
  AIOTT2_CALLBACK_URL: 'http://127.0.0.1:8080/callback',
}

const opened: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const close of opened.splice(0).reverse()) await close()
})

export interface Panel {
  core: Core
  sandbox: GoLoginSandbox
  /** Every item pushed on `channel` so far, in order (pending batches are flushed first). */
  pushed(channel: string): unknown[]
  call<C extends RequestChannel>(channel: C, input?: RequestInput<C>): Promise<RequestOutput<C>>
  envelope<C extends RequestChannel>(channel: C, input?: RequestInput<C>): Promise<Envelope<unknown>>
  /** Starts a sync through the request channel and waits for it to end (as the UI does). */
  syncAndWait(): Promise<SyncProgress>
}

/** A GoLogin sandbox and a panel (real SQLite in a temp dir, or PostgreSQL) pointed at it; both closed after the test. */
export async function startPanel(
  options: { sandbox?: GoLoginSandboxOptions; env?: Record<string, string>; core?: Partial<CoreOptions>; withToken?: boolean } = {},
): Promise<Panel> {
  const sandbox = await startGoLoginSandbox({ profiles: 90, ...options.sandbox })
  opened.push(() => sandbox.close())
  // Automatic sync off: each test decides when a sync runs (and counts its requests).
  const dataDir = tempDir()
  const env: Record<string, string> = { GOLOGIN_API_URL: sandbox.apiUrl, PROFILE_SYNC_INTERVAL: '0', ...API_APP_ENV, ...(await databaseEnv(dataDir)), ...options.env }
  if (options.withToken !== false) env.GOLOGIN_TOKEN = sandbox.token
  const core = await createCore({ dataDir, mode: 'browser', env, eventWindowMs: 5, logLevel: 'warn', ...options.core })
  opened.push(() => core.close())
  const pushed = new Map<string, unknown[]>()
  core.events.subscribe((batches) => {
    for (const batch of batches) pushed.set(batch.channel, [...(pushed.get(batch.channel) ?? []), ...batch.items])
  })

  const envelope = <C extends RequestChannel>(channel: C, input?: RequestInput<C>) => core.router.dispatch(channel, input, { transport: 'test' })
  const call = async <C extends RequestChannel>(channel: C, input?: RequestInput<C>): Promise<RequestOutput<C>> => {
    const answer = await envelope(channel, input)
    if (!answer.success) throw Object.assign(new Error(answer.error ?? 'failed'), { code: answer.errorCode, details: (answer as { details?: unknown }).details })
    return answer.data as RequestOutput<C>
  }
  return {
    core,
    sandbox,
    pushed: (channel) => {
      core.events.flush()
      return pushed.get(channel) ?? []
    },
    call,
    envelope,
    async syncAndWait() {
      const started = await call('profiles:sync', {})
      expect(started.running).toBe(true)
      await core.gologinService.syncProfiles().catch(() => undefined)
      return call('profiles:syncStatus', {})
    },
  }
}

/** Inserts an authorization attempt row directly (the batch runner is another part of the panel). */
export async function insertSession(
  core: Core,
  row: {
    profileId: string
    status: string
    errorCode?: string | null
    createdAt: string
    startedAt?: string | null
    completedAt?: string | null
    expiresAt?: string | null
    tokenStatus?: string | null
    apiApp?: string
    username?: string
    /** A refresh token is stored (a placeholder: only its presence is read). */
    refreshable?: boolean
    /** Pass-through: delivered to the app's own callback. */
    delivered?: boolean
  },
): Promise<void> {
  await core.db.dataSource.query(
    `INSERT INTO authorization_sessions (session_id, profile_id, twitter_username, api_app, status, error_code, created_at, started_at, completed_at, expires_at, token_status,
       refresh_token, delivered_to_callback)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      crypto.randomUUID(),
      row.profileId,
      row.username ?? null,
      row.apiApp ?? 'AIOTT1',
      row.status,
      row.errorCode ?? null,
      row.createdAt,
      row.startedAt ?? null,
      row.completedAt ?? null,
      row.expiresAt ?? null,
      row.tokenStatus ?? null,
      row.refreshable ? 'placeholder-not-a-token' : null,
      row.delivered === undefined ? null : row.delivered ? 1 : 0,
    ],
  )
}
