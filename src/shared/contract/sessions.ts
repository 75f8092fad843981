import { z } from 'zod'
import type { ErrorCode } from '../errors'
import { event, request, returns } from './define'

export const SESSION_STATUSES = ['pending', 'in_progress', 'completed', 'failed', 'timeout', 'cancelled'] as const
export type SessionStatus = (typeof SESSION_STATUSES)[number]
export const TERMINAL_STATUSES: readonly SessionStatus[] = ['completed', 'failed', 'timeout', 'cancelled']
/** Statuses a retry can pick up (a selection of sessions, or a batch without `statuses`). */
export const RETRYABLE_STATUSES = ['failed', 'timeout', 'cancelled'] as const satisfies readonly SessionStatus[]
/** What "Retry failed" counts and retries: failed and timed-out attempts (cancelled ones are offered apart). */
export const FAILED_STATUSES = ['failed', 'timeout'] as const satisfies readonly SessionStatus[]

export const SESSION_STEPS = ['starting_profile', 'connecting', 'consent', 'exchanging', 'verifying'] as const
export type SessionStep = (typeof SESSION_STEPS)[number]

export const TOKEN_STATUSES = ['valid', 'expired', 'revoked', 'replaced'] as const
export type TokenStatus = (typeof TOKEN_STATUSES)[number]

/** How the API app's own callback answered X's redirect in pass-through mode (no secret in it). */
export interface CallbackAnswer {
  /** HTTP status of the page the browser ended on (null: no answer). */
  status: number | null
  /** Where the browser ended, every query value removed. */
  url: string | null
  /** Whether the app's success marker matched (null: none configured). */
  markerMatched: boolean | null
}

/** One authorization attempt as the UI sees it (never any token). */
export interface SessionRow {
  /** session_id */
  id: string
  batchId: string | null
  profileId: string
  profileName: string | null
  username: string
  apiApp: string
  status: SessionStatus
  step: SessionStep | null
  errorCode: ErrorCode | null
  errorMessage: string | null
  attempt: number
  retryOf: string | null
  xUserId: string | null
  scopes: string[] | null
  tokenStatus: TokenStatus | null
  expiresAt: string | null
  createdAt: string
  startedAt: string | null
  completedAt: string | null
  durationMs: number | null
  hasScreenshot: boolean
  /** Pass-through: X's redirect reached the API app's callback and it answered as expected (the panel holds no token). */
  deliveredToCallback: boolean
  /** Pass-through: what the callback answered (also when it failed). */
  callbackAnswer: CallbackAnswer | null
}

/** One batch for the Sessions page's batch filter, with its counts. */
export interface BatchSummary {
  batchId: string
  apiApp: string
  createdAt: string
  total: number
  completed: number
  failed: number
}

/** A page of sessions, newest first; `nextCursor` continues it. */
export interface SessionPage {
  rows: SessionRow[]
  nextCursor: number | null
  total: number
}

/** A partial update pushed on the `sessions` channel; `id` is always present. */
export type SessionPatch = Partial<SessionRow> & { id: string }

const sessionId = z.string().min(1).max(100)

export const sessionsContract = {
  /** Newest first. `cursor` is the opaque value returned as `nextCursor`. */
  'sessions:list': request(
    z
      .object({
        batchId: z.string().max(100).optional(),
        statuses: z.array(z.enum(SESSION_STATUSES)).max(6).optional(),
        search: z.string().max(200).optional(),
        limit: z.number().int().min(1).max(5_000).default(1_000),
        cursor: z.number().int().min(0).optional(),
      })
      .strict(),
    returns<SessionPage>(),
  ),
  'sessions:get': request(z.object({ id: sessionId }).strict(), returns<SessionRow>()),
  /** The PNG saved when the attempt failed, as a data URL (null when there is none). */
  'sessions:screenshot': request(z.object({ id: sessionId }).strict(), returns<{ dataUrl: string | null }>()),
  /** The batches known, newest first, for the Sessions page's batch filter. */
  'sessions:batches': request(
    z.object({ limit: z.number().int().min(1).max(500).default(100) }).strict().default({ limit: 100 }),
    returns<BatchSummary[]>(),
  ),
}

export const sessionsEvents = {
  sessions: event<SessionPatch>('keyed'),
}
