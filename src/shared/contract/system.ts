import { z } from 'zod'
import { event, request, returns } from './define'
import type { SessionStep } from './sessions'

export interface SystemInfo {
  appVersion: string
  /** `desktop` (Electron), `browser` (browser mode) or `worker` (a headless worker host, `npm run worker`). */
  mode: 'desktop' | 'browser' | 'worker'
  dataDir: string
  logFile: string
  platform: string
  startedAt: string
  /** How the data key that encrypts stored secrets is protected on this machine, and its fingerprint. */
  dataKey: DataKeyProtection & {
    /** Fingerprint of the key in use: every host of one shared database shows the same one. */
    keyId: string
  }
  /**
   * Sandbox mode (simulated GoLogin and X) is on for this run: started by `--sandbox` on the command line (the
   * stored setting cannot turn it off), or by the stored setting. Null: the real services.
   */
  sandbox: { source: 'command_line' | 'setting' } | null
  /** The previous run stopped without shutting down while authorizations were under way: what became of them. */
  restart: RestartNotice | null
}

/** One session start-up recovery changed after an unclean stop. */
export interface RecoveredAccount {
  sessionId: string
  batchId: string | null
  username: string | null
  apiApp: string
  /** The step it was at when the panel stopped (null: it had not started). */
  step: SessionStep | null
  /** `failed`: it was running and failed as INTERRUPTED; `not_started`: queued, cancelled; `resumed`: back in the queue (shared database). */
  outcome: 'failed' | 'not_started' | 'resumed'
}

export interface RestartNotice {
  /** When the previous run stopped, as near as recorded (ISO): its last log line, else its last session start. */
  stoppedAt: string | null
  /** What `stoppedAt` comes from. */
  stoppedAtSource: 'log' | 'sessions' | null
  /** Exact counts (the list below may be capped). */
  failed: number
  notStarted: number
  resumed: number
  /** The accounts, running ones first (at most 200). */
  accounts: RecoveredAccount[]
}

export interface DataKeyProtection {
  /** True when the OS keychain protects the key; false for the 0600 key file fallback. */
  osKeychain: boolean
  /** "macOS Keychain", "Windows DPAPI", "libsecret", "KWallet", or "a file readable only by you". */
  protectedBy: string
}

/** The installed app's self-update (desktop only; `disabled` elsewhere, with the reason). */
export interface UpdateStatus {
  /** disabled → idle ⇄ checking → downloading → ready (restart to install); error keeps the reason in `message`. */
  state: 'disabled' | 'idle' | 'checking' | 'downloading' | 'ready' | 'error'
  currentVersion: string
  /** The version found (downloading / ready). */
  version: string | null
  percent: number | null
  checkedAt: string | null
  message: string | null
}

export const systemContract = {
  'system:info': request(z.undefined().or(z.object({}).strict()), returns<SystemInfo>()),
  /** Writes a line to the log at the operator's request (used by the UI's diagnostics). */
  'system:ping': request(z.object({ message: z.string().min(1).max(500) }).strict(), returns<{ pong: string }>()),
  'system:update': request(z.undefined().or(z.object({}).strict()), returns<UpdateStatus>()),
  /** Restarts into a downloaded update; refused while authorizations run on this host. */
  'system:installUpdate': request(z.undefined().or(z.object({}).strict()), returns<{ restarting: true }>()),
}

export const systemEvents = {
  update: event<UpdateStatus>('latest'),
}
