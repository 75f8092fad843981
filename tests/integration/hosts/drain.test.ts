/**
 * Drain on a shared database (issue 22, row 3): hosts on one real PostgreSQL and one sandbox, each a whole core of
 * its own, and a headless worker as a real process (`out/main/worker.js`). A drained host finishes what it runs and
 * claims nothing more while the others finish the batch; a drain asked on another host's panel reaches it; resume
 * makes it claim again; a worker drained by SIGUSR2 with `--drain-exit` stops on its own, exit code 0. Counted from
 * the database (the test's own connection) and the sandbox's GoLogin (which host started which profile).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { Core } from '../../../src/main/core'
import type { HostDrainResult, HostsOverview } from '../../../src/shared/contract/hosts'
import { tempDir } from '../../helpers/temp-dir'
import { claimWorld, until } from './claims-world'
import { TERMINAL, observer, type Observer } from './fenced-world'

const ROOT = path.resolve(import.meta.dirname, '../../..')
const WORKER = path.join(ROOT, 'out/main/worker.js')

const children: ChildProcess[] = []
afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL')
      await new Promise((resolve) => child.once('exit', resolve))
    }
  }
})

/** A request through a panel's router, as its Hosts page sends it. */
async function call<T>(core: Core, channel: string, input: unknown): Promise<T> {
  const answer = await core.router.dispatch(channel as never, input as never, { transport: 'test' })
  if (!answer.success) throw new Error(answer.error)
  return answer.data as T
}

/** Whether the host says in its heartbeat (the `hosts` row) that it drains. */
async function drainingInDatabase(db: Observer, hostId: string): Promise<boolean> {
  const [row] = await db.query<{ summary: string | null }>(`SELECT summary FROM hosts WHERE host_id = $1`, [hostId])
  return row?.summary ? (JSON.parse(row.summary) as { drain?: { draining?: boolean } }).drain?.draining === true : false
}

