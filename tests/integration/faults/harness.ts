/**
 * The fault matrix's view of a panel on the sandbox: what an operator (or the machine) can check from the
 * outside. Browsers are counted by the sandbox (its own running count and peak, and Chromium processes),
 * never by the panel's slots; the journal is read from its file; tokens are decrypted from the database
 * and compared with what the X sandbox issued.
 */
import fs from 'node:fs'
import path from 'node:path'
import { expect, vi } from 'vitest'
import type { SessionRow } from '../../../src/shared/contract/sessions'
import { AuthorizationSessionEntity } from '../../../src/main/db'
import { JOURNAL_FILE_NAME } from '../../../src/main/services/lifecycle/started-profiles-journal'
import type { PanelWorld } from '../authorization/panel-world'

/** Profile ids the journal of started profiles names (what the next start-up will stop). */
export function journal(dataDir: string): string[] {
  try {
    return (JSON.parse(fs.readFileSync(path.join(dataDir, JOURNAL_FILE_NAME), 'utf8')) as { profileIds: string[] }).profileIds
  } catch {
    return []
  }
}

/**
 * Follows the sandbox while the test runs: at every change of the panel's slots, every browser the sandbox
 * runs must be in the journal on disk. Returns the breaches seen (profile ids running but not journalled).
 */
export function watchJournal(world: PanelWorld): { breaches: string[]; stop(): void } {
  const breaches: string[] = []
  const check = () => {
    const written = new Set(journal(world.dataDir))
    for (const browser of world.sandbox.gologin.browsers()) if (!written.has(browser.profileId)) breaches.push(browser.profileId)
  }
  const stop = world.core.gologin.slots.subscribe(check)
  return { breaches, stop }
}

/** The sandbox's own count of browsers running now and at most so far. */
export function sandboxBrowsers(world: PanelWorld): { running: number; peak: number } {
  const { running, peak } = world.sandbox.gologin.stats().browsers
  return { running, peak }
}

/** Waits for the first session of the batch that matches (polling the Sessions page's query). */
export async function untilSession(world: PanelWorld, batchId: string, match: (row: SessionRow) => boolean, timeout = 60_000): Promise<SessionRow> {
  let found: SessionRow | undefined
  await vi.waitFor(
    async () => {
      found = (await world.sessionsOf(batchId)).find(match)
      expect(found).toBeDefined()
    },
    { timeout, interval: 50 },
  )
  return found!
}

/** Every session of the batch is in a final state; answers them. */
export async function expectAllTerminal(world: PanelWorld, batchId: string): Promise<SessionRow[]> {
  const sessions = await world.sessionsOf(batchId)
  for (const session of sessions) expect(['completed', 'failed', 'timeout', 'cancelled'], `${session.username}: ${session.status}`).toContain(session.status)
  return sessions
}

/** Every completed session's tokens decrypt to exactly what the X sandbox issued for that account. */
export async function expectTokensAsIssued(world: PanelWorld, batchId?: string): Promise<number> {
  const repo = world.core.db.dataSource.getRepository(AuthorizationSessionEntity)
  const rows = await repo.findBy(batchId ? { batchId, status: 'completed' } : { status: 'completed' })
  const issued = world.sandbox.issuedTokens()
  for (const row of rows) {
    const token = issued.find((t) => t.accessToken === row.accessToken)
    expect(token, `tokens of @${row.twitterUsername}`).toBeDefined()
    expect(token).toMatchObject({ username: row.twitterUsername, refreshToken: row.refreshToken, revoked: false })
  }
  return rows.length
}
