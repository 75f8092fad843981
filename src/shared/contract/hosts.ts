import { z } from 'zod'
import { event, request, returns } from './define'

/**
 * This host's local REST API (`host.json`, never a shared setting: each host decides whether it listens, and where).
 * Not loopback means reachable from other machines, over plain HTTP.
 */
export const restApiExposureSchema = z
  .object({
    enabled: z.boolean({ error: 'must be on or off' }),
    host: z
      .string({ error: 'must be text' })
      .trim()
      .min(1, 'must not be empty')
      .max(253, 'is too long')
      .regex(/^[A-Za-z0-9.:[\]-]+$/, 'must be a host name or IP address'),
    port: z.number({ error: 'must be a number' }).int('must be a whole number').min(0, 'must be 0 to 65535').max(65_535, 'must be 0 to 65535'),
  })
  .strict()

export type RestApiExposure = z.output<typeof restApiExposureSchema>

export const DEFAULT_REST_API_EXPOSURE: RestApiExposure = Object.freeze({ enabled: false, host: '127.0.0.1', port: 8_000 })

export interface RestApiStatus {
  /** As `host.json` says (the defaults when it cannot be read: see `problem`). */
  exposure: RestApiExposure
  /** The running server's URL, or null when it is off or could not start. */
  url: string | null
  /** Why it is not running as configured (host.json unreadable, port in use…), in words. */
  problem: string | null
}

/** Where the database choice came from: the environment, `database.json` in the data folder, or neither (SQLite). */
export type DatabaseChoiceSource = 'DATABASE_URL' | 'database.json' | 'default'

export interface DatabaseLocation {
  kind: 'sqlite' | 'postgres'
  /** The SQLite file's path, or the PostgreSQL URL without its password. */
  location: string
  source: DatabaseChoiceSource
  /** PostgreSQL on another machine without a verified TLS connection (sslmode=verify-full): why it cannot be trusted. */
  warning: string | null
}

export interface HostDatabaseStatus {
  /** What this panel runs on now. */
  current: DatabaseLocation
  /** What the next start will use (database.json as it is now). */
  next: DatabaseLocation
  /** database.json cannot be read (its message): the next start would fail; going back to SQLite removes it. */
  nextProblem: string | null
  /** `next` differs from `current`: a restart applies it. */
  restartRequired: boolean
  /** DATABASE_URL is set: it decides, and this host's choice cannot be changed from the panel. */
  lockedByEnv: boolean
  /** The desktop app can restart itself; browser mode cannot. */
  canRelaunch: boolean
  /** Profiles this host runs at once (`host.json`): null follows the shared setting `sharedSlots`. */
  slots: number | null
  sharedSlots: number
  /** `host.json` could not be read (its message). */
  slotsProblem: string | null
  /**
   * On PostgreSQL: this machine's SQLite file (`panel.db`), left as it was on joining — its data can be copied into
   * the shared database (`hosts:copyPreview` / `hosts:copyFromSqlite`), and going back to SQLite opens it again. Null: no file.
   */
  localSqlite: string | null
}

/** What copying a SQLite file into the shared database adds, and its conflicts (`hosts:copyPreview`, `hosts:copyFromSqlite`). */
export interface SqliteCopyPreview {
  file: string
  /** The file was sealed with another data key: its secrets are re-encrypted under the shared one. */
  reencrypt: boolean
  /** Fingerprint of the key that opens the file. */
  sourceKeyId: string
  /** New profiles; shared profiles without a mapping that get the file's; shared mappings kept over a different one. */
  profiles: { add: number; mappingsFilled: number; mappingsKept: number }
  /** New API apps; apps of the same name kept as the shared database has them. */
  apiApps: { add: number; kept: number }
  /** Finished sessions added; already there (an earlier copy); unfinished ones left behind. */
  sessions: { add: number; already: number; unfinished: number }
  /** Token sets copied; of them, for accounts holding tokens on both sides: the file's newer (it wins), the shared newer (copied as replaced). */
  tokens: { add: number; newerHere: number; newerShared: number }
  /** Settings the shared database lacks; settings kept as shared. */
  settings: { add: number; kept: number }
  /** Rows left behind because a secret in them does not open with the file's key, or (settings, API apps) their MAC does not verify under it. */
  unreadable: number
}

