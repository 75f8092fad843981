import { z } from 'zod'
import type { ErrorCode } from '../errors'
import { RETRYABLE_STATUSES } from './sessions'
import { event, request, returns } from './define'

export const BATCH_STATES = ['running', 'paused', 'cancelling', 'finished', 'cancelled'] as const
export type BatchState = (typeof BATCH_STATES)[number]

/** Live progress of one batch ("Authorize selected" or a retry). */
export interface BatchProgress {
  /** batch id */
  id: string
  apiApp: string
  state: BatchState
  total: number
  queued: number
  running: number
  /** Sessions in a terminal state. */
  done: number
  succeeded: number
  failed: number
  cancelled: number
  skipped: number
  slotsInUse: number
  maxSlots: number
  /** Estimated time to finish, from observed durations; null until one account finished, and while accounts wait for an offline host. */
  etaMs: number | null
  /**
   * PostgreSQL: accounts of the batch that wait for an offline host (it holds their profile, or claimed their
   * session): they finish only once that host is declared dead or its profiles are released. Empty: none.
   */
  waitsFor?: BatchHostWait[]
  startedAt: string
  finishedAt: string | null
  /** The batch this one retries, if it is a retry. */
  retryOf: string | null
}

export interface BatchHostWait {
  hostId: string
  accounts: number
  /** The host's last heartbeat. */
  offlineSince: string
}

export interface BatchStartResult {
  batchId: string
  queued: number
  /** Accounts not queued, each with the reason (already in progress, no username mapped, duplicate…). */
  skipped: Array<{ profileId: string; reason: string }>
  /** A retry: its accounts by failure group (both groups, whichever were asked for); absent for "Authorize selected". */
  triage?: RetryTriage
}

/** The skip reason of an account set aside as "needs a manual fix" (the Retry dialog offers to clear the mark). */
export const NEEDS_MANUAL_FIX = 'needs a manual fix (clear the mark to retry it)'

/** One failure group of a retry: "retry may help" or "needs a person" (errors.ts, `failureGroup`). */
export interface RetryGroupFacts {
  accounts: number
  /** Accounts per error code of the failed attempt, most frequent first (null: ended without a code). */
  codes: Array<{ code: ErrorCode | null; accounts: number }>
  /** The accounts' GoLogin profile ids (to set them aside as "needs a manual fix"). */
  profileIds: string[]
}

export interface RetryTriage {
  retry: RetryGroupFacts
  person: RetryGroupFacts
}

const batchId = z.string().min(1).max(100)
const apiAppName = z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'an API app name (letters, digits, _ or -)')

const retryInput = z
  .object({
    batchId: batchId.optional(),
    sessionIds: z.array(z.string().min(1).max(100)).min(1).max(100_000).optional(),
    /** Also re-authorize accounts that hold a valid token issued after their failed attempt. */
    reauthorize: z.boolean().optional(),
    /** Retry only the accounts of these failure groups (default both): the Retry dialog asks for `['retry']` first. */
    groups: z
      .array(z.enum(['retry', 'person']))
      .min(1, 'choose at least one failure group to retry (retry or person)')
      .max(2)
      .optional(),
    /** Of a batch, only the sessions in these statuses ("Retry failed": failed and timeout; "Retry cancelled"); default all three. */
    statuses: z.array(z.enum(RETRYABLE_STATUSES)).min(1).max(3).optional(),
  })
  .strict()
  .refine((v) => Boolean(v.batchId) !== Boolean(v.sessionIds), 'give either batchId or sessionIds')

export const batchesContract = {
  /** "Authorize selected": one session per profile, run through the GoLogin slots. */
  'batch:start': request(
    z.object({ profileIds: z.array(z.string().min(1).max(100)).min(1).max(100_000), apiApp: apiAppName }).strict(),
    returns<BatchStartResult>(),
  ),
  'batch:pause': request(z.object({ batchId }).strict(), returns<BatchProgress>()),
  'batch:resume': request(z.object({ batchId }).strict(), returns<BatchProgress>()),
  /** Queued sessions become `cancelled`; running ones are stopped cleanly. */
  'batch:cancel': request(z.object({ batchId }).strict(), returns<BatchProgress>()),
  /**
   * A new batch of new attempts (attempt + 1) for the failed/timeout/cancelled sessions of a batch,
   * or of the given sessions. History is never overwritten.
   */
  'batch:retry': request(retryInput, returns<BatchStartResult>()),
  /** What `batch:retry` would queue and skip (with the reasons), starting nothing; `batchId` of the answer is empty. */
  'batch:retryPlan': request(retryInput, returns<BatchStartResult>()),
  /** Whether a batch for this API app can start now: the reason it would be refused, as a failed answer. */
  'batch:check': request(z.object({ apiApp: apiAppName }).strict(), returns<{ apiApp: string; ready: true }>()),
  /** Batches that are running or paused, and the most recently finished one. */
  'batch:active': request(z.undefined().or(z.object({}).strict()), returns<BatchProgress[]>()),
}

export const batchesEvents = {
  progress: event<BatchProgress>('keyed'),
}
