import type { Database } from '../../db'
import type { BatchRunner } from '../../services/automation/batch-runner'
import type { GoLoginService } from '../../services/gologin/gologin-service'
import type { ProfileSlots } from '../../services/gologin/profile-slots'
import type { RestApiBackend } from './backend'
import { DbRestApiReads } from './db-reads'

/** The REST API's backend made of the panel's own services: the same code the UI drives. */
export function createPanelRestBackend(deps: {
  db: Database
  gologinService: GoLoginService
  batches: BatchRunner
  slots: ProfileSlots
}): RestApiBackend {
  const reads = new DbRestApiReads(deps.db)
  return {
    // The origin service answered a started authorization as `in_progress` (its clients poll for the end);
    // a queued one is under way from the caller's point of view, so it keeps that answer.
    authorize: async (input) => {
      const result = await deps.batches.authorizeAccount(input)
      return result.existing || result.status !== 'pending' ? result : { ...result, status: 'in_progress' }
    },
    getSession: (sessionId, opts) => reads.getSession(sessionId, opts),
    listProfiles: (page, pageSize) => reads.listProfiles(page, pageSize),
    getProfile: (accountId) => reads.getProfile(accountId),
    syncProfiles: async () => deps.gologinService.startSync(),
    async health() {
      const figures = deps.slots.figures()
      const [{ pending }] = (await deps.db.dataSource.query(
        `SELECT COUNT(*) AS pending FROM authorization_sessions WHERE status IN ('pending', 'in_progress')`,
      )) as Array<{ pending: number }>
      return { profilesLimit: figures.maxConcurrent, activeProfiles: figures.slotsInUse, pendingAuthorizations: Number(pending) }
    },
  }
}
