import { Fragment, useCallback, useEffect, useState } from 'react'
import type { SqliteCopyPreview } from '../../../../shared/contract/hosts'
import { api } from '../../api'
import { Dialog } from '../../components/Dialog'
import { errorMessage } from '../../lib/format'
import { appStore } from '../../stores/app-store'
import { copiedSentence, copyAddsAnything, copyConflicts, copyFigures } from './copy-preview'

type Preview = { state: 'loading' } | { state: 'ready'; preview: SqliteCopyPreview } | { state: 'failed'; problem: string }

/**
 * Settings → Database and hosts, on a shared database while this machine's SQLite file is still there: what copying
 * it would add (and its conflicts), and the copy itself behind a confirmation. Nothing is written until Copy.
 */
export function CopyLocalDataCard({ file }: { file: string }) {
  const [preview, setPreview] = useState<Preview>({ state: 'loading' })
  const [confirming, setConfirming] = useState(false)
  const [busy, setBusy] = useState(false)
  const [problem, setProblem] = useState<string | null>(null)
  const [result, setResult] = useState<string | null>(null)

  const load = useCallback(() => {
    setPreview({ state: 'loading' })
    void fetchPreview().then(setPreview)
  }, [])
  useEffect(() => {
    let live = true
    void fetchPreview().then((next) => live && setPreview(next))
    return () => {
      live = false
    }
  }, [])

  const copy = async () => {
    setBusy(true)
    setProblem(null)
    try {
      const copied = await api.call('hosts:copyFromSqlite', {})
      const sentence = copiedSentence(copied)
      setResult(sentence)
      appStore.getState().showToast(sentence, 'success', 'Data copied')
      setConfirming(false)
      load()
    } catch (error) {
      setProblem(errorMessage(error))
    }
    setBusy(false)
  }

  const ready = preview.state === 'ready' ? preview.preview : null
  return (
    <div className="copy-local-data" role="group" aria-label="Data left in this machine's SQLite file">
      <h3>Data left in this machine's SQLite file</h3>
      <p className="section-help">
        Joining left <code>{file}</code> as it was. Copying brings its profiles and their mappings, API apps, finished sessions with their
        tokens, and settings into the shared database; the file itself stays untouched, and going back to this machine's SQLite opens it again.
        Unfinished sessions (their batches ran here) and the local REST API's keys stay behind.
      </p>
      {result ? (
        <p className="test-result text-ok" role="status" aria-label="Copy result">
          {result}
        </p>
      ) : null}
      {preview.state === 'loading' ? <p className="muted">Counting what the file holds…</p> : null}
      {preview.state === 'failed' ? (
        <p className="setting-error" role="alert">
          {preview.problem}{' '}
          <button type="button" className="link-button" onClick={load}>
            Try again
          </button>
        </p>
      ) : null}
      {ready ? <PreviewFacts preview={ready} /> : null}
      {ready && copyAddsAnything(ready) ? (
        <div className="setting-actions">
          <button type="button" className="button button-primary" onClick={() => setConfirming(true)} disabled={busy}>
            Copy into the shared database…
          </button>
        </div>
      ) : null}
      {confirming && ready ? (
        <Dialog
          title="Copy into the shared database?"
          onClose={() => setConfirming(false)}
          busy={busy}
          problem={problem}
          footer={
            <>
              <button type="button" className="button" onClick={() => setConfirming(false)} disabled={busy}>
                Cancel
              </button>
              <button type="button" className="button button-primary" onClick={() => void copy()} disabled={busy}>
                {busy ? 'Copying…' : 'Copy'}
              </button>
            </>
          }
        >
          <p className="dialog-summary">
            Every host of the shared database sees the copied profiles, tokens and history at once. Where both sides hold the same thing, the
            conflicts listed win as shown{ready.reencrypt ? '; secrets are re-encrypted under the shared data key' : ''}. Copying again later adds
            nothing twice.
          </p>
          <PreviewFacts preview={ready} />
        </Dialog>
      ) : null}
    </div>
  )
}

function fetchPreview(): Promise<Preview> {
  return api.call('hosts:copyPreview', {}).then(
    (preview): Preview => ({ state: 'ready', preview }),
    (error: unknown): Preview => ({ state: 'failed', problem: errorMessage(error) }),
  )
}

function PreviewFacts({ preview }: { preview: SqliteCopyPreview }) {
  const conflicts = copyConflicts(preview)
  if (!copyAddsAnything(preview)) {
    return <p className="muted">Nothing left to copy: the shared database already holds everything in this file.</p>
  }
  return (
    <>
      <dl className="facts copy-figures" aria-label="What copying adds">
        {copyFigures(preview).map((figure) => (
          <Fragment key={figure.kind}>
            <dt>{figure.kind}</dt>
            <dd>{figure.text}</dd>
          </Fragment>
        ))}
      </dl>
      {conflicts.length ? (
        <>
          <p className="copy-conflicts-title">Where both sides hold the same thing:</p>
          <ul className="copy-conflicts" aria-label="Conflicts">
            {conflicts.map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
        </>
      ) : (
        <p className="muted">No conflicts with the shared database.</p>
      )}
    </>
  )
}
