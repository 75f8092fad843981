import { useEffect, useState } from 'react'
import type { RestApiStatus } from '../../../../shared/contract/hosts'
import { api } from '../../api'
import { errorMessage } from '../../lib/format'

const LOOPBACK = /^(localhost|::1|\[::1\]|127\.\d{1,3}\.\d{1,3}\.\d{1,3})$/

/**
 * Whether this machine's local REST API listens, and where: host.json in this host's data folder, never the shared
 * database (another host cannot open this one's API). Applies at once.
 */
export function RestApiExposureForm() {
  const [status, setStatus] = useState<RestApiStatus | null>(null)
  const [loadProblem, setLoadProblem] = useState<string | null>(null)
  useEffect(() => {
    let live = true
    api.call('hosts:restApi', {}).then(
      (answer) => live && setStatus(answer),
      (error: unknown) => live && setLoadProblem(errorMessage(error)),
    )
    return () => {
      live = false
    }
  }, [])
  if (loadProblem) return <p className="setting-error" role="alert">{loadProblem}</p>
  if (!status) return <p className="muted">Loading…</p>
  return <ExposureForm initial={status} />
}

function ExposureForm({ initial }: { initial: RestApiStatus }) {
  const [status, setStatus] = useState(initial)
  const [enabled, setEnabled] = useState(initial.exposure.enabled)
  const [host, setHost] = useState(initial.exposure.host)
  const [port, setPort] = useState(String(initial.exposure.port))
  const [busy, setBusy] = useState(false)
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null)
  const parsedPort = Number(port)
  const portValid = port.trim() !== '' && Number.isInteger(parsedPort) && parsedPort >= 0 && parsedPort <= 65_535
  const exposed = enabled && !LOOPBACK.test(host.trim())

  const save = async () => {
    setBusy(true)
    setResult(null)
    try {
      const answer = await api.call('hosts:setRestApi', { enabled, host: host.trim(), port: parsedPort })
      setStatus(answer)
      setResult({ ok: answer.problem === null, text: answer.message })
    } catch (error) {
      setResult({ ok: false, text: errorMessage(error) })
    }
    setBusy(false)
  }

  return (
    <div className="rest-api-exposure">
      <h3>On this machine</h3>
      <p className="rest-api-state" role="status" aria-label="Local REST API state">
        {status.url ? (
          <>
            Listening on <code>{status.url}</code>.
          </>
        ) : (
          <>Off.</>
        )}{' '}
        Kept in host.json in this machine's data folder: every host of a shared database decides its own.
      </p>
      {status.problem && !result ? (
        <p className="setting-error" role="alert">
          {status.problem}
        </p>
      ) : null}
      <div className="form-grid">
        <label className="check-line" htmlFor="rest-api-enabled" style={{ gridColumn: '1 / -1' }}>
          <input id="rest-api-enabled" type="checkbox" checked={enabled} disabled={busy} onChange={(event) => setEnabled(event.target.checked)} />
          Accept REST API requests on this machine
        </label>
        <label htmlFor="rest-api-host">Address</label>
        <input id="rest-api-host" type="text" spellCheck={false} value={host} maxLength={253} disabled={busy} onChange={(event) => setHost(event.target.value)} />
        <label htmlFor="rest-api-port">Port</label>
        <input
          id="rest-api-port"
          className="input-number"
          type="number"
          min={0}
          max={65_535}
          step={1}
          value={port}
          disabled={busy}
          onChange={(event) => setPort(event.target.value)}
          aria-invalid={!portValid || undefined}
        />
      </div>
      {exposed ? (
        <p className="setting-error" role="note">
          Not a loopback address: other machines can reach this API, over plain HTTP. Keep 127.0.0.1 unless they must.
        </p>
      ) : null}
      <div className="setting-actions">
        <button type="button" className="button" onClick={() => void save()} disabled={busy || !portValid || !host.trim()}>
          {busy ? 'Saving…' : 'Save REST API'}
        </button>
        {!portValid ? <span className="test-result text-error">A port from 0 (any free port) to 65535.</span> : null}
      </div>
      {result ? (
        <p className={result.ok ? 'test-result text-ok' : 'test-result text-error'} role="status" aria-label="REST API">
          {result.text}
        </p>
      ) : null}
    </div>
  )
}
