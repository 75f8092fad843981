import type { ProfileRow } from '../../../src/shared/contract/profiles'
import type { SessionRow } from '../../../src/shared/contract/sessions'

/** A profile as `profiles:list` answers it; `i` numbers the name, id and username. */
export function profileRow(i: number, overrides: Partial<ProfileRow> = {}): ProfileRow {
  const n = String(i).padStart(5, '0')
  return {
    id: `p${n}`,
    name: `Profile ${n}`,
    username: `user${n}`,
    apiApp: 'AIOTT1',
    mappingSource: 'pattern',
    folder: 'Batch 1',
    tags: ['x'],
    notes: '',
    os: 'win',
    proxyCountry: 'us',
    isActive: true,
    inUse: false,
    lastSynced: '2025-01-01T00:00:00.000Z',
    lastStatus: null,
    lastErrorCode: null,
    lastAttemptAt: null,
    lastAuthorizedAt: null,
    tokenExpiresAt: null,
    tokenStatus: null,
    lastApiApp: null,
    tokens: {},
    manualFixSince: null,
    manualFixReason: null,
    ...overrides,
  }
}

export function profileRows(count: number, from = 0): ProfileRow[] {
  return Array.from({ length: count }, (_, i) => profileRow(from + i))
}

export function sessionRow(id: string, overrides: Partial<SessionRow> = {}): SessionRow {
  return {
    id,
    batchId: 'b1',
    profileId: 'p00001',
    profileName: 'Profile 00001',
    username: 'user00001',
    apiApp: 'AIOTT1',
    status: 'pending',
    step: null,
    errorCode: null,
    errorMessage: null,
    attempt: 1,
    retryOf: null,
    xUserId: null,
    scopes: null,
    tokenStatus: null,
    expiresAt: null,
    createdAt: '2025-01-01T12:00:00.000Z',
    startedAt: null,
    completedAt: null,
    durationMs: null,
    hasScreenshot: false,
    deliveredToCallback: false,
    callbackAnswer: null,
    ...overrides,
  }
}
