/**
 * `npm run worker` as a process (`node out/main/worker.js`): it joins a shared PostgreSQL database with the data
 * key the panel exported, says it is ready with its slots, logs without the database password, and stops cleanly
 * on SIGTERM; without a PostgreSQL database, or with another key than the database's, it refuses and says why.
 * (PostgreSQL project only: the worker's database is a server.)
 */
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createCore, type Core } from '../../../src/main/core'
import type { DataKeyExportResult } from '../../../src/shared/contract/data-key'
import { freshPostgresUrl } from '../../helpers/test-database'
import { tempDir } from '../../helpers/temp-dir'

const ROOT = path.resolve(import.meta.dirname, '../../..')
const ENTRY = path.join(ROOT, 'out/main/worker.js')
const PASSPHRASE = 'Marble-Comet-Harbor-47!'

interface WorkerProcess {
  child: ChildProcess
  stdout(): string
  stderr(): string
  exited: Promise<number | null>
}

const children: ChildProcess[] = []
afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL')
      await new Promise((resolve) => child.once('exit', resolve))
    }
  }
})

function startWorker(args: string[], env: NodeJS.ProcessEnv = {}): WorkerProcess {
  if (!fs.existsSync(ENTRY)) throw new Error(`${ENTRY} is missing: run "npm run build" first`)
  const child = spawn(process.execPath, [ENTRY, ...args], { cwd: ROOT, env: { ...process.env, DATABASE_URL: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  children.push(child)
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (chunk) => (stdout += chunk))
  child.stderr!.on('data', (chunk) => (stderr += chunk))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return { child, stdout: () => stdout, stderr: () => stderr, exited }
}

/** Resolves with the WORKER_READY line, or fails with what the worker said if it exits first. */
async function ready(worker: WorkerProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    const look = () => {
      const line = worker.stdout().split('\n').find((l) => l.startsWith('WORKER_READY '))
      if (line) resolve(line)
    }
    worker.child.stdout!.on('data', look)
    look()
    void worker.exited.then((code) => reject(new Error(`the worker exited (${code}) before it was ready:\n${worker.stderr()}`)))
  })
}

/** The panel's host: creates the shared database, stores a secret and exports its data key to a file. */
async function panelWithKeyFile(url: string): Promise<{ core: Core; keyFile: string }> {
  const core = await createCore({ dataDir: tempDir('panel-'), mode: 'browser', env: { DATABASE_URL: url }, eventWindowMs: 5 })
  await core.settings.update({ gologinToken: 'gl-token-shared-by-every-host-0123456789' })
  const exported = await core.router.dispatch('dataKey:export', { passphrase: PASSPHRASE }, { transport: 'test' })
  if (!exported.success) throw new Error(exported.error)
  const result = exported.data as DataKeyExportResult
  if (result.mode !== 'download') throw new Error('browser mode exports a download')
  const keyFile = path.join(tempDir('transfer-'), result.fileName)
  fs.writeFileSync(keyFile, result.content)
  return { core, keyFile }
}

describe('npm run worker', () => {
  it('refuses to start without a PostgreSQL database, saying how to give one', async () => {
    const worker = startWorker(['--data-dir', tempDir('worker-')])
    expect(await worker.exited).toBe(2)
    expect(worker.stderr()).toMatch(/joins a shared PostgreSQL database and found none: pass --database-url-file FILE/)
  })

  it('refuses a database password on its command line, naming --database-url-file, before it connects', async () => {
    const worker = startWorker(['--data-dir', tempDir('worker-'), '--database-url', 'postgres://panel:pg-password-in-argv@127.0.0.1:1/panel'])
    expect(await worker.exited).toBe(2)
    expect(worker.stderr()).toMatch(/--database-url holds a password[\s\S]*--database-url-file FILE[\s\S]*DATABASE_URL[\s\S]*~\/\.pgpass/)
    expect(worker.stderr()).not.toContain('pg-password-in-argv')
  })

  it('joins with the exported data key, its secrets read from files (none on its command line), reports its slots, logs no password, and stops on SIGTERM', async () => {
    const url = await freshPostgresUrl()
    const { core, keyFile } = await panelWithKeyFile(url)
    try {
      const withPassword = new URL(url)
      withPassword.password = 'pg-password-never-logged'
      const credentials = tempDir('credentials-')
      const urlFile = path.join(credentials, 'database-url')
      fs.writeFileSync(urlFile, `${withPassword.toString()}\n`, { mode: 0o600 })
      const passphraseFile = path.join(credentials, 'passphrase')
      fs.writeFileSync(passphraseFile, `${PASSPHRASE}\n`, { mode: 0o600 })
      // Without the key the database was sealed with, the worker says which key is missing and how to give it.
      const keyless = startWorker(['--data-dir', tempDir('worker-'), '--database-url-file', urlFile, '--host-id', 'keyless'])
      expect(await keyless.exited).toBe(1)
      expect(keyless.stderr()).toMatch(/DATA_KEY_FILE and DATA_KEY_PASSPHRASE_FILE/)
      expect(keyless.stderr()).not.toContain('pg-password-never-logged')

      const dataDir = tempDir('worker-')
      const worker = startWorker(['--data-dir', dataDir, '--database-url-file', urlFile, '--slots', '3', '--host-id', 'rack-1'], {
        DATA_KEY_FILE: keyFile,
        DATA_KEY_PASSPHRASE_FILE: passphraseFile,
      })
      expect(await ready(worker)).toBe('WORKER_READY host=rack-1 slots=3')
      // What every local user sees (ps, /proc/PID/cmdline and environ) holds neither secret.
      if (process.platform === 'linux') {
        const cmdline = fs.readFileSync(`/proc/${worker.child.pid}/cmdline`, 'utf8')
        expect(cmdline).toContain('--database-url-file')
        expect(cmdline).not.toContain('pg-password-never-logged')
        const environ = fs.readFileSync(`/proc/${worker.child.pid}/environ`, 'utf8')
        expect(environ).not.toContain('pg-password-never-logged')
        expect(environ).not.toContain(PASSPHRASE)
      }
      worker.child.kill('SIGTERM')
      expect(await worker.exited).toBe(0)
      // The log names the database and its role; a password never reaches it (logging/redact.ts).
      expect(worker.stderr()).toMatch(/Worker rack-1 joined postgres:\/\/postgres@127\.0\.0\.1:5432\/\S+ with 3 slot\(s\)/)
      const logged = worker.stderr() + fs.readdirSync(path.join(dataDir, 'logs')).map((f) => fs.readFileSync(path.join(dataDir, 'logs', f), 'utf8')).join('')
      expect(logged).not.toContain('pg-password-never-logged')
      expect(logged).not.toContain(PASSPHRASE)
    } finally {
      await core.close()
    }
  })
})