describe('drain on a shared database', () => {
  it('a host drained from the other host’s panel finishes its running attempts and claims nothing more while the other finishes the batch; resume makes it claim again', { timeout: 180_000 }, async () => {
    const world = await claimWorld({ consentDelayMs: 3_000 })
    const db = observer(world)
    const a = await world.host('a', { prepare: true, slots: 2 })
    const b = await world.host('b', { slots: 2 })
    const accounts = world.sandbox.accounts()
    const first = await a.core.authorization.batches.start({ profileIds: accounts.slice(0, 6).map((x) => x.profileId), apiApp: 'SANDBOX1' })
    await until('a runs two attempts on the consent page', async () => (await db.rows(first.batchId)).filter((r) => r.claimed_by === 'a' && r.step === 'consent').length === 2, 90_000)

    // B's Hosts page asks A to drain: the request waits in A's row until A's next heartbeat takes it.
    const asked = await call<HostDrainResult>(b.core, 'hosts:drain', { hostId: 'a', action: 'drain' })
    expect(asked).toMatchObject({ hostId: 'a', outcome: 'requested', message: expect.stringMatching(/^Asked a to drain: it finishes what it runs and claims nothing more/) })
    await until('a says in its heartbeat that it drains', () => drainingInDatabase(db, 'a'), 10_000)
    const atDrain = (await db.rows(first.batchId)).filter((r) => r.claimed_by === 'a')
    const runningAtDrain = atDrain.filter((r) => !TERMINAL.includes(r.status))
    const startsAtDrain = world.sandbox.gologin.stats().cloud.hosting.startsByEntrance.a
    expect(runningAtDrain.length, 'attempts a was running when it began draining').toBeGreaterThan(0)
    // Every panel shows it draining (B's Hosts page reads A's heartbeat).
    const seenFromB = (await call<HostsOverview>(b.core, 'hosts:list', {})).hosts.find((h) => h.hostId === 'a')
    expect(seenFromB).toMatchObject({ online: true, draining: { exitWhenEmpty: false }, drainRequest: null })

    await until('every session ended', async () => (await db.rows(first.batchId)).every((r) => TERMINAL.includes(r.status)), 120_000)
    const rows = await db.rows(first.batchId)
    expect(rows.map((r) => r.status)).toEqual(Array(6).fill('completed'))
    // What A ran when it began draining finished there, under its claim (no hand-back), and A took nothing after.
    for (const was of runningAtDrain) expect(rows.find((r) => r.session_id === was.session_id)).toMatchObject({ status: 'completed', claimed_by: 'a', claims: 1, requeues: 0 })
    expect(rows.filter((r) => r.claimed_by === 'a').map((r) => r.session_id).sort()).toEqual(atDrain.map((r) => r.session_id).sort())
    expect(rows.filter((r) => r.claimed_by === 'b').length).toBe(6 - atDrain.length)
    expect(world.sandbox.gologin.stats().cloud.hosting.startsByEntrance.a).toBe(startsAtDrain)

    // B resumes A from its panel, and drains itself (at once, on its own page): the next batch is all A's.
    expect(await call<HostDrainResult>(b.core, 'hosts:drain', { hostId: 'a', action: 'resume' })).toMatchObject({ outcome: 'requested' })
    expect(await call<HostDrainResult>(b.core, 'hosts:drain', { hostId: 'b', action: 'drain' })).toMatchObject({
      outcome: 'applied',
      message: expect.stringMatching(/^This host is draining: it finishes its \d+ running authorization\(s\) and claims nothing more\. Queued accounts stay queued for the other hosts\.$/),
    })
    await until('a claims again and b drains', async () => !(await drainingInDatabase(db, 'a')) && (await drainingInDatabase(db, 'b')), 10_000)
    const second = await b.core.authorization.batches.start({ profileIds: accounts.slice(6, 8).map((x) => x.profileId), apiApp: 'SANDBOX1' })
    await until('the second batch ended', async () => (await db.rows(second.batchId)).every((r) => TERMINAL.includes(r.status)), 120_000)
    expect((await db.rows(second.batchId)).map((r) => [r.status, r.claimed_by])).toEqual(Array(2).fill(['completed', 'a']))

    // A host the database does not know, or a worker-only stop asked of a panel, is refused with the reason.
    await expect(call(b.core, 'hosts:drain', { hostId: 'nobody', action: 'drain' })).rejects.toThrow('No host nobody in this database.')
    await expect(call(b.core, 'hosts:drain', { hostId: 'a', action: 'drain_exit' })).rejects.toThrow(/Host a is a panel \(browser\): it cannot stop on its own/)
  })

  it('a worker process drained by SIGUSR2 with --drain-exit finishes its attempts, claims nothing more and exits 0 once empty', { timeout: 180_000 }, async () => {
    const world = await claimWorld({ consentDelayMs: 3_000 })
    const db = observer(world)
    const panel = await world.host('panel', { prepare: true, slots: 1 })
    // The worker: the world's data key (as an imported key file would give it) and its own way to GoLogin's cloud.
    const workerDir = tempDir('drain-worker-')
    fs.copyFileSync(path.join(world.keyDir, 'data.key'), path.join(workerDir, 'data.key'))
    const entrance = await world.sandbox.gologin.openEntrance('w')
    if (!fs.existsSync(WORKER)) throw new Error(`${WORKER} is missing: run "npm run build" first`)
    const child = spawn(process.execPath, [WORKER, '--data-dir', workerDir, '--database-url', world.databaseUrl, '--slots', '2', '--host-id', 'w', '--drain-exit'], {
      cwd: ROOT,
      env: {
        ...process.env,
        ...world.sandbox.env,
        DATABASE_URL: '',
        GOLOGIN_API_URL: entrance.apiUrl,
        GOLOGIN_CLOUD_BROWSER_URL: entrance.cloudBrowserUrl,
        GOLOGIN_LAUNCHER: 'cloud',
        PROFILE_SYNC_INTERVAL: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    children.push(child)
    let stdout = ''
    let stderr = ''
    child.stdout!.on('data', (chunk) => (stdout += chunk))
    child.stderr!.on('data', (chunk) => (stderr += chunk))
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    await until('the worker is ready', () => {
      if (child.exitCode !== null) throw new Error(`the worker exited (${child.exitCode}):\n${stderr}`)
      return stdout.includes('WORKER_READY host=w slots=2')
    })

    const batch = await panel.core.authorization.batches.start({ profileIds: world.sandbox.accounts().slice(0, 6).map((x) => x.profileId), apiApp: 'SANDBOX1' })
    await until('the worker runs an attempt on the consent page', async () => (await db.rows(batch.batchId)).some((r) => r.claimed_by === 'w' && r.step === 'consent'), 90_000)
    const atSignal = (await db.rows(batch.batchId)).filter((r) => r.claimed_by === 'w')
    child.kill('SIGUSR2')
    expect(await exited).toBe(0)

    // It left only once its attempts had completed there; nothing of it was handed back, and its cloud browsers are stopped.
    const afterExit = await db.rows(batch.batchId)
    const its = afterExit.filter((r) => r.claimed_by === 'w')
    expect(its.map((r) => r.session_id)).toEqual(expect.arrayContaining(atSignal.map((r) => r.session_id)))
    expect(its.map((r) => [r.status, r.claims, r.requeues])).toEqual(its.map(() => ['completed', 1, 0]))
    expect(world.sandbox.gologin.stats().cloud.hosting.runningByEntrance.w ?? 0).toBe(0)
    expect(stderr).toMatch(/SIGUSR2: draining, then stopping/)
    expect(stderr).toMatch(/Worker stopping \(drained, nothing runs\)/)

    // The panel finishes the rest.
    await until('every session ended', async () => (await db.rows(batch.batchId)).every((r) => TERMINAL.includes(r.status)), 120_000)
    const rows = await db.rows(batch.batchId)
    expect(rows.map((r) => r.status)).toEqual(Array(6).fill('completed'))
    expect(rows.filter((r) => r.claimed_by === 'panel').length).toBe(6 - its.length)
  })
})
