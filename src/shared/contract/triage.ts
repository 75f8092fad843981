import { z } from 'zod'
import { request, returns } from './define'
import { RETRYABLE_STATUSES } from './sessions'

/** The failure list's columns (no token, secret or proxy detail: who, which app, what failed and why). */
export const FAILURE_CSV_COLUMNS = [
  'profile_id',
  'profile_name',
  'twitter_username',
  'api_app',
  'status',
  'error_code',
  /** "Retry may help" or "Needs a person" (errors.ts, `failureGroup`). */
  'failure_group',
  'error_message',
  'attempt',
  'failed_at',
  /** `yes` when the account is set aside as "needs a manual fix". */
  'needs_manual_fix',
  'session_id',
  'batch_id',
] as const

export type FailureExportResult =
  | { mode: 'saved'; path: string; rows: number }
  /** Browser mode: the renderer offers the text as a download. */
  | { mode: 'text'; csv: string; fileName: string; rows: number }
  | { mode: 'cancelled' }

/** A profile open on this host for the operator to fix by hand (it holds a slot until Done). */
export interface OpenedProfile {
  profileId: string
  openedAt: string
}

const profileId = z.string().min(1).max(100)
const profileIds = z.array(profileId).min(1, 'choose at least one account').max(100_000)

const failureTarget = z
  .object({
    batchId: z.string().min(1).max(100).optional(),
    sessionIds: z.array(z.string().min(1).max(100)).min(1).max(100_000).optional(),
    /** Only attempts in these statuses (default failed, timeout and cancelled), as the Retry dialog's target says. */
    statuses: z.array(z.enum(RETRYABLE_STATUSES)).min(1).max(3).optional(),
  })
  .strict()
  .refine((v) => Boolean(v.batchId) !== Boolean(v.sessionIds), 'give either batchId or sessionIds')

export const triageContract = {
  /** Sets the accounts aside as "needs a manual fix": retries leave them out until the mark is cleared. */
  'triage:mark': request(z.object({ profileIds }).strict(), returns<{ marked: number; unknown: string[] }>()),
  'triage:clear': request(z.object({ profileIds }).strict(), returns<{ cleared: number }>()),
  /**
   * Starts the profile visibly (desktop launcher) for the operator to fix by hand, holding one of this host's slots
   * until `triage:done`; answers once it runs. Refused in cloud launch mode (the panel cannot show a cloud browser).
   */
  'triage:open': request(z.object({ profileId }).strict(), returns<OpenedProfile>()),
  /** Stops the profile and frees its slot; `clearMark`: the account was fixed, retry it again. */
  'triage:done': request(z.object({ profileId, clearMark: z.boolean().optional() }).strict(), returns<{ profileId: string; cleared: boolean }>()),
  'triage:opened': request(z.undefined().or(z.object({}).strict()), returns<OpenedProfile[]>()),
  /** The failed, timed-out and cancelled attempts of a batch (or of the given sessions) as CSV. */
  'triage:exportFailures': request(failureTarget, returns<FailureExportResult>()),
}
