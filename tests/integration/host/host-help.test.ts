/** `--help` of the worker and of browser mode prints their usage and exits 0 (it was refused as an unknown option). */
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = path.resolve(import.meta.dirname, '../../..')

describe('--help', () => {
  for (const [entry, usage, options] of [
    ['worker', 'Usage: npm run worker -- --data-dir DIR', ['--database-url-file FILE', '--database-url URL', '--copy-from-sqlite DIR', 'DATA_KEY_PASSPHRASE_FILE']],
    ['web', 'Usage: npm run start:web -- --data-dir DIR', ['--sandbox-profiles N']],
  ] as const) {
    it(`node out/main/${entry}.js --help prints the usage and exits 0`, () => {
      const file = path.join(ROOT, 'out/main', `${entry}.js`)
      expect(fs.existsSync(file), `${file} is missing: run "npm run build" first`).toBe(true)
      for (const flag of ['--help', '-h']) {
        const result = spawnSync(process.execPath, [file, flag], { cwd: ROOT, encoding: 'utf8', timeout: 20_000 })
        expect(result.stderr).toBe('')
        expect(result.status).toBe(0)
        expect(result.stdout).toContain(usage)
        for (const option of options) expect(result.stdout).toContain(option)
      }
    })
  }
})
