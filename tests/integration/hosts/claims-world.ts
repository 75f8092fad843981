/**
 * Several hosts of one PostgreSQL database in this process, authorizing against one sandbox (X and GoLogin's
 * cloud browser): each host a whole core (`createCore`) with its own data folder, pools, slots (`hostSlots`)
 * and claims, sharing only what separate machines would — the database, the data key (one key folder, as an
 * imported key would be) and the sandbox, which each host reaches by an entrance of its own, so the sandbox
 * counts from the outside which host ran which profile. Closed after each test.
 */
import { afterEach } from 'vitest'
import { createCore, type Core, type CoreOptions } from '../../../src/main/core'
import { prepareSandboxData, startSandboxMode, type SandboxMode, type SandboxModeOptions } from '../../../src/main/sandbox'
import { FileKeyStore } from '../../../src/main/security/file-key-store'
import { tempDir } from '../../helpers/temp-dir'
import { freshPostgresUrl } from '../../helpers/test-database'

export interface ClaimHost {
  id: string
  core: Core
  dataDir: string
  close(): Promise<void>
}

export interface ClaimWorld {
  sandbox: SandboxMode
  databaseUrl: string
  keyDir: string
  /** Starts a host (`prepare`: it also writes the sandbox's API apps and mapped profiles, as the first host does). */
  /** `databaseUrl`: this host's way to the database (a fault proxy's), default the world's; `env`: more of its environment. */
  host(id: string, options?: { slots?: number; prepare?: boolean; databaseUrl?: string; env?: Record<string, string>; core?: Partial<CoreOptions> }): Promise<ClaimHost>
  close(): Promise<void>
}

const worlds: ClaimWorld[] = []

afterEach(async () => {
  for (const world of worlds.splice(0)) await world.close()
})

export async function claimWorld(
  options: { consentDelayMs?: number; leaseMs?: number; captureGraceMs?: number; sandbox?: Partial<SandboxModeOptions> } = {},
): Promise<ClaimWorld> {
  const sandbox = await startSandboxMode({ dataDir: tempDir('claims-sandbox-'), behaviours: 'none', consentDelayMs: options.consentDelayMs ?? 50, sharedBrowser: true, ...options.sandbox })
  const hosts: ClaimHost[] = []
  const databaseUrl = await freshPostgresUrl()
  const keyDir = tempDir('claims-keys-')
  let closing: Promise<void> | null = null
  const world: ClaimWorld = {
    sandbox,
    databaseUrl,
    keyDir,
    async host(id, hostOptions = {}) {
      const entrance = await sandbox.gologin.openEntrance(id)
      const dataDir = tempDir(`${id}-`)
      const core = await createCore({
        dataDir,
        mode: 'browser',
        env: {
          ...sandbox.env,
          DATABASE_URL: hostOptions.databaseUrl ?? databaseUrl,
          GOLOGIN_API_URL: entrance.apiUrl,
          GOLOGIN_CLOUD_BROWSER_URL: entrance.cloudBrowserUrl,
          GOLOGIN_LAUNCHER: 'cloud',
          PROFILE_SYNC_INTERVAL: '0',
          ...hostOptions.env,
        },
        sandbox: null,
        hostId: id,
        hostSlots: hostOptions.slots ?? 2,
        // Long enough that a live host's lease never lapses on a loaded machine (the expiry test sets a short one).
        claimLeaseMs: options.leaseMs ?? 20_000,
        // A dead host's attempts on the consent page come back soon after their lease (production waits longer).
        captureGraceMs: options.captureGraceMs ?? 2_000,
        keyStore: new FileKeyStore({ dir: keyDir }),
        eventWindowMs: 10,
        logLevel: 'warn',
        shutdownTimeoutMs: 5_000,
        ...hostOptions.core,
      })
      if (hostOptions.prepare) await prepareSandboxData(sandbox, { dataSource: core.db.dataSource, apiApps: core.apiApps })
      let closed: Promise<void> | null = null
      const host: ClaimHost = { id, core, dataDir, close: () => (closed ??= core.close()) }
      hosts.push(host)
      return host
    },
    close() {
      closing ??= (async () => {
        await Promise.all(hosts.map((host) => host.close()))
        await sandbox.close()
      })()
      return closing
    },
  }
  worlds.push(world)
  return world
}

export interface SessionFacts {
  session_id: string
  profile_id: string
  status: string
  step: string | null
  claimed_by: string | null
  lease_until: unknown
  claims: number
  requeues: number
}

/** The batch's sessions as the database holds them. */
export async function sessionsOf(host: ClaimHost, batchId: string): Promise<SessionFacts[]> {
  return host.core.db.dataSource.query(
    `SELECT session_id, profile_id, status, step, claimed_by, lease_until, claims, requeues FROM authorization_sessions WHERE batch_id = ? ORDER BY id`,
    [batchId],
  )
}

/** Resolves once `check` holds, polling every 50 ms; fails with `what` after `timeoutMs`. */
export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting until ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
