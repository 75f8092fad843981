/**
 * Browser mode entry: the same composition root as the desktop app, in plain Node, served to a
 * browser on 127.0.0.1. Prints one line `PANEL_URL=…` once it is ready to serve.
 */
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createCore } from '../core'
import { parseWebArgs } from './args'
import { startWebHost } from './web-server'

async function main(): Promise<void> {
  let args
  try {
    args = parseWebArgs(process.argv.slice(2))
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`)
    process.exit(2)
  }
  const here = path.dirname(fileURLToPath(import.meta.url))
  const { version } = JSON.parse(fs.readFileSync(path.resolve(here, '../../package.json'), 'utf8')) as { version: string }
  const core = await createCore({ dataDir: args.dataDir, mode: 'browser', appVersion: version, logToConsole: process.env.PANEL_LOG_CONSOLE === '1' })
  const host = await startWebHost({ core, rendererDir: path.resolve(here, '../renderer'), port: args.port })
  process.stdout.write(`PANEL_URL=${host.url}\n`)

  let stopping = false
  const stop = async (signal: string) => {
    if (stopping) return
    stopping = true
    core.logs.logger('web').info('web.stopping', { signal })
    const force = setTimeout(() => process.exit(1), 15_000)
    force.unref()
    await host.close()
    await core.close()
    process.exit(0)
  }
  process.on('SIGINT', () => void stop('SIGINT'))
  process.on('SIGTERM', () => void stop('SIGTERM'))
}

main().catch((error) => {
  process.stderr.write(`Browser mode failed to start: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exit(1)
})
