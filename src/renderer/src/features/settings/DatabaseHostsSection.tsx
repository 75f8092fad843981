import { useCallback, useEffect, useState } from 'react'
import type { DatabaseLocation, DatabaseTestResult, HostDatabaseStatus } from '../../../../shared/contract/hosts'
import { api } from '../../api'
import { Dialog } from '../../components/Dialog'
import { errorMessage } from '../../lib/format'
import { appStore } from '../../stores/app-store'
import { CopyLocalDataCard } from './CopyLocalDataCard'

/** A key file is a few hundred bytes; a larger pick is the wrong file, which main names. */
const MAX_UPLOAD_BYTES = 64 * 1024

const SOURCE_TEXT: Record<DatabaseLocation['source'], string> = {
  DATABASE_URL: 'the DATABASE_URL environment variable',
  'database.json': 'database.json in the data folder',
  default: 'the default (no database.json)',
}

function Location({ at }: { at: DatabaseLocation }) {
  return (
    <>
      {at.kind === 'sqlite' ? 'SQLite file ' : 'PostgreSQL '}
      <code>{at.location}</code>
    </>
  )
}

/**
 * Settings → Database and hosts: what this host runs on, joining a shared PostgreSQL database (with the data key
 * file of that database), going back to this machine's SQLite, and this host's own slots. Changes apply at the next
 * start; the desktop app offers to restart. On a shared database, the SQLite file left behind can be copied into it.
 */
export function DatabaseHostsSection() {
  const [status, setStatus] = useState<HostDatabaseStatus | null>(null)
  const [loadProblem, setLoadProblem] = useState<string | null>(null)
  const apply = useCallback((update: { status: HostDatabaseStatus } | { problem: string }) => {
    if ('status' in update) {
      setStatus(update.status)
      setLoadProblem(null)
    } else setLoadProblem(update.problem)
  }, [])
  const load = useCallback(() => fetchStatus().then(apply), [apply])
  useEffect(() => {
    let live = true
    void fetchStatus().then((update) => live && apply(update))
    return () => {
      live = false
    }
  }, [apply])

  return (
    <section className="settings-section database-hosts" aria-label="Database and hosts">
      <h2>Database and hosts</h2>
      {status ? (
        <>
          <dl className="facts">
            <dt>Database in use</dt>
            <dd>
              <Location at={status.current} />
            </dd>
            <dt>Chosen by</dt>
            <dd>{SOURCE_TEXT[status.current.source]}</dd>
            {status.restartRequired ? (
              <>
                <dt>At the next start</dt>
                <dd>
                  <Location at={status.next} />
                </dd>
              </>
            ) : null}
          </dl>
          {status.current.warning ? (
            <p className="setting-error" role="alert">
              {status.current.warning}
            </p>
          ) : null}
          {status.restartRequired ? <RestartLine canRelaunch={status.canRelaunch} /> : null}
          {status.nextProblem ? (
            <p className="setting-error" role="alert">
              The next start would fail: {status.nextProblem}
            </p>
          ) : null}
          {status.lockedByEnv ? (
            <p className="section-help" role="note">
              The <code>DATABASE_URL</code> environment variable decides this panel's database, so it cannot be changed here. Unset it and restart
              to choose the database in Settings.
            </p>
          ) : null}
          {status.current.kind === 'postgres' && status.localSqlite ? <CopyLocalDataCard file={status.localSqlite} /> : null}
          <JoinForm status={status} onChanged={load} />
          {status.next.source === 'database.json' && !status.lockedByEnv ? <BackToSqlite onChanged={load} /> : null}
          <SlotsForm status={status} onChanged={load} />
        </>
      ) : loadProblem ? (
        <p className="setting-error" role="alert">
          {loadProblem}{' '}
          <button type="button" className="link-button" onClick={() => void load()}>
            Try again
          </button>
        </p>
      ) : (
        <p className="muted">Loading…</p>
      )}
    </section>
  )
}

function fetchStatus(): Promise<{ status: HostDatabaseStatus } | { problem: string }> {
  return api.call('hosts:status', {}).then(
    (status) => ({ status }),
    (error: unknown) => ({ problem: errorMessage(error) }),
  )
}

