/** The soak's command line (`npm run soak -- --accounts N --hosts H --database sqlite|postgres --fault-rate R [--kill-every MIN]`). */
import path from 'node:path'
import { parseArgs } from 'node:util'

export interface SoakOptions {
  accounts: number
  hosts: number
  database: 'sqlite' | 'postgres'
  /** Probability that an account gets one fault drawn at random (0..1). */
  faultRate: number
  /** Minutes between SIGKILLs of a random host (null: none; needs 2+ hosts). */
  killEveryMin: number | null
  /** Profile slots per host. */
  slots: number
  /** An existing PostgreSQL server (`--postgres-url`, else SOAK_POSTGRES_URL, else TEST_POSTGRES_URL); the soak creates (and drops) a database of its own on it. */
  postgresUrl: string
  /** Where report.json and report.html go. */
  outDir: string
  /** How often every host is sampled. */
  sampleEveryMs: number
  /** The run is given up (and fails) after this long. */
  timeoutMin: number
  /** Random seed of the fault draws and kills (printed, so a run can be repeated). */
  seed: number
  /**
   * One shared Chromium with a context per profile instead of a Chromium per profile (the sandbox's fast mode: no
   * launch per account; the Chromium check then counts what remains besides the shared browser itself).
   */
  sharedBrowser: boolean
  /** Progress lines on stdout (off in tests). */
  quiet: boolean
  chromePath: string | undefined
}

export const SOAK_USAGE =
  'Usage: npm run soak -- --accounts N --hosts H --database sqlite|postgres --fault-rate R [--kill-every MIN] [--slots S] [--postgres-url URL] [--out DIR] [--sample-every SEC] [--timeout MIN] [--seed N] [--shared-browser] [--quiet]'

export const SOAK_DEFAULTS = {
  slots: 4,
  postgresUrl: 'postgres://postgres@127.0.0.1:5432/test',
  outDir: path.resolve('out/soak'),
  sampleEveryMs: 5_000,
  timeoutMin: 90,
} as const

export class SoakUsageError extends Error {}

function number(name: string, raw: string | undefined, fallback: number | null, check: (n: number) => boolean, rule: string): number {
  if (raw === undefined) {
    if (fallback === null) throw new SoakUsageError(`--${name} is required (${rule}).\n${SOAK_USAGE}`)
    return fallback
  }
  const value = Number(raw)
  if (!Number.isFinite(value) || !check(value)) throw new SoakUsageError(`--${name} ${raw}: expected ${rule}.\n${SOAK_USAGE}`)
  return value
}

export function parseSoakArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): SoakOptions {
  let values
  try {
    ;({ values } = parseArgs({
      args: argv,
      options: {
        accounts: { type: 'string' },
        hosts: { type: 'string' },
        database: { type: 'string' },
        'fault-rate': { type: 'string' },
        'kill-every': { type: 'string' },
        slots: { type: 'string' },
        'postgres-url': { type: 'string' },
        out: { type: 'string' },
        'sample-every': { type: 'string' },
        timeout: { type: 'string' },
        seed: { type: 'string' },
        quiet: { type: 'boolean' },
        'shared-browser': { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }))
  } catch (error) {
    throw new SoakUsageError(`${(error as Error).message}\n${SOAK_USAGE}`)
  }
  const database = values.database ?? 'sqlite'
  if (database !== 'sqlite' && database !== 'postgres') throw new SoakUsageError(`--database ${database}: expected sqlite or postgres.\n${SOAK_USAGE}`)
  const hosts = number('hosts', values.hosts, 1, (n) => Number.isInteger(n) && n >= 1 && n <= 8, 'a whole number from 1 to 8')
  if (hosts > 1 && database === 'sqlite') throw new SoakUsageError('--hosts above 1 needs --database postgres (worker hosts join a shared PostgreSQL database).')
  const killEveryMin = values['kill-every'] === undefined ? null : number('kill-every', values['kill-every'], null, (n) => n > 0 && n <= 600, 'minutes above 0')
  if (killEveryMin !== null && hosts < 2) throw new SoakUsageError('--kill-every needs --hosts 2 or more (a killed host’s work is taken over by another).')
  return {
    accounts: number('accounts', values.accounts, null, (n) => Number.isInteger(n) && n >= 1 && n <= 100_000, 'a whole number from 1 to 100000'),
    hosts,
    database,
    faultRate: number('fault-rate', values['fault-rate'], 0, (n) => n >= 0 && n <= 1, 'a probability from 0 to 1'),
    killEveryMin,
    slots: number('slots', values.slots, SOAK_DEFAULTS.slots, (n) => Number.isInteger(n) && n >= 1 && n <= 50, 'a whole number from 1 to 50'),
    postgresUrl: values['postgres-url'] ?? env.SOAK_POSTGRES_URL ?? env.TEST_POSTGRES_URL ?? SOAK_DEFAULTS.postgresUrl,
    outDir: path.resolve(values.out ?? SOAK_DEFAULTS.outDir),
    sampleEveryMs: number('sample-every', values['sample-every'], SOAK_DEFAULTS.sampleEveryMs / 1000, (n) => n >= 0.2 && n <= 600, 'seconds from 0.2 to 600') * 1000,
    timeoutMin: number('timeout', values.timeout, SOAK_DEFAULTS.timeoutMin, (n) => n > 0 && n <= 24 * 60, 'minutes above 0'),
    seed: number('seed', values.seed, Math.floor(Math.random() * 2 ** 31), (n) => Number.isInteger(n) && n >= 0, 'a whole number'),
    sharedBrowser: values['shared-browser'] ?? false,
    quiet: values.quiet ?? false,
    chromePath: env.CHROME_PATH || undefined,
  }
}
