/**
 * Several hosts of one database in this process: each a whole core (`createCore`) with its own data folder,
 * pool, budget client and settings, sharing only the database, the data key (one key file, as an imported
 * key would be) and the GoLogin sandbox, which each reaches by an entrance of its own so the sandbox can
 * tell their requests apart. Closed after each test.
 */
import { afterEach } from 'vitest'
import type { EventBatch } from '../../../src/shared/ipc-contract'
import { createCore, type Core, type CoreOptions } from '../../../src/main/core'
import type { GoLoginSandbox } from '../../../src/main/sandbox/gologin'
import { FileKeyStore } from '../../../src/main/security/file-key-store'
import { tempDir } from '../../helpers/temp-dir'

export interface Notice {
  id: string
  level: string
  title: string
  body: string
}

export interface Host {
  id: string
  core: Core
  dataDir: string
  /** The sandbox entrance this host's GoLogin requests come in by (its label is the host id). */
  apiUrl: string
  notices: Notice[]
  close(): Promise<void>
}

const open: Host[] = []

afterEach(async () => {
  await Promise.all(open.splice(0).map((host) => host.close()))
})

export interface HostOptions {
  id: string
  sandbox: GoLoginSandbox
  /** The key folder every host of the database shares. */
  keyDir: string
  /** DATABASE_URL (null: SQLite in the host's own folder). */
  databaseUrl: string | null
  /** Put the sandbox's token in the environment (default), or leave the token to Settings. */
  tokenFromEnv?: boolean
  /** A data folder to reuse (a restart); default a new one. */
  dataDir?: string
  env?: Record<string, string>
  core?: Partial<CoreOptions>
}

export async function startHost(options: HostOptions): Promise<Host> {
  const { id, sandbox } = options
  const entrance = await sandbox.openEntrance(id)
  const dataDir = options.dataDir ?? tempDir(`${id}-`)
  const env: Record<string, string> = {
    ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
    ...(options.tokenFromEnv === false ? {} : { GOLOGIN_TOKEN: sandbox.token }),
    GOLOGIN_API_URL: entrance.apiUrl,
    GOLOGIN_CLOUD_BROWSER_URL: entrance.cloudBrowserUrl,
    GOLOGIN_LAUNCHER: 'cloud',
    // No background sync: the tests say when each host calls GoLogin.
    PROFILE_SYNC_INTERVAL: '0',
    ...options.env,
  }
  const core = await createCore({
    dataDir,
    mode: 'browser',
    env,
    sandbox: null,
    hostId: id,
    keyStore: new FileKeyStore({ dir: options.keyDir }),
    eventWindowMs: 10,
    logLevel: 'warn',
    gologinSharedPollMs: 100,
    shutdownTimeoutMs: 3_000,
    ...options.core,
  })
  const notices: Notice[] = []
  core.events.subscribe((batches: EventBatch[]) => {
    for (const batch of batches) if (batch.channel === 'notice') notices.push(...(batch.items as Notice[]))
  })
  let closed: Promise<void> | null = null
  const host: Host = {
    id,
    core,
    dataDir,
    apiUrl: entrance.apiUrl,
    notices,
    close: () => (closed ??= core.close()),
  }
  open.push(host)
  return host
}

/** Resolves once `check` holds, polling every 20 ms; fails with `what` after `timeoutMs`. */
export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting until ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
