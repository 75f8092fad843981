import { useState } from 'react'
import type { DataKeyExportResult } from '../../../../shared/contract/data-key'
import { api } from '../../api'
import { Dialog } from '../../components/Dialog'
import { errorMessage } from '../../lib/format'
import { appStore } from '../../stores/app-store'
import { usePassphraseVerdict } from './passphrase-rater'

/** Browser mode gets the file itself: saved through the browser's downloads. */
function downloadFile(fileName: string, content: string): void {
  const url = URL.createObjectURL(new Blob([content], { type: 'application/json' }))
  const link = document.createElement('a')
  link.href = url
  link.download = fileName
  link.rel = 'noopener'
  document.body.appendChild(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(url), 60_000)
}

function exportedToast(result: DataKeyExportResult): void {
  const { showToast } = appStore.getState()
  if (result.mode === 'cancelled') return showToast('Export cancelled; no file was written.', 'info')
  if (result.mode === 'download') downloadFile(result.fileName, result.content)
  const where = result.mode === 'saved' ? `written to ${result.path}` : `→ ${result.fileName} (see your downloads)`
  showToast(`Data key ${result.keyId} ${where}. Keep the passphrase apart from the file.`, 'success', 'Data key exported')
}

/** Export the data key as a file protected by a passphrase asked twice, strong enough to resist offline guessing. */
export function DataKeyExportDialog({ onClose }: { onClose(): void }) {
  const [passphrase, setPassphrase] = useState('')
  const [again, setAgain] = useState('')
  const [busy, setBusy] = useState(false)
  const [problem, setProblem] = useState<string | null>(null)
  const verdict = usePassphraseVerdict(passphrase)
  const differs = again.length > 0 && again !== passphrase
  const ready = Boolean(verdict?.ok) && again === passphrase && !busy

  const run = async () => {
    if (!ready) return
    setBusy(true)
    setProblem(null)
    try {
      exportedToast(await api.call('dataKey:export', { passphrase }))
      onClose()
    } catch (error) {
      setProblem(errorMessage(error))
      setBusy(false)
    }
  }

  const strength = !passphrase
    ? '20 or more characters (a few words nobody would guess together), or at least 12 that are very hard to guess.'
    : !verdict
      ? 'Checking strength…'
      : verdict.ok
        ? 'Strong enough.'
        : `Too weak: ${verdict.problems.join(' ')}`

  return (
    <Dialog
      title="Export data key"
      onClose={onClose}
      busy={busy}
      problem={problem}
      footer={
        <>
          <button type="button" className="button" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="submit" form="data-key-export-form" className="button button-primary" disabled={!ready}>
            {busy ? 'Exporting…' : 'Export key file'}
          </button>
        </>
      }
    >
      <p className="dialog-summary">
        The file holds the key that encrypts every token and secret in this database, encrypted with your passphrase. Import it on each
        other host of the same database. Anyone with the file and the passphrase can read the stored tokens: keep them apart.
      </p>
      <form
        id="data-key-export-form"
        className="form-grid"
        noValidate
        onSubmit={(event) => {
          event.preventDefault()
          void run()
        }}
      >
        <label htmlFor="data-key-passphrase">Passphrase</label>
        <div className={`form-control${passphrase && verdict && !verdict.ok ? ' has-error' : ''}`}>
          <input
            id="data-key-passphrase"
            type="password"
            autoComplete="new-password"
            value={passphrase}
            maxLength={1024}
            disabled={busy}
            aria-describedby="data-key-strength"
            onChange={(event) => setPassphrase(event.target.value)}
          />
          <p id="data-key-strength" className={passphrase && verdict && !verdict.ok ? 'setting-error' : 'setting-help'} role="status">
            {strength}
          </p>
        </div>
        <label htmlFor="data-key-passphrase-again">Passphrase again</label>
        <div className={`form-control${differs ? ' has-error' : ''}`}>
          <input
            id="data-key-passphrase-again"
            type="password"
            autoComplete="new-password"
            value={again}
            maxLength={1024}
            disabled={busy}
            aria-invalid={differs || undefined}
            onChange={(event) => setAgain(event.target.value)}
          />
          {differs ? (
            <p className="setting-error" role="alert">
              The two passphrases differ.
            </p>
          ) : null}
        </div>
      </form>
    </Dialog>
  )
}
