/**
 * The composite sandbox: GoLogin + X + the API apps' callback servers (see sandbox-mode.ts), and the
 * two steps the composition root takes with it — reading whether the stored `sandboxMode` setting is
 * on (before the settings service opens, since sandbox mode changes its environment), and preparing
 * the panel's data (the public API app, the generated profiles already mapped).
 */
import type { DataSource } from 'typeorm'
import type { ApiAppInput } from '../../shared/contract/settings'
import { upsertProfiles } from '../db'
import { settingMacVerifies } from '../db/row-mac'
import type { SandboxMode } from './sandbox-mode'

export { APP_SERVER_MARKER, PASS_THROUGH_APPS, startSandboxMode, SANDBOX_APPS } from './sandbox-mode'
export type { SandboxAccount, SandboxMode, SandboxModeOptions, SandboxModeStats } from './sandbox-mode'
export { DEMO_FAILURES, HEALTHY_BEHAVIOURS, SANDBOX_BEHAVIOURS, type BehaviourPlan, type SandboxBehaviour, type SlowLink } from './sandbox-behaviours'

/** Whether the operator turned sandbox mode on (the stored setting; applies at the next start). A row changed without the data key is not (the settings service names it). */
export async function sandboxModeStored(dataSource: DataSource): Promise<boolean> {
  const rows: Array<{ value: string | null; mac: string | null }> = await dataSource.query(`SELECT value, mac FROM settings WHERE key = 'sandboxMode'`)
  const row = rows[0]
  if (!row || !settingMacVerifies({ key: 'sandboxMode', value: row.value, mac: row.mac })) return false
  try {
    return row.value ? JSON.parse(row.value) === true : false
  } catch {
    return false
  }
}

/**
 * Saves the API apps the environment cannot define (the public SANDBOX2) and maps the generated
 * profiles to their usernames and apps, so "Authorize selected" works before the first sync (a
 * sync later finds them mapped the same way).
 */
export async function prepareSandboxData(
  sandbox: Pick<SandboxMode, 'apiApps' | 'accounts' | 'gologin'>,
  deps: { dataSource: DataSource; apiApps: { save(input: ApiAppInput): Promise<unknown> } },
): Promise<void> {
  for (const app of sandbox.apiApps) await deps.apiApps.save(app)
  const byId = new Map(sandbox.gologin.profiles().map((profile) => [profile.id, profile]))
  await upsertProfiles(
    deps.dataSource,
    sandbox.accounts().map((account) => {
      const profile = byId.get(account.profileId)
      return {
        profileId: account.profileId,
        profileName: account.profileName,
        metadata: { folder: profile?.folders[0] ?? null, tags: profile?.tags ?? [], notes: profile?.notes ?? null, os: profile?.os ?? null },
        mapping: { twitterUsername: account.username, apiApp: account.apiApp, source: 'pattern' as const },
      }
    }),
  )
}