function RestartLine({ canRelaunch }: { canRelaunch: boolean }) {
  const [busy, setBusy] = useState(false)
  const [problem, setProblem] = useState<string | null>(null)
  const relaunch = async () => {
    setBusy(true)
    try {
      await api.call('hosts:relaunch', {})
    } catch (error) {
      setProblem(errorMessage(error))
      setBusy(false)
    }
  }
  return (
    <div className="restart-line">
      <p className="setting-error" role="status">
        Restart the panel to use it.{canRelaunch ? '' : ' Stop browser mode and start it again on the same data folder.'}
      </p>
      {canRelaunch ? (
        <button type="button" className="button button-primary" onClick={() => void relaunch()} disabled={busy}>
          {busy ? 'Restarting…' : 'Restart the panel'}
        </button>
      ) : null}
      {problem ? (
        <p className="setting-error" role="alert">
          {problem}
        </p>
      ) : null}
    </div>
  )
}

function JoinForm({ status, onChanged }: { status: HostDatabaseStatus; onChanged(): Promise<void> }) {
  const [url, setUrl] = useState('')
  const [keyFile, setKeyFile] = useState<{ name: string; content: string } | null>(null)
  const [passphrase, setPassphrase] = useState('')
  const [busy, setBusy] = useState<'test' | 'save' | null>(null)
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null)
  /** Bumped to clear the file input after a save. */
  const [formKey, setFormKey] = useState(0)
  const locked = status.lockedByEnv

  const pick = async (picked: File | undefined) => {
    setResult(null)
    if (!picked) return setKeyFile(null)
    const content = picked.size > MAX_UPLOAD_BYTES ? await picked.slice(0, MAX_UPLOAD_BYTES).text() : await picked.text()
    setKeyFile({ name: picked.name, content })
  }
  const input = () => ({ url, ...(keyFile ? { keyFile, passphrase } : {}) })

  const test = async () => {
    setBusy('test')
    setResult(null)
    try {
      const answer: DatabaseTestResult = await api.call('hosts:testDatabase', input())
      setResult({ ok: answer.canJoin, text: answer.message })
    } catch (error) {
      setResult({ ok: false, text: errorMessage(error) })
    }
    setBusy(null)
  }
  const save = async () => {
    setBusy('save')
    setResult(null)
    try {
      const answer = await api.call('hosts:joinDatabase', input())
      setResult({ ok: true, text: answer.message })
      appStore.getState().showToast(answer.message, 'success', 'Database saved')
      // Saved in database.json (0600): the password and the key file leave the screen.
      setUrl('')
      setKeyFile(null)
      setPassphrase('')
      setFormKey((n) => n + 1)
      await onChanged()
    } catch (error) {
      setResult({ ok: false, text: errorMessage(error) })
    }
    setBusy(null)
  }

  return (
    <div className="join-database">
      <h3>Join a shared PostgreSQL database</h3>
      <p className="section-help">
        Another machine's panel already uses it? Export the data key there (About and security → Export data key…) and give the file and
        its passphrase here: the key must open that database before anything is saved.
      </p>
      <form
        key={formKey}
        className="form-grid"
        noValidate
        onSubmit={(event) => {
          event.preventDefault()
          void save()
        }}
      >
        <label htmlFor="join-db-url">PostgreSQL URL</label>
        <input
          id="join-db-url"
          type="text"
          autoComplete="off"
          spellCheck={false}
          placeholder="postgres://user:password@host:5432/database"
          value={url}
          maxLength={2048}
          disabled={locked || busy !== null}
          onChange={(event) => {
            setUrl(event.target.value)
            setResult(null)
          }}
        />
        <label htmlFor="join-db-key-file">Data key file</label>
        <input id="join-db-key-file" type="file" accept=".json,application/json" disabled={locked || busy !== null} onChange={(event) => void pick(event.target.files?.[0])} />
        <label htmlFor="join-db-passphrase">Passphrase</label>
        <input
          id="join-db-passphrase"
          type="password"
          autoComplete="off"
          value={passphrase}
          maxLength={1024}
          disabled={locked || busy !== null || !keyFile}
          placeholder={keyFile ? '' : 'only with a key file'}
          onChange={(event) => {
            setPassphrase(event.target.value)
            setResult(null)
          }}
        />
      </form>
      <div className="setting-actions">
        <button type="button" className="button" onClick={() => void test()} disabled={locked || busy !== null || !url.trim()}>
          {busy === 'test' ? 'Testing…' : 'Test'}
        </button>
        <button type="button" className="button button-primary" onClick={() => void save()} disabled={locked || busy !== null || !url.trim() || (keyFile !== null && !passphrase)}>
          {busy === 'save' ? 'Saving…' : 'Save'}
        </button>
      </div>
      {result ? (
        <p className={result.ok ? 'test-result text-ok' : 'test-result text-error'} role="status" aria-label="Database check">
          {result.text}
        </p>
      ) : null}
    </div>
  )
}

