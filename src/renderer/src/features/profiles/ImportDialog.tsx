import { useState } from 'react'
import { MAPPING_IMPORT_MAX_BYTES, MAPPING_IMPORT_MAX_TEXT, type ImportPreview } from '../../../../shared/contract/profiles'
import { api } from '../../api'
import { Dialog } from '../../components/Dialog'
import { errorMessage, formatCount, plural } from '../../lib/format'
import { appStore } from '../../stores/app-store'
import { loaders } from '../../stores/panel'

/** Lines drawn in the preview table; the counts above it cover the whole file. */
const PREVIEW_LINES = 500

/** Import mapping: a CSV `profile_name,twitter_username,api_app` → preview with per-line errors → apply. */
export function ImportDialog({ onClose }: { onClose(): void }) {
  const [csv, setCsv] = useState('')
  const [fileName, setFileName] = useState<string | undefined>()
  const [preview, setPreview] = useState<ImportPreview | null>(null)
  const [onlyErrors, setOnlyErrors] = useState(false)
  const [busy, setBusy] = useState(false)
  const [problem, setProblem] = useState<string | null>(null)

  const readFile = async (file: File | undefined) => {
    if (!file) return
    if (file.size > MAPPING_IMPORT_MAX_BYTES) return setProblem(`${file.name} is larger than the ${MAPPING_IMPORT_MAX_TEXT} import limit; split it into smaller files.`)
    setFileName(file.name)
    setCsv(await file.text())
    setPreview(null)
    setProblem(null)
  }

  const runPreview = async () => {
    setBusy(true)
    setProblem(null)
    try {
      setPreview(await api.call('profiles:importPreview', { csv, fileName }))
    } catch (error) {
      setProblem(errorMessage(error))
    } finally {
      setBusy(false)
    }
  }

  const apply = async () => {
    if (!preview) return
    setBusy(true)
    setProblem(null)
    try {
      const { applied } = await api.call('profiles:importApply', { previewId: preview.previewId })
      appStore.getState().showToast(`${plural(applied, 'mapping')} applied${fileName ? ` from ${fileName}` : ''}.`, 'success', 'Import done')
      void loaders.loadProfiles()
      onClose()
    } catch (error) {
      setProblem(errorMessage(error))
      setBusy(false)
    }
  }

  const lines = preview ? (onlyErrors ? preview.lines.filter((line) => line.error) : preview.lines) : []
  const footer = preview ? (
    <>
      <button type="button" className="button" onClick={() => setPreview(null)} disabled={busy}>
        Back
      </button>
      <button type="button" className="button button-primary" onClick={apply} disabled={busy || preview.okCount === 0 || Boolean(preview.fileError)}>
        {busy ? 'Applying…' : `Apply ${plural(preview.okCount, 'mapping')}`}
      </button>
    </>
  ) : (
    <>
      <button type="button" className="button" onClick={onClose} disabled={busy}>
        Cancel
      </button>
      <button type="button" className="button button-primary" onClick={runPreview} disabled={busy || csv.trim() === ''}>
        {busy ? 'Checking…' : 'Preview'}
      </button>
    </>
  )

  return (
    <Dialog title="Import mapping" onClose={onClose} footer={footer} size="wide" busy={busy} problem={problem}>
      {!preview ? (
        <>
          <p className="dialog-summary">
            A CSV file with the header <code>profile_name,twitter_username,api_app</code> (comma or semicolon), up to {MAPPING_IMPORT_MAX_TEXT}.
            Nothing changes until you apply the preview.
          </p>
          <div className="form-grid">
            <label htmlFor="import-file">CSV file</label>
            <input id="import-file" type="file" accept=".csv,text/csv,text/plain" onChange={(event) => void readFile(event.target.files?.[0])} />
            <label htmlFor="import-text">Or paste it</label>
            <textarea
              id="import-text"
              rows={8}
              spellCheck={false}
              placeholder={'profile_name,twitter_username,api_app\nProfile 00001,user00001,AIOTT1'}
              value={csv.length > 200_000 ? `${csv.slice(0, 200_000)}\n…` : csv}
              readOnly={csv.length > 200_000}
              onChange={(event) => {
                setCsv(event.target.value)
                setFileName(undefined)
              }}
            />
          </div>
        </>
      ) : (
        <>
          <p className="dialog-summary" role="status">
            <strong>{plural(preview.okCount, 'line')}</strong> can be applied,{' '}
            <strong className={preview.errorCount ? 'text-error' : undefined}>{plural(preview.errorCount, 'line has', 'lines have')} errors</strong>
            {fileName ? ` in ${fileName}` : ''}.
          </p>
          {preview.fileError ? (
            <p className="form-problem" role="alert">
              {preview.fileError}
            </p>
          ) : null}
          <label className="check-line">
            <input type="checkbox" checked={onlyErrors} onChange={(event) => setOnlyErrors(event.target.checked)} />
            Show only lines with errors
          </label>
          <div className="preview-table-wrap">
            <table className="preview-table" aria-label="Import preview">
              <thead>
                <tr>
                  <th scope="col">Line</th>
                  <th scope="col">Profile</th>
                  <th scope="col">X username</th>
                  <th scope="col">API app</th>
                  <th scope="col">Result</th>
                </tr>
              </thead>
              <tbody>
                {lines.slice(0, PREVIEW_LINES).map((line) => (
                  <tr key={line.line} className={line.error ? 'has-error' : undefined}>
                    <td className="num">{line.line}</td>
                    <td>{line.profileName}</td>
                    <td>{line.username}</td>
                    <td>{line.apiApp}</td>
                    <td>{line.error ? <span className="text-error">{line.error}</span> : <span className="text-ok">OK</span>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {lines.length > PREVIEW_LINES ? <p className="muted">…and {formatCount(lines.length - PREVIEW_LINES)} more lines.</p> : null}
          {preview.moreErrors || preview.moreOk ? (
            <p className="muted">
              The table shows the first lines with errors and the first that can be applied; {formatCount(preview.moreErrors)} more with errors and{' '}
              {formatCount(preview.moreOk)} more that can be applied are counted above but not listed.
            </p>
          ) : null}
        </>
      )}
    </Dialog>
  )
}
