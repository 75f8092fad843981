/**
 * Every migration, in order, imported explicitly (no globs). The origin service's history comes
 * first (0001–0004, its Alembic 001–004), then the panel's. Add a file `NNNN-name.ts` whose class
 * name ends in a 13-digit timestamp later than the previous one, and list it here.
 */
import { InitialSchema1704067200000 } from './0001-initial-schema'
import { ApiKeys1704412800000 } from './0002-api-keys'
import { RefreshToken1705276800000 } from './0003-refresh-token'
import { ProfileMetadata1705708800000 } from './0004-profile-metadata'
import { PanelSchema1767225600000 } from './0005-panel-schema'
import { PassThrough1777593600000 } from './0006-pass-through'
import { GoLoginSharedLimit1778112000000 } from './0007-gologin-shared-limit'
import { Claims1778716800000 } from './0008-claims'
import { Fencing1779321600000 } from './0009-fencing'
import { AuthenticatedRows1779926400000 } from './0010-authenticated-rows'
import { DeadHosts1780531200000 } from './0011-dead-hosts'
import { SessionNotify1781136000000 } from './0012-session-notify'
import { ManualFix1781740800000 } from './0013-manual-fix'
import { HostDrain1782345600000 } from './0014-host-drain'
import { AlertOutbox1782950400000 } from './0015-alert-outbox'
import { ProfileSetVersion1783555200000 } from './0016-profile-set-version'

export const MIGRATIONS = [
  InitialSchema1704067200000,
  ApiKeys1704412800000,
  RefreshToken1705276800000,
  ProfileMetadata1705708800000,
  PanelSchema1767225600000,
  PassThrough1777593600000,
  GoLoginSharedLimit1778112000000,
  Claims1778716800000,
  Fencing1779321600000,
  AuthenticatedRows1779926400000,
  DeadHosts1780531200000,
  SessionNotify1781136000000,
  ManualFix1781740800000,
  HostDrain1782345600000,
  AlertOutbox1782950400000,
  ProfileSetVersion1783555200000,
]

/** Names recorded in the `migrations` table, in order. */
export const MIGRATION_NAMES: readonly string[] = MIGRATIONS.map((migration) => new migration().name)