function BackToSqlite({ onChanged }: { onChanged(): Promise<void> }) {
  const [confirming, setConfirming] = useState(false)
  const [busy, setBusy] = useState(false)
  const [problem, setProblem] = useState<string | null>(null)
  const leave = async () => {
    setBusy(true)
    setProblem(null)
    try {
      const answer = await api.call('hosts:leaveDatabase', {})
      appStore.getState().showToast(answer.message, 'success', 'Back to SQLite')
      setConfirming(false)
      await onChanged()
    } catch (error) {
      setProblem(errorMessage(error))
    }
    setBusy(false)
  }
  return (
    <div className="leave-database">
      <button type="button" className="button" onClick={() => setConfirming(true)}>
        Back to this machine's SQLite…
      </button>
      {confirming ? (
        <Dialog
          title="Back to this machine's SQLite?"
          onClose={() => setConfirming(false)}
          busy={busy}
          problem={problem}
          footer={
            <>
              <button type="button" className="button" onClick={() => setConfirming(false)} disabled={busy}>
                Keep PostgreSQL
              </button>
              <button type="button" className="button button-danger" onClick={() => void leave()} disabled={busy}>
                {busy ? 'Checking…' : 'Use SQLite'}
              </button>
            </>
          }
        >
          <p className="dialog-summary">
            database.json is removed and the panel uses the SQLite file in its data folder from its next start. The shared database and its data
            stay as they are for the other hosts. If joining replaced this host's data key, the key that opens the SQLite file is restored from
            its backup.
          </p>
        </Dialog>
      ) : null}
    </div>
  )
}

function SlotsForm({ status, onChanged }: { status: HostDatabaseStatus; onChanged(): Promise<void> }) {
  const [own, setOwn] = useState(status.slots !== null)
  const [value, setValue] = useState(String(status.slots ?? status.sharedSlots))
  const [busy, setBusy] = useState(false)
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null)
  const parsed = Number(value)
  const valid = !own || (Number.isInteger(parsed) && parsed >= 1 && parsed <= 50)
  const save = async () => {
    setBusy(true)
    setResult(null)
    try {
      const answer = await api.call('hosts:setSlots', { slots: own ? parsed : null })
      setResult({ ok: true, text: answer.message })
      await onChanged()
    } catch (error) {
      setResult({ ok: false, text: errorMessage(error) })
    }
    setBusy(false)
  }
  return (
    <div className="host-slots">
      <h3>Slots on this machine</h3>
      <p className="section-help">
        How many profiles this machine runs at once (its GoLogin app, CPU and RAM); kept in host.json in the data folder, not in the shared
        database. Applies at the next start.
      </p>
      {status.slotsProblem ? (
        <p className="setting-error" role="alert">
          {status.slotsProblem}
        </p>
      ) : null}
      <div className="form-grid">
        <label className="check-line" htmlFor="host-slots-shared" style={{ gridColumn: '1 / -1' }}>
          <input id="host-slots-shared" type="checkbox" checked={!own} disabled={busy} onChange={(event) => setOwn(!event.target.checked)} />
          Follow the shared setting ({status.sharedSlots} at once)
        </label>
        <label htmlFor="host-slots">Slots here</label>
        <input
          id="host-slots"
          className="input-number"
          type="number"
          min={1}
          max={50}
          step={1}
          value={own ? value : String(status.sharedSlots)}
          disabled={busy || !own}
          onChange={(event) => setValue(event.target.value)}
          aria-invalid={!valid || undefined}
        />
      </div>
      <div className="setting-actions">
        <button type="button" className="button" onClick={() => void save()} disabled={busy || !valid}>
          {busy ? 'Saving…' : 'Save slots'}
        </button>
        {!valid ? <span className="test-result text-error">A whole number from 1 to 50.</span> : null}
      </div>
      {result ? (
        <p className={result.ok ? 'test-result text-ok' : 'test-result text-error'} role="status" aria-label="Slots">
          {result.text}
        </p>
      ) : null}
    </div>
  )
}
