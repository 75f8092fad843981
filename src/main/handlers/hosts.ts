import type { PartialHandlerMap } from '../ipc/router'
import type { DrainAction, DrainStatusView, HostDrainResult, HostReleaseResult, HostsOverview } from '../../shared/contract/hosts'
import type { DatabaseJoinService } from '../services/hosts/database-join'
import type { RestApiExposureService } from '../services/hosts/rest-api-exposure'
import type { SqliteCopy } from '../services/hosts/sqlite-copy'

type HostsChannel =
  | 'hosts:list'
  | 'hosts:status'
  | 'hosts:testDatabase'
  | 'hosts:joinDatabase'
  | 'hosts:leaveDatabase'
  | 'hosts:setSlots'
  | 'hosts:restApi'
  | 'hosts:setRestApi'
  | 'hosts:relaunch'
  | 'hosts:copyPreview'
  | 'hosts:copyFromSqlite'
  | 'hosts:release'
  | 'hosts:drain'
  | 'hosts:drainStatus'

export function hostsHandlers(
  service: Pick<DatabaseJoinService, 'status' | 'test' | 'join' | 'leave' | 'setSlots' | 'relaunch'>,
  overview: () => Promise<HostsOverview>,
  /** On PostgreSQL: this machine's SQLite file, to copy into the shared database; null on SQLite. */
  copy: () => Pick<SqliteCopy, 'preview' | 'copy'>,
  restApi: Pick<RestApiExposureService, 'status' | 'set'>,
  /** On PostgreSQL: frees an offline host's profiles and claims at once; refused on SQLite. */
  release: (hostId: string) => Promise<HostReleaseResult>,
  /** Drain or resume any host of the database (this one at once); this host's drain state. */
  drain: { set(hostId: string, action: DrainAction): Promise<HostDrainResult>; status(): DrainStatusView },
): PartialHandlerMap<HostsChannel> {
  return {
    'hosts:list': () => overview(),
    'hosts:status': () => service.status(),
    'hosts:testDatabase': ({ url, keyFile, passphrase }) => service.test({ url, keyFile, passphrase }),
    'hosts:joinDatabase': ({ url, keyFile, passphrase }) => service.join({ url, keyFile, passphrase }),
    'hosts:leaveDatabase': () => service.leave(),
    'hosts:setSlots': ({ slots }) => service.setSlots(slots),
    'hosts:restApi': () => restApi.status(),
    'hosts:setRestApi': (exposure) => restApi.set(exposure),
    'hosts:relaunch': () => service.relaunch(),
    'hosts:copyPreview': () => copy().preview(),
    'hosts:copyFromSqlite': () => copy().copy(),
    'hosts:release': ({ hostId }) => release(hostId),
    'hosts:drain': ({ hostId, action }) => drain.set(hostId, action),
    'hosts:drainStatus': () => drain.status(),
  }
}
