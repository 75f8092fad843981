import { z } from 'zod'
import { request, returns } from './define'

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
}

export interface DataKeyProtection {
  /** True when the OS keychain protects the key; false for the 0600 key file fallback. */
  osKeychain: boolean
  /** "macOS Keychain", "Windows DPAPI", "libsecret", "KWallet", or "a file readable only by you". */
  protectedBy: string
}

export const systemContract = {
  'system:info': request(z.undefined().or(z.object({}).strict()), returns<SystemInfo>()),
  /** Writes a line to the log at the operator's request (used by the UI's diagnostics). */
  'system:ping': request(z.object({ message: z.string().min(1).max(500) }).strict(), returns<{ pong: string }>()),
}
