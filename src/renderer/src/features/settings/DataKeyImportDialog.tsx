import { useState } from 'react'
import type { DataKeyImportResult } from '../../../../shared/contract/data-key'
import { api } from '../../api'
import { Dialog } from '../../components/Dialog'
import { errorMessage } from '../../lib/format'
import { appStore } from '../../stores/app-store'

/** A key file is a few hundred bytes; a larger pick is the wrong file, which main names. */
const MAX_UPLOAD_BYTES = 64 * 1024

interface DataKeyImportDialogProps {
  /** Browser mode uploads the file; the desktop app asks for it with the system's open dialog. */
  upload: boolean
  onClose(): void
  onInstalled(result: Extract<DataKeyImportResult, { status: 'installed' }>): void
}

/** Import a data key file (exported on another host of this database) into this host's key store. */
export function DataKeyImportDialog({ upload, onClose, onInstalled }: DataKeyImportDialogProps) {
  const [file, setFile] = useState<{ name: string; content: string } | null>(null)
  const [passphrase, setPassphrase] = useState('')
  const [busy, setBusy] = useState(false)
  const [problem, setProblem] = useState<string | null>(null)
  const [done, setDone] = useState<Exclude<DataKeyImportResult, { status: 'cancelled' }> | null>(null)

  const pick = async (picked: File | undefined) => {
    setProblem(null)
    if (!picked) return setFile(null)
    // Too large to be a key file: send a prefix so main says what it is not.
    const content = picked.size > MAX_UPLOAD_BYTES ? (await picked.slice(0, MAX_UPLOAD_BYTES).text()) : await picked.text()
    setFile({ name: picked.name, content })
  }

  const run = async () => {
    if (!passphrase || (upload && !file)) return
    setBusy(true)
    setProblem(null)
    try {
      const result = await api.call('dataKey:import', { passphrase, ...(upload && file ? { file } : {}) })
      if (result.status === 'cancelled') {
        setBusy(false)
        return
      }
      if (result.status === 'installed') onInstalled(result)
      appStore.getState().showToast(result.message, result.status === 'installed' ? 'success' : 'info', result.status === 'installed' ? 'Data key imported' : undefined)
      setDone(result)
    } catch (error) {
      setProblem(errorMessage(error))
    }
    setBusy(false)
  }

  if (done) {
    return (
      <Dialog
        title="Import data key"
        onClose={onClose}
        footer={
          <button type="button" className="button button-primary" onClick={onClose}>
            Done
          </button>
        }
      >
        <p className="dialog-summary" role="status">
          {done.message}
        </p>
      </Dialog>
    )
  }

  return (
    <Dialog
      title="Import data key"
      onClose={onClose}
      busy={busy}
      problem={problem}
      footer={
        <>
          <button type="button" className="button" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="submit" form="data-key-import-form" className="button button-primary" disabled={busy || !passphrase || (upload && !file)}>
            {busy ? 'Checking…' : upload ? 'Import key' : 'Choose file and import…'}
          </button>
        </>
      }
    >
      <p className="dialog-summary">
        A key file exported on another host of this database. It is checked against this database first: a key that does not open its secrets
        is refused and nothing changes. The current key is kept in a backup file next to it.
      </p>
      <form
        id="data-key-import-form"
        className="form-grid"
        noValidate
        onSubmit={(event) => {
          event.preventDefault()
          void run()
        }}
      >
        {upload ? (
          <>
            <label htmlFor="data-key-file">Key file</label>
            <input id="data-key-file" type="file" accept=".json,application/json" disabled={busy} onChange={(event) => void pick(event.target.files?.[0])} />
          </>
        ) : null}
        <label htmlFor="data-key-import-passphrase">Passphrase</label>
        <input
          id="data-key-import-passphrase"
          type="password"
          autoComplete="off"
          value={passphrase}
          maxLength={1024}
          disabled={busy}
          onChange={(event) => setPassphrase(event.target.value)}
        />
      </form>
    </Dialog>
  )
}