/** What a database test found; `message` says it in words. */
export interface DatabaseTestResult {
  /** The URL tested, without its password. */
  database: string
  reachable: boolean
  /** Why it could not be reached (never the password). */
  reason: string | null
  /** `empty`: no tables (this host's key, or the key file's, will seal it); `panel`: a panel database; `other`: tables that are not the panel's. */
  content: 'empty' | 'panel' | 'other' | null
  /**
   * For a panel database, whose key opens its key check: `key_file` (the given file's), `this_host` (this host's own,
   * no file needed), `key_file_wrong` (the file's does not), `key_needed` (this host's does not and no file was
   * given), `none_yet` (it has no key check yet).
   */
  key: 'key_file' | 'this_host' | 'key_file_wrong' | 'key_needed' | 'none_yet' | null
  /** Fingerprint of the key in the given file, once opened. */
  keyFileId: string | null
  /** Whether Save would go ahead with this URL and key file. */
  canJoin: boolean
  message: string
}

export interface DatabaseJoinResult {
  database: string
  /** The key installed in this host's key store (fingerprint and the old key's backup), or null when none was. */
  keyInstalled: { keyId: string; backup: string | null } | null
  restartRequired: boolean
  message: string
}

export interface DatabaseLeaveResult {
  /** The key restored from a backup so that the SQLite file opens again, or null when the current key already does. */
  keyRestored: { keyId: string; from: string; backup: string | null } | null
  restartRequired: boolean
  message: string
}

/** One host of the database as every panel sees it (the `hosts` table: each host's heartbeat and summary). */
export interface HostView {
  hostId: string
  /** The host this panel runs on. */
  thisHost: boolean
  /** Its heartbeat is recent: it claims and runs work. An offline host's claims come back after their lease. */
  online: boolean
  startedAt: string
  heartbeatAt: string
  /** Profiles it runs at once. */
  slots: number
  /** How it runs profiles: `cloud` (GoLogin's cloud browser) or `desktop` (the GoLogin app on that machine); null: not said. */
  launcher: string | null
  /** Authorizations it runs now. */
  running: number
  /** Slots taken (starting, running, or stopping and not yet confirmed), and accounts waiting for one. */
  slotsInUse: number | null
  waiting: number | null
  /** Warnings and errors it logged in the last 15 minutes, and its newest error (a log line, never a secret). */
  warnings: number | null
  errors: number | null
  lastError: string | null
  /** Why the host takes no work right now (GoLogin unreachable, token refused, slots held, recovering), since when; null: it can work. */
  problem: { reason: string; since: string } | null
  /** Declared dead (silent past "host is dead after", or released by the operator) since; null while it is not. */
  declaredDeadAt: string | null
  /** Its profiles released for the other hosts since it was declared dead. */
  profilesReleased: number
  /** Profiles still marked in use by it (no other host starts them): what "Release this host's profiles" frees. */
  profilesHeld: number
  /** What it is: a headless worker (`npm run worker`), the desktop app or browser mode; null: it does not say (an older host). */
  kind: 'worker' | 'desktop' | 'browser' | null
  /** Draining: it finishes what it runs and claims nothing more, since when; `exitWhenEmpty`: a worker that stops once nothing runs. */
  draining: { since: string; exitWhenEmpty: boolean } | null
  /** A drain or resume asked of it that it has not taken yet (it takes it with its next heartbeat, about a second). */
  drainRequest: DrainAction | null
}

/** `drain`: finish what runs, claim nothing more; `drain_exit`: the same, then a worker stops (exit 0); `resume`: claim again. */
export const DRAIN_ACTIONS = ['drain', 'drain_exit', 'resume'] as const
export type DrainAction = (typeof DRAIN_ACTIONS)[number]

/** This host's drain state (the status bar; pushed on the `drain` event when it changes). */
export interface DrainStatusView {
  draining: boolean
  /** When the drain began (ISO), or null. */
  since: string | null
  /** It stops once nothing runs (a worker asked to). */
  exitWhenEmpty: boolean
}

/** What `hosts:drain` did. */
export interface HostDrainResult {
  hostId: string
  action: DrainAction
  /** `applied`: this host, at once; `requested`: another host, which takes it with its next heartbeat. */
  outcome: 'applied' | 'requested'
  message: string
}

