import { EmptyState } from '../../components/EmptyState'
import { PageHeader } from '../../components/PageHeader'
import { useAppStore } from '../../stores/use-app-store'

export function SettingsPage() {
  const info = useAppStore((state) => state.systemInfo)
  return (
    <>
      <PageHeader title="Settings" />
      <EmptyState title="Settings cannot be edited here yet">
        <p>
          This page will hold the GoLogin API token, the endpoints (GoLogin cloud, the local launcher, X), the API apps
          (client id, secret, redirect URI, scopes), how many profiles run at once and the time limits.
        </p>
        <p>For now the panel runs with its defaults and any environment overrides it was started with.</p>
        {info ? (
          <dl className="facts">
            <dt>Data folder</dt>
            <dd>
              <code>{info.dataDir}</code>
            </dd>
            <dt>Log file</dt>
            <dd>
              <code>{info.logFile || 'none (logs kept in memory)'}</code>
            </dd>
            <dt>Version</dt>
            <dd>
              {info.appVersion} ({info.mode === 'browser' ? 'browser mode' : 'desktop'}, {info.platform})
            </dd>
          </dl>
        ) : null}
      </EmptyState>
    </>
  )
}
