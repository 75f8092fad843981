/**
 * Headless worker host (`npm run worker -- --data-dir DIR --database-url-file FILE [--slots N]`): the
 * same composition root as the desktop app and browser mode, with no window and no web server. It joins a
 * shared PostgreSQL database, claims pending authorizations of every panel's batches, runs them in its own
 * profile slots against its own GoLogin desktop app (or the cloud launcher, as the shared settings say),
 * and reports through the database: any panel on it shows this host's sessions, slots and logs summary.
 * Prints `WORKER_READY host=… slots=…` on stdout once it claims work; its log goes to stderr.
 * SIGINT/SIGTERM (also during start-up): running attempts go back to the queue for the other hosts, every
 * profile it started is stopped, then it exits.
 */
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createCore, type Core } from '../core'
import { DATABASE_FILE_NAME } from '../db/data-source'
import { resolveDatabaseChoice } from '../db/database-config'
import { describePostgresUrl } from '../db/postgres'
import { FileKeyStore } from '../security/file-key-store'
import { ensurePrivateDir } from '../security/private-files'
import { takeSecretEnvironment } from '../security/secret-environment'
import { keyCandidates, SqliteCopy } from '../services/hosts/sqlite-copy'
import { openDatabase, type Database } from '../db'
import { LogSystem } from '../logging/logger'
import { wantsHelp } from './args'
import { startProbeServer, type ProbeServer } from './probes'
import { parseWorkerArgs, readDatabaseUrlFile, WORKER_HELP, type WorkerArgs } from './worker-args'

/** How long a stop may take before the process exits anyway (the core's own shutdown, with a code exchange it waits for, is bounded below it). */
const FORCE_EXIT_MS = 60_000

async function main(): Promise<void> {
  if (wantsHelp(process.argv.slice(2))) {
    process.stdout.write(`${WORKER_HELP}\n`)
    process.exit(0)
  }
  let args: WorkerArgs
  try {
    args = parseWorkerArgs(process.argv.slice(2))
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`)
    process.exit(2)
  }
  // The secrets of the environment leave process.env here (children never see them); the core reads this copy.
  const env = takeSecretEnvironment()
  let urlFileWarning: string | null = null
  try {
    if (args.databaseUrlFile) ({ url: env.DATABASE_URL, warning: urlFileWarning } = readDatabaseUrlFile(args.databaseUrlFile))
    else if (args.databaseUrl) env.DATABASE_URL = args.databaseUrl
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`)
    process.exit(2)
  }
  ensurePrivateDir(args.dataDir)
  const choice = resolveDatabaseChoice(args.dataDir, env)
  if (!choice.url) {
    process.stderr.write(
      'A worker host joins a shared PostgreSQL database and found none: pass --database-url-file FILE (the URL in a 0600 file), ' +
        `set DATABASE_URL, pass --database-url postgres://user@host:5432/db with the password in ~/.pgpass, or write ${path.join(args.dataDir, 'database.json')}. ` +
        '(One machine on SQLite needs no worker: its panel runs the authorizations.)\n',
    )
    process.exit(2)
  }
  if (args.copyFromSqlite) return copyAndExit(args, choice.url, args.copyFromSqlite, urlFileWarning)
  const here = path.dirname(fileURLToPath(import.meta.url))
  const { version } = JSON.parse(fs.readFileSync(path.resolve(here, '../../package.json'), 'utf8')) as { version: string }
  // Signals are handled from here on: one that comes while the core starts stops it as soon as it is up.
  let core: Core | null = null
  // Up before the core: /health answers and /ready says "starting" while it joins the database.
  let probeServer: ProbeServer | null = null
  if (args.metricsPort !== null) {
    const log = new LogSystem({ dir: null, console: true, level: args.logLevel }).logger('worker')
    try {
      probeServer = await startProbeServer({ host: args.metricsHost, port: args.metricsPort, probes: () => core?.probes ?? null, log })
    } catch (error) {
      process.stderr.write(`--metrics-port ${args.metricsPort} on ${args.metricsHost} could not be opened (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); nothing was started\n`)
      process.exit(2)
    }
    process.stdout.write(`METRICS_URL=${probeServer.url}\n`)
  }
  let stopRequested: string | null = null
  let stopping = false
  const stop = async (signal: string) => {
    if (!core) return void (stopRequested ??= signal)
    if (stopping) return
    stopping = true
    core.logs.logger('worker').info('worker.stopping', { signal }, `Worker stopping (${signal}): running attempts are handed back and their profiles stopped`)
    const force = setTimeout(() => process.exit(1), FORCE_EXIT_MS)
    force.unref()
    await core.close()
    await probeServer?.close()
    process.exit(0)
  }
  process.on('SIGINT', () => void stop('SIGINT'))
  process.on('SIGTERM', () => void stop('SIGTERM'))

  core = await createCore({
    dataDir: args.dataDir,
    mode: 'worker',
    appVersion: version,
    env,
    hostId: args.hostId,
    hostSlots: args.slots ?? undefined,
    logToConsole: true,
    logLevel: args.logLevel,
    sandbox: null,
  })
  if (stopRequested) return stop(stopRequested)
  if (urlFileWarning) core.logs.logger('worker').warn('worker.database_url_file_shared', { file: args.databaseUrlFile }, urlFileWarning)
  // The option, else host.json, else the shared setting (the core decides).
  const slots = core.gologin.slots.figures().maxConcurrent
  core.logs.logger('worker').info('worker.ready', { hostId: args.hostId, slots }, `Worker ${args.hostId} joined ${describePostgresUrl(choice.url)} with ${slots} slot(s)`)
  process.stdout.write(`WORKER_READY host=${args.hostId} slots=${slots}\n`)
}

/**
 * `--copy-from-sqlite DIR`: that folder's SQLite file into the shared database, opened with DIR's key or a backup of
 * it; the database is opened with this worker's key (start the worker once first when it is new), and no work is claimed.
 */
async function copyAndExit(args: WorkerArgs, url: string, dir: string, urlFileWarning: string | null): Promise<never> {
  const logs = new LogSystem({ dir: path.join(args.dataDir, 'logs'), level: args.logLevel, console: true })
  const log = logs.logger('worker')
  if (urlFileWarning) log.warn('worker.database_url_file_shared', { file: args.databaseUrlFile }, urlFileWarning)
  let code = 0
  let db: Database | null = null
  try {
    const keyStore = new FileKeyStore({ dir: args.dataDir, log: logs.logger('keystore') })
    db = await openDatabase({ dataDir: args.dataDir, keyStore, log, databaseUrl: url, poolSize: 2 })
    const targetKey = await keyStore.loadOrCreateDataKey()
    const sourceKeys = () => keyCandidates(new FileKeyStore({ dir, log: logs.logger('keystore') }), null)
    const report = await new SqliteCopy({ file: path.join(dir, DATABASE_FILE_NAME), sourceKeys, target: db, targetKey, log }).copy()
    process.stdout.write(`COPIED ${JSON.stringify(report)}\n`)
  } catch (error) {
    log.error('worker.copy_failed', { err: error }, 'Copying the SQLite file failed')
    process.stderr.write(`Nothing was copied: ${(error as Error).message}\n`)
    code = 1
  }
  await db?.close().catch(() => undefined)
  process.exit(code)
}

main().catch((error) => {
  process.stderr.write(`The worker failed to start: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exit(1)
})
