/**
 * The soak's verdict: each check from the run's own facts (the sandbox's records, the database, /proc), passed,
 * failed or — only where the run is too short to measure it — skipped, with a sentence saying why.
 */
import type { Check, HostSample, SoakFacts, Verdict } from './report'

/**
 * Accounts done before RSS growth is judged (start-up, JIT, caches filling, and V8 sizing its heap to the load): at
 * least this many… A 2,000-account SQLite soak (the panel sampled from outside): RSS swung 140–230 MB while V8 grew
 * its heap (heap total 70 → 208 MB for 50–100 MB in use; two heap snapshots 400 accounts apart held the same live
 * objects, +0.4 MB), settled at ~263 MB by account ~400 and stayed there. A tenth of the run judged that sizing as
 * growth.
 */
export const WARM_UP_MIN_ACCOUNTS = 50
/** …or this share of the run. */
export const WARM_UP_SHARE = 0.25
/**
 * RSS growth is judged over at least this many accounts after warm-up. Less says nothing about a leak: the limit
 * (5 % per 1,000 accounts, ~7 MB per 1,000 on a 150 MB host) is smaller over 200 accounts than V8's garbage
 * collection swings (±20–50 MB between collections).
 */
export const RSS_MIN_SPAN = 500
export const RSS_MAX_GROWTH_PER_1000 = 0.05
/** Open fds at the end may exceed the process's first sample by this many (pool connections, keep-alive sockets). */
export const FD_TOLERANCE = 8

export function judge(facts: SoakFacts): Verdict {
  const checks: Check[] = [
    sessionsTerminal(facts),
    healthyCompleted(facts),
    tokensAccounted(facts),
    tokensNewest(facts),
    slotsRespected(facts),
    profileOnOneHost(facts),
    ...rssGrowth(facts),
    fdsBack(facts),
    chromiumBack(facts),
    logErrors(facts),
  ]
  return { passed: checks.every((check) => check.status !== 'fail'), checks }
}

const pass = (name: string, detail: string): Check => ({ name, status: 'pass', detail })
const fail = (name: string, detail: string): Check => ({ name, status: 'fail', detail })

function sessionsTerminal({ sessions, options, finishedInTime }: SoakFacts): Check {
  const name = 'every session terminal'
  if (sessions.total !== options.accounts) return fail(name, `${sessions.total} sessions for ${options.accounts} accounts`)
  if (sessions.nonTerminal > 0 || !finishedInTime) return fail(name, `${sessions.nonTerminal} of ${sessions.total} sessions not terminal${finishedInTime ? '' : ' when the run timed out'}`)
  return pass(name, `${sessions.total} sessions terminal (${Object.entries(sessions.byStatus).map(([s, n]) => `${s} ${n}`).join(', ')})`)
}

function healthyCompleted({ healthyNotCompleted, notCompletedExamples, sessions }: SoakFacts): Check {
  const name = 'accounts without a failing fault completed'
  if (healthyNotCompleted === 0) return pass(name, `all of them (${sessions.byStatus.completed ?? 0} completed)`)
  const examples = notCompletedExamples.slice(0, 5).map((e) => `@${e.username ?? e.profileId} (${e.fault ?? 'no fault'}, requeued ${e.requeues}×) ${e.status} ${e.errorCode ?? ''}`.trim())
  return fail(name, `${healthyNotCompleted} did not complete, e.g. ${examples.join('; ')}`)
}

/** A dropped set issued this soon before a kill was most likely in flight on the killed host. */
const KILL_WINDOW_MS = 15_000

function tokensAccounted({ tokens, killLog }: SoakFacts): Check {
  const name = 'token sets issued = stored + revoked'
  const detail = `X issued ${tokens.issued}, ${tokens.stored} stored, ${tokens.revoked} revoked, ${tokens.dropped} dropped`
  if (tokens.dropped === 0) return pass(name, detail)
  const kills = killLog.map((k) => Date.parse(k.at))
  const nearKill = tokens.droppedIssuedAt.filter((at) => kills.some((k) => k >= Date.parse(at) && k - Date.parse(at) <= KILL_WINDOW_MS)).length
  return fail(name, `${detail}; ${nearKill} of them issued within ${KILL_WINDOW_MS / 1000} s before a host was SIGKILLed (${tokens.droppedExamples.slice(0, 5).join('; ')})`)
}

function tokensNewest({ tokens }: SoakFacts): Check {
  const name = "each account's stored set the newest"
  if (tokens.notNewest > 0 || tokens.storedDead > 0) return fail(name, `${tokens.notNewest} account(s) store an older set; ${tokens.storedDead} stored set(s) X never issued or revoked`)
  return pass(name, `${tokens.stored} stored set(s), each the newest X issued its account`)
}

function slotsRespected({ hosting, hosts }: SoakFacts): Check {
  const name = 'never more browsers than slots'
  const over = hosts.filter((host) => (hosting.peakByEntrance[host.label] ?? 0) > host.slots)
  const detail = hosts.map((host) => `${host.label} peak ${hosting.peakByEntrance[host.label] ?? 0}/${host.slots}`).join(', ')
  return over.length ? fail(name, `over its slots: ${detail}`) : pass(name, detail)
}