/** What "Release this host's profiles" did (`hosts:release`). */
export interface HostReleaseResult {
  hostId: string
  /** Profiles freed for the other hosts. */
  released: number
  /** Cloud profiles GoLogin did not confirm stopped: still held, tried again shortly. */
  notStopped: number
  /** Its claimed sessions put back in the queue. */
  requeued: number
  message: string
}

export interface HostsOverview {
  /** PostgreSQL: several hosts can share the database. SQLite: this machine only (`hosts` is empty). */
  shared: boolean
  thisHost: string
  hosts: HostView[]
}

const url = z.string().trim().min(1, 'enter the PostgreSQL URL').max(2048)
const joinInput = z
  .object({
    url,
    /** A data key file exported on a host of that database (its content: the renderer reads the chosen file). */
    keyFile: z.object({ name: z.string().max(300).optional(), content: z.string().max(64 * 1024) }).strict().optional(),
    passphrase: z.string().max(1024).optional(),
  })
  .strict()

export const hostsContract = {
  /** The Hosts page: every host of a shared database, live (each panel polls it while the page is open). */
  'hosts:list': request(z.undefined().or(z.object({}).strict()), returns<HostsOverview>()),
  /**
   * The Hosts page's "Release this host's profiles", for an offline host the operator knows is gone: its claimed
   * sessions go back to the queue and its profiles are released (cloud: stopped in GoLogin first). Refused for an online host.
   */
  'hosts:release': request(z.object({ hostId: z.string().trim().min(1).max(255) }).strict(), returns<HostReleaseResult>()),
  /**
   * The Hosts page's "Drain" / "Drain and stop" / "Resume" for any host of the database (this one at once; another
   * through its `hosts` row, taken with its next heartbeat). SQLite: this host only. `drain_exit` is for workers.
   */
  'hosts:drain': request(
    z.object({ hostId: z.string().trim().min(1).max(255), action: z.enum(DRAIN_ACTIONS, { error: 'must be drain, drain_exit or resume' }) }).strict(),
    returns<HostDrainResult>(),
  ),
  /** This host's drain state (the status bar). */
  'hosts:drainStatus': request(z.undefined().or(z.object({}).strict()), returns<DrainStatusView>()),
  /** Settings → Database and hosts: the database in use, the next start's, and this host's slots. */
  'hosts:status': request(z.undefined().or(z.object({}).strict()), returns<HostDatabaseStatus>()),
  /** Connects to a PostgreSQL URL (short timeout) and says what it holds and whether the key opens it; writes nothing. */
  'hosts:testDatabase': request(joinInput, returns<DatabaseTestResult>()),
  /** The same checks, then writes database.json and installs the key file's key (only if it opens the target). */
  'hosts:joinDatabase': request(joinInput, returns<DatabaseJoinResult>()),
  /** Removes database.json: the next start uses this machine's SQLite file again (its key restored if needed). */
  'hosts:leaveDatabase': request(z.undefined().or(z.object({}).strict()), returns<DatabaseLeaveResult>()),
  /** This host's slots (`host.json`); null follows the shared setting. Applies at the next start. */
  'hosts:setSlots': request(
    z.object({ slots: z.number().int().min(1).max(50).nullable() }).strict(),
    returns<{ slots: number | null; message: string }>(),
  ),
  /** On PostgreSQL: what copying this machine's SQLite file into the shared database would add, and the conflicts; writes nothing. */
  'hosts:copyPreview': request(z.undefined().or(z.object({}).strict()), returns<SqliteCopyPreview>()),
  /** Copies it (re-encrypted under the shared key if needed); running it again adds nothing twice. */
  'hosts:copyFromSqlite': request(z.undefined().or(z.object({}).strict()), returns<SqliteCopyPreview>()),
  /** This host's local REST API: what host.json says and whether it runs. */
  'hosts:restApi': request(z.undefined().or(z.object({}).strict()), returns<RestApiStatus>()),
  /** Writes this host's REST API exposure to host.json and applies it at once (starts, moves or stops the server). */
  'hosts:setRestApi': request(restApiExposureSchema, returns<RestApiStatus & { message: string }>()),
  /** Desktop: restarts the panel (to use a new database or key). */
  'hosts:relaunch': request(z.undefined().or(z.object({}).strict()), returns<{ relaunching: true }>()),
}

export const hostsEvents = {
  /** This host's drain state changed (the status bar follows). */
  drain: event<DrainStatusView>('latest'),
}
