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
