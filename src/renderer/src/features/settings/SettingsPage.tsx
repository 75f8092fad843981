import { EmptyState } from '../../components/EmptyState'
import { PageHeader } from '../../components/PageHeader'
import { loaders } from '../../stores/panel'
import { useAppStoreShallow } from '../../stores/use-app-store'
import { AlertTargetsEditor } from './AlertTargetsEditor'
import { ApiAppsEditor } from './ApiAppsEditor'
import { ApiKeysEditor } from './ApiKeysEditor'
import { DataKeySection } from './DataKeySection'
import { DatabaseHostsSection } from './DatabaseHostsSection'
import { SettingsForm } from './SettingsForm'

export function SettingsPage() {
  const { view, error, info } = useAppStoreShallow((state) => ({ view: state.settingsView, error: state.settingsError, info: state.systemInfo }))
  return (
    <div className="settings-page">
      <PageHeader title="Settings" subtitle="Stored in the panel's database; secrets encrypted." />
      <div className="settings-columns">
        <div className="settings-main">
          {view ? (
            <SettingsForm view={view} />
          ) : error ? (
            <EmptyState
              title="The settings could not be loaded"
              actions={
                <button type="button" className="button" onClick={() => void loaders.loadSettings()}>
                  Try again
                </button>
              }
            >
              <p>{error}</p>
            </EmptyState>
          ) : (
            <p className="muted">Loading settings…</p>
          )}
        </div>
        <div className="settings-side">
          <ApiAppsEditor />
          <ApiKeysEditor />
          <AlertTargetsEditor />
          <DatabaseHostsSection />
          {info ? (
            <section className="settings-section" aria-label="About and security">
              <h2>About and security</h2>
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
                <dt>Data key protected by</dt>
                <dd>{info.dataKey.protectedBy}</dd>
                <dt>Data key fingerprint</dt>
                <dd>
                  <code>{info.dataKey.keyId}</code>
                </dd>
              </dl>
              {info.dataKey.osKeychain ? null : (
                <p className="muted">
                  {info.mode === 'desktop'
                    ? 'No system keychain was available, so the key that encrypts stored tokens and secrets is in a file only your user account can read. It moves into the keychain by itself at the next start once one is available (on Linux: GNOME Keyring or KWallet, unlocked at login).'
                    : 'Browser mode keeps the key that encrypts stored tokens and secrets in a file only your user account can read (data.key in the data folder).'}
                </p>
              )}
              <DataKeySection info={info} />
            </section>
          ) : null}
        </div>
      </div>
    </div>
  )
}
