/**
 * A host recovers before it claims (issue 19, row 3): a host restarting on its data folder first stops the profiles
 * its journal says its last run left running, and only then takes work — else it could start a profile GoLogin is
 * still closing (on another host: one profile twice). Watched from the outside: a recording proxy in front of the
 * GoLogin desktop app's local API (the sandbox's) that answers stops slowly and logs every request in order.
 */
import { randomUUID } from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import pg from 'pg'
import { afterEach, describe, expect, it } from 'vitest'
import { JOURNAL_FILE_NAME } from '../../../src/main/services/lifecycle/started-profiles-journal'
import { tempDir } from '../../helpers/temp-dir'
import { claimWorld, sessionsOf, until } from './claims-world'

const servers: http.Server[] = []
afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve))
})

/** Forwards to `target`, logging "<path> <profileId> sent/answered"; stops are answered `stopDelayMs` late. */
async function recordingProxy(target: string, stopDelayMs: number): Promise<{ url: string; log: string[] }> {
  const log: string[] = []
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', async () => {
      const body = Buffer.concat(chunks)
      const profileId = body.length ? (JSON.parse(body.toString('utf8')) as { profileId?: string }).profileId : undefined
      const what = `${request.url} ${profileId ?? ''}`.trim()
      log.push(`${what} sent`)
      if (request.url?.includes('stop')) await new Promise((resolve) => setTimeout(resolve, stopDelayMs))
      const answer = await fetch(new URL(request.url!, target), { method: request.method, headers: { 'content-type': 'application/json' }, body: body.length ? body : undefined })
      const text = await answer.text()
      log.push(`${what} answered`)
      response.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' })
      response.end(text)
    })
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, log }
}

describe('a restarting host', () => {
  it('stops what its journal lists before it claims any work: GoLogin answers the stop before the start', { timeout: 120_000 }, async () => {
    const world = await claimWorld({ consentDelayMs: 300 })
    const setup = await world.host('setup', { prepare: true })
    await setup.close()
    const [account] = world.sandbox.accounts()
    // The last run of host "a" left this profile running (its journal and its in-use flag say so) and one of its
    // accounts is queued again.
    const dataDir = tempDir('recover-first-')
    fs.writeFileSync(path.join(dataDir, JOURNAL_FILE_NAME), JSON.stringify({ version: 1, profileIds: [account.profileId], updatedAt: new Date().toISOString() }))
    const batchId = randomUUID()
    const db = new pg.Client({ connectionString: world.databaseUrl })
    await db.connect()
    try {
      await db.query(`UPDATE profiles SET in_use = TRUE, in_use_by = 'a' WHERE profile_id = $1`, [account.profileId])
      await db.query(`INSERT INTO batches (id, api_app, state, created_by) VALUES ($1, 'SANDBOX1', 'running', 'a')`, [batchId])
      await db.query(
        `INSERT INTO authorization_sessions (session_id, batch_id, profile_id, twitter_username, api_app, status, attempt) VALUES ($1, $2, $3, $4, 'SANDBOX1', 'pending', 1)`,
        [randomUUID(), batchId, account.profileId, account.username],
      )
    } finally {
      await db.end()
    }
    const proxy = await recordingProxy(world.sandbox.env.GOLOGIN_LOCAL_API_URL, 1_500)
    const a = await world.host('a', { slots: 1, env: { GOLOGIN_LAUNCHER: 'desktop', GOLOGIN_LOCAL_API_URL: proxy.url }, core: { dataDir } })
    await until('the account is authorized', async () => (await sessionsOf(a, batchId)).every((r) => r.status === 'completed'), 90_000)

    const stopAnswered = proxy.log.indexOf(`/browser/stop-profile ${account.profileId} answered`)
    const startSent = proxy.log.indexOf(`/browser/start-profile ${account.profileId} sent`)
    expect(stopAnswered, proxy.log.join('\n')).toBeGreaterThanOrEqual(0)
    expect(startSent, proxy.log.join('\n')).toBeGreaterThan(stopAnswered)
  })
})
