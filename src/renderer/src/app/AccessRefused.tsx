import { useAppStore } from '../stores/use-app-store'

/**
 * Browser mode when the panel will not serve this page: its token belongs to an earlier run (the panel restarted and
 * printed a new address) or it has none. Reconnecting cannot help, so the page says what does.
 */
export function AccessRefused() {
  const connection = useAppStore((state) => state.connection)
  if (connection !== 'restarted' && connection !== 'no_token') return null
  return (
    <div className="access-refused" role="alert" aria-label="Access refused">
      <strong>{connection === 'restarted' ? 'This panel was restarted — open the new address it printed' : 'Open the address browser mode printed'}</strong>
      <span>
        Browser mode prints <code>PANEL_URL=http://127.0.0.1:…/#token=…</code> when it starts; that address carries this run's access token.
        {connection === 'restarted' ? ' The address this tab was opened with belongs to an earlier run.' : ''}
      </span>
    </div>
  )
}