function profileOnOneHost({ hosting }: SoakFacts): Check {
  const name = 'never a profile on two hosts'
  if (hosting.maxEntrancesPerProfile <= 1) return pass(name, `at most ${hosting.maxEntrancesPerProfile} host per profile (GoLogin sandbox)`)
  const which = hosting.overlaps.slice(0, 5).map((o) => `${o.profileId} on ${o.entrances.join('+')} (${o.fault ?? 'no fault'})`)
  return fail(name, `a profile ran on ${hosting.maxEntrancesPerProfile} hosts at once: ${which.join('; ')}`)
}

/** Least-squares slope of y over x. */
function slope(points: Array<{ x: number; y: number }>): number {
  const n = points.length
  const mx = points.reduce((s, p) => s + p.x, 0) / n
  const my = points.reduce((s, p) => s + p.y, 0) / n
  let num = 0
  let den = 0
  for (const p of points) {
    num += (p.x - mx) * (p.y - my)
    den += (p.x - mx) ** 2
  }
  return den === 0 ? 0 : num / den
}

/**
 * RSS growth per 1,000 accounts after warm-up, per host process: a restarted host is a new process, judged apart
 * and warmed up again (its first `warmUp` accounts of the run are not judged).
 */
export function rssGrowthOf(samples: HostSample[], warmUp: number): { pid: number; span: number; growthPer1000: number; baseMb: number } | null {
  let best: { pid: number; span: number; growthPer1000: number; baseMb: number } | null = null
  for (const pid of new Set(samples.map((s) => s.pid))) {
    const all = samples.filter((s) => s.pid === pid)
    const own = all.filter((s) => s.done - all[0].done >= warmUp)
    if (own.length < 3) continue
    const span = own.at(-1)!.done - own[0].done
    const points = own.map((s) => ({ x: s.done, y: s.rssMb }))
    const k = slope(points)
    const baseMb = points.reduce((s, p) => s + p.y, 0) / points.length - k * (points.reduce((s, p) => s + p.x, 0) / points.length - own[0].done)
    const judged = { pid, span, growthPer1000: (k * 1000) / baseMb, baseMb }
    // The process that covered most of the run speaks for the host.
    if (!best || span > best.span) best = judged
  }
  return best
}

function rssGrowth({ series, options }: SoakFacts): Check[] {
  const warmUp = Math.max(WARM_UP_MIN_ACCOUNTS, Math.ceil(options.accounts * WARM_UP_SHARE))
  return Object.entries(series.hosts).map(([label, samples]) => {
    const name = `${label}: RSS grows < ${RSS_MAX_GROWTH_PER_1000 * 100} % per 1,000 accounts after warm-up`
    const growth = rssGrowthOf(samples, warmUp)
    if (!growth || growth.span < RSS_MIN_SPAN) {
      return { name, status: 'skipped' as const, detail: `one process of it saw ${growth?.span ?? 0} accounts after the ${warmUp}-account warm-up; ${RSS_MIN_SPAN} are needed to judge` }
    }
    const detail = `${(growth.growthPer1000 * 100).toFixed(2)} % per 1,000 accounts from ${growth.baseMb.toFixed(0)} MB over ${growth.span} accounts (pid ${growth.pid})`
    return growth.growthPer1000 < RSS_MAX_GROWTH_PER_1000 ? pass(name, detail) : fail(name, detail)
  })
}

function fdsBack({ hosts }: SoakFacts): Check {
  const name = 'file descriptors back to their baseline'
  const judged = hosts.filter((host) => host.alive && host.fdsBaseline !== null && host.fdsEnd !== null)
  if (!judged.length) return fail(name, 'no host alive at the end to measure')
  const detail = judged.map((host) => `${host.label} ${host.fdsBaseline} → ${host.fdsEnd}`).join(', ')
  const over = judged.filter((host) => host.fdsEnd! > host.fdsBaseline! + FD_TOLERANCE)
  return over.length ? fail(name, `${over.map((h) => h.label).join(', ')} above baseline + ${FD_TOLERANCE}: ${detail}`) : pass(name, `${detail} (tolerance ${FD_TOLERANCE})`)
}

function chromiumBack({ chromium }: SoakFacts): Check {
  const name = 'Chromium processes back to their baseline'
  const detail = `${chromium.baseline} before, ${chromium.end} at the end`
  return chromium.end <= chromium.baseline ? pass(name, detail) : fail(name, detail)
}

function logErrors({ errors }: SoakFacts): Check {
  const name = 'no error in the logs but injected faults'
  const unexpected = errors.filter((e) => !e.expected)
  const expected = errors.filter((e) => e.expected).reduce((sum, e) => sum + e.count, 0)
  if (unexpected.length) return fail(name, `${unexpected.map((e) => `${e.event} ×${e.count} (${e.hosts.join(', ')})`).join('; ')}`)
  return pass(name, `${expected} error line(s), each an injected fault's`)
}

/** The lines a failed verdict prints (and the exit names). */
export function describeVerdict(verdict: Verdict): string {
  return verdict.checks.map((check) => `${check.status === 'pass' ? 'PASS' : check.status === 'fail' ? 'FAIL' : 'SKIP'}  ${check.name}: ${check.detail}`).join('\n')
}
