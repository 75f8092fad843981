import { useState } from 'react'
import type { ExportResult } from '../../../../shared/contract/tokens'
import { api } from '../../api'
import { Dialog } from '../../components/Dialog'
import { errorMessage, plural } from '../../lib/format'
import { appStore } from '../../stores/app-store'
import { useAppStore } from '../../stores/use-app-store'

/** Browser mode answers a one-time URL: the browser downloads it like any file. */
function download(url: string, fileName: string): void {
  const link = document.createElement('a')
  link.href = url
  link.download = fileName
  link.rel = 'noopener'
  document.body.appendChild(link)
  link.click()
  link.remove()
}

export function exportToast(result: ExportResult): void {
  const { showToast } = appStore.getState()
  if (result.mode === 'saved') showToast(`${plural(result.rows, 'token')} written to ${result.path}`, 'success', 'Tokens exported')
  else if (result.mode === 'download') {
    download(result.url, result.fileName)
    showToast(`${result.rows === undefined ? 'Tokens' : plural(result.rows, 'token')} → ${result.fileName} (see your downloads)`, 'success', 'Tokens exported')
  } else showToast('Export cancelled; no file was written.', 'info')
}

/** Export tokens to CSV: choose the API app and whether only valid tokens go in; main writes the file. */
export function ExportDialog({ onClose }: { onClose(): void }) {
  const apps = useAppStore((state) => state.apiApps)
  const [apiApp, setApiApp] = useState('')
  const [onlyValid, setOnlyValid] = useState(true)
  const [busy, setBusy] = useState(false)
  const [problem, setProblem] = useState<string | null>(null)

  const run = async () => {
    setBusy(true)
    setProblem(null)
    try {
      exportToast(await api.call('tokens:export', { apiApp: apiApp || null, onlyValid }))
      onClose()
    } catch (error) {
      setProblem(errorMessage(error))
      setBusy(false)
    }
  }

  const footer = (
    <>
      <button type="button" className="button" onClick={onClose} disabled={busy}>
        Cancel
      </button>
      <button type="button" className="button button-primary" onClick={run} disabled={busy}>
        {busy ? 'Exporting…' : 'Export CSV'}
      </button>
    </>
  )
  return (
    <Dialog title="Export tokens" onClose={onClose} footer={footer} busy={busy} problem={problem}>
      <p className="dialog-summary">
        One row per account with its newest token: username, X user id, API app, access and refresh token, scopes, expiry. The file holds
        secrets: keep it somewhere safe.
      </p>
      <div className="form-grid">
        <label htmlFor="export-app">API app</label>
        <select id="export-app" value={apiApp} onChange={(event) => setApiApp(event.target.value)} disabled={busy}>
          <option value="">All API apps</option>
          {(apps ?? []).map((app) => (
            <option key={app.name} value={app.name}>
              {app.name}
            </option>
          ))}
        </select>
        <span />
        <label className="check-line">
          <input type="checkbox" checked={onlyValid} onChange={(event) => setOnlyValid(event.target.checked)} disabled={busy} />
          Only valid tokens
        </label>
      </div>
    </Dialog>
  )
}
