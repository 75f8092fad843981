import { parseArgs } from 'node:util'
import { ValidationException } from '../../shared/errors'

export interface WebArgs {
  dataDir: string
  port: number
  sandbox: boolean
}

export const WEB_USAGE = 'Usage: npm run start:web -- --data-dir DIR [--port N] [--sandbox]'

export function parseWebArgs(argv: string[]): WebArgs {
  let values
  try {
    ;({ values } = parseArgs({
      args: argv,
      options: {
        'data-dir': { type: 'string' },
        port: { type: 'string', default: '0' },
        sandbox: { type: 'boolean', default: false },
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
  return { dataDir: values['data-dir'], port, sandbox: values.sandbox ?? false }
}
