import { getWsBridge } from '../api'
import type { ConnectionStatus } from '../api/ws-bridge'
import { useAppStoreShallow } from '../stores/use-app-store'

const STATUS_TEXT: Record<ConnectionStatus, string> = {
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  disconnected: 'Disconnected',
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
      {/* Monitor figures (running profiles, queue, GoLogin rate budget) go here. */}
      <div className="statusbar-monitor" />
    </footer>
  )
}
