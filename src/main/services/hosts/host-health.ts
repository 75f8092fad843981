/**
 * Whether this host can work right now (issue 19, row 4). A host that cannot reach GoLogin, whose GoLogin token was
 * refused, or whose slots are all held by profiles GoLogin has not confirmed stopped claims nothing until it heals,
 * and says why in its heartbeat (the Hosts page shows it): its accounts go to hosts that can run them instead of
 * failing or waiting here.
 *
 * Reachability is a TCP connect to the launcher's endpoint (the desktop app's local API, or the GoLogin API for the
 * cloud browser) every `probeMs`: no HTTP request, so nothing is spent of GoLogin's request budget.
 */
import net from 'node:net'

export type HostHealthState = { ok: true } | { ok: false; reason: string; since: string }

export interface HostHealthDeps {
  /** `local` (the GoLogin desktop app) or `cloud` (GoLogin's cloud browser). */
  launcherMode: () => string
  /** The endpoint the launcher talks to: the desktop app's local API, or the GoLogin API for the cloud browser. */
  endpoint: () => string
  gologin: () => { hasToken: boolean; tokenRevoked: boolean }
  slots: () => { maxConcurrent: number; stuck: number }
  /** How often reachability is probed (default 10 s). */
  probeMs?: number
  /** How long a probe may take (default 3 s). */
  probeTimeoutMs?: number
  now?: () => number
}

export class HostHealth {
  private reachable: boolean | null = null
  /** When the last probe ended (per `now`), or null before the first. */
  probedAt: number | null = null
  private unhealthySince: { reason: string; at: number } | null = null
  private timer: NodeJS.Timeout | null = null
  private probing: Promise<void> | null = null
  private readonly now: () => number

  constructor(private readonly deps: HostHealthDeps) {
    this.now = deps.now ?? Date.now
  }

  /** Probes once now, then every `probeMs`. */
  start(): Promise<void> {
    this.timer = setInterval(() => void this.probe(), this.deps.probeMs ?? 10_000)
    this.timer.unref()
    return this.probe()
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
  }

  /** The state now (and since when the current problem lasts). */
  state(): HostHealthState {
    const reason = this.problem()
    if (!reason) {
      this.unhealthySince = null
      return { ok: true }
    }
    if (this.unhealthySince?.reason !== reason) this.unhealthySince = { reason, at: this.now() }
    return { ok: false, reason, since: new Date(this.unhealthySince.at).toISOString() }
  }

  /** Probes reachability now (one probe at a time). */
  probe(): Promise<void> {
    this.probing ??= reach(this.deps.endpoint(), this.deps.probeTimeoutMs ?? 3_000)
      .then((ok) => {
        this.reachable = ok
        this.probedAt = this.now()
      })
      .finally(() => (this.probing = null))
    return this.probing
  }

  private problem(): string | null {
    const gologin = this.deps.gologin()
    if (gologin.tokenRevoked) return 'GoLogin refused the API token (429 stop): no GoLogin request is sent'
    if (this.deps.launcherMode() === 'cloud' && !gologin.hasToken) return 'No GoLogin API token: the cloud browser cannot start profiles'
    if (this.reachable === false) {
      const where = this.deps.launcherMode() === 'cloud' ? 'the GoLogin API' : 'the GoLogin desktop app'
      return `GoLogin unreachable (${where} at ${describe(this.deps.endpoint())} does not answer)`
    }
    const slots = this.deps.slots()
    if (slots.maxConcurrent > 0 && slots.stuck >= slots.maxConcurrent) return `All ${slots.maxConcurrent} slots are held by profiles GoLogin has not confirmed stopped`
    return null
  }
}

/** Whether a TCP connection to the URL's host and port opens within `timeoutMs`. */
function reach(url: string, timeoutMs: number): Promise<boolean> {
  let target: URL
  try {
    target = new URL(url)
  } catch {
    return Promise.resolve(false)
  }
  const port = Number(target.port) || (target.protocol === 'https:' || target.protocol === 'wss:' ? 443 : 80)
  const host = target.hostname.replace(/^\[|\]$/g, '')
  return new Promise((resolve) => {
    const socket = net.connect({ host, port })
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(timeoutMs, () => done(false))
    socket.once('connect', () => done(true))
    socket.once('error', () => done(false))
  })
}

function describe(url: string): string {
  try {
    const parsed = new URL(url)
    return `${parsed.protocol}//${parsed.host}`
  } catch {
    return '(unparsable URL)'
  }
}
