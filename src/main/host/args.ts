import { parseArgs } from 'node:util'
import { ValidationException } from '../../shared/errors'

export interface WebArgs {
  dataDir: string
  port: number
  sandbox: boolean
  /** How many profiles the sandbox generates (`--sandbox-profiles`, default 60). */
  sandboxProfiles: number
}

export const WEB_USAGE = 'Usage: npm run start:web -- --data-dir DIR [--port N] [--sandbox [--sandbox-profiles N]]'
const MAX_SANDBOX_PROFILES = 40_000

export const WEB_HELP = `${WEB_USAGE}

Browser mode: the panel's services in plain Node, served on 127.0.0.1 with a per-run token; it prints
PANEL_URL=… (open it in a browser) once it is ready.

  --data-dir DIR          the panel's data folder (database, data key, logs, host-id)
  --port N                the port on 127.0.0.1 (default 0: any free port)
  --sandbox               simulated GoLogin and X, no account needed (prints SANDBOX_URL=…)
  --sandbox-profiles N    profiles the sandbox generates (default 60)
  -h, --help              this text

The database is SQLite in DIR unless DATABASE_URL or DIR/database.json names a PostgreSQL database.
Environment variables: see "Environment variables" in the README.`

/** \`--help\` / \`-h\` anywhere on the command line (before any other check, so it works without the required options). */
export function wantsHelp(argv: readonly string[]): boolean {
  return argv.includes('--help') || argv.includes('-h')
}

export function parseWebArgs(argv: string[]): WebArgs {
  let values
  try {
    ;({ values } = parseArgs({
      args: argv,
      options: {
        'data-dir': { type: 'string' },
        port: { type: 'string', default: '0' },
        sandbox: { type: 'boolean', default: false },
        'sandbox-profiles': { type: 'string', default: '60' },
      },
      strict: true,
    }))
  } catch (error) {
    throw new ValidationException(`${(error as Error).message}. ${WEB_USAGE}`)
  }
  if (!values['data-dir']) throw new ValidationException(`--data-dir is required. ${WEB_USAGE}`, { field: 'data-dir' })
  const port = Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ValidationException(`--port must be a whole number from 0 to 65535, got "${values.port}"`, { field: 'port' })
  }
  const sandboxProfiles = Number(values['sandbox-profiles'])
  if (!Number.isInteger(sandboxProfiles) || sandboxProfiles < 1 || sandboxProfiles > MAX_SANDBOX_PROFILES) {
    throw new ValidationException(`--sandbox-profiles must be a whole number from 1 to ${MAX_SANDBOX_PROFILES}, got "${values['sandbox-profiles']}"`, { field: 'sandbox-profiles' })
  }
  return { dataDir: values['data-dir'], port, sandbox: values.sandbox ?? false, sandboxProfiles }
}
