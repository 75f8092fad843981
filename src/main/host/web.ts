/**
 * Browser mode entry: the same composition root as the desktop app, in plain Node, served to a
 * browser on 127.0.0.1. Prints one line `PANEL_URL=…` once it is ready to serve. With `--sandbox`
 * the panel runs against the built-in simulators, whose control endpoint is printed first as
 * `SANDBOX_URL=…` (see src/main/sandbox/sandbox-control.ts).
 */
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createCore } from '../core'
import { startSandboxMode } from '../sandbox'
import { parseWebArgs, WEB_HELP, wantsHelp } from './args'
import { startWebHost } from './web-server'

async function main(): Promise<void> {
  if (wantsHelp(process.argv.slice(2))) {
    process.stdout.write(`${WEB_HELP}\n`)
    process.exit(0)
  }
  let args
  try {
    args = parseWebArgs(process.argv.slice(2))
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`)
    process.exit(2)
  }
  const here = path.dirname(fileURLToPath(import.meta.url))
  const { version } = JSON.parse(fs.readFileSync(path.resolve(here, '../../package.json'), 'utf8')) as { version: string }
  const sandbox = args.sandbox ? await startSandboxMode({ dataDir: args.dataDir, profiles: args.sandboxProfiles, headless: true }) : undefined
  if (sandbox) process.stdout.write(`SANDBOX_URL=${sandbox.controlUrl}\n`)
  const core = await createCore({ dataDir: args.dataDir, mode: 'browser', appVersion: version, logToConsole: process.env.PANEL_LOG_CONSOLE === '1', sandbox }).catch(
    async (error: unknown) => {
      await sandbox?.close()
      throw error
    },
  )
  const host = await startWebHost({ core, rendererDir: path.resolve(here, '../renderer'), port: args.port })

  let stopping = false
  const stop = async (signal: string) => {
    if (stopping) return
    stopping = true
    core.logs.logger('web').info('web.stopping', { signal })
    const force = setTimeout(() => process.exit(1), 15_000)
    force.unref()
    await host.close()
    await core.close()
    await sandbox?.close()
    process.exit(0)
  }
  process.on('SIGINT', () => void stop('SIGINT'))
  process.on('SIGTERM', () => void stop('SIGTERM'))
  // Only once a stop is handled: whoever reads the line may stop the process at once.
  process.stdout.write(`PANEL_URL=${host.url}\n`)
}

main().catch((error) => {
  process.stderr.write(`Browser mode failed to start: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exit(1)
})
