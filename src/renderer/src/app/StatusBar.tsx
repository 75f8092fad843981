import { getWsBridge } from '../api'
import type { ConnectionStatus } from '../api/ws-bridge'
import { formatCount } from '../lib/format'
import { useAppStore, useAppStoreShallow } from '../stores/use-app-store'
import { UnstoppedProfilesItem } from '../features/slots/UnstoppedProfiles'
import { UpdateNotice } from './UpdateNotice'

const STATUS_TEXT: Record<ConnectionStatus, string> = {
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  disconnected: 'Disconnected',
  restarted: 'Panel restarted',
  no_token: 'Not signed in',
}

export function StatusBar() {
  const { connection, info, infoError } = useAppStoreShallow((state) => ({
    connection: state.connection,
    info: state.systemInfo,
    infoError: state.systemInfoError,
  }))
  return (
    <footer className="statusbar">
      <div className="statusbar-item" role="status" aria-label="Connection">
        <span className={`status-dot status-${connection}`} aria-hidden="true" />
        <span>{STATUS_TEXT[connection]}</span>
        {connection === 'disconnected' ? (
          <button type="button" className="link-button" onClick={() => getWsBridge()?.reconnectNow()}>
            Reconnect
          </button>
        ) : null}
      </div>
      {info ? (
        <div className="statusbar-item" title={`Data folder: ${info.dataDir}\nLog file: ${info.logFile || '(none)'}`}>
          v{info.appVersion} · {info.mode === 'browser' ? 'Browser mode' : 'Desktop'}
        </div>
      ) : infoError ? (
        <div className="statusbar-item statusbar-error" title={infoError}>
          Panel info unavailable
        </div>
      ) : null}
      <UpdateNotice />
      <MonitorFigures />
    </footer>
  )
}

/** The monitor worker's figures: running profiles, queue, failures, tokens about to expire, alerts. */
function MonitorFigures() {
  const monitor = useAppStore((state) => state.monitor)
  if (!monitor) return <div className="statusbar-monitor" />
  const alerts = monitor.alerts
  return (
    <div className="statusbar-monitor" role="group" aria-label="Monitor">
      {alerts.length ? (
        <span className={`statusbar-item statusbar-alert alert-${alerts.some((alert) => alert.level === 'error') ? 'error' : 'warn'}`} title={alerts.map((alert) => alert.message).join('\n')}>
          ⚠ {alerts.length === 1 ? alerts[0].message : `${alerts.length} alerts`}
        </span>
      ) : null}
      <UnstoppedProfilesItem />
      <span className="statusbar-item" title="GoLogin profiles running now / at most">
        Profiles {monitor.slotsInUse}/{monitor.maxSlots}
      </span>
      <span className="statusbar-item" title="Sessions waiting for a slot">
        Queued {formatCount(monitor.pendingSessions)}
      </span>
      <span className="statusbar-item" title="Failed attempts in the last hour (share of finished attempts)">
        Failed/h {formatCount(monitor.failuresLastHour)} ({Math.round(monitor.failureRatePercent)}%)
      </span>
      <span className="statusbar-item" title="Tokens that expire within the next hour">
        Expiring {formatCount(monitor.tokensExpiringNextHour)}
      </span>
    </div>
  )
}
