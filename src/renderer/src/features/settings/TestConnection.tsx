import { useState } from 'react'
import { api } from '../../api'
import { errorMessage, plural } from '../../lib/format'

/** "Test connection": asks GoLogin (through main) how many profiles the token's account holds. */
export function TestConnection({ draftToken, tokenSet }: { draftToken: string | null; tokenSet: boolean }) {
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null)
  const [busy, setBusy] = useState(false)
  const test = async () => {
    setBusy(true)
    setResult(null)
    try {
      const { profileCount } = await api.call('gologin:testConnection', draftToken ? { token: draftToken } : {})
      setResult({ ok: true, text: `Connected: the account has ${plural(profileCount, 'profile')}.` })
    } catch (error) {
      setResult({ ok: false, text: errorMessage(error) })
    } finally {
      setBusy(false)
    }
  }
  return (
    <>
      <button type="button" className="button" onClick={test} disabled={busy || (!draftToken && !tokenSet)} title={draftToken ? 'Tests the token typed here (not saved yet)' : 'Tests the stored token'}>
        {busy ? 'Testing…' : 'Test connection'}
      </button>
      {result ? (
        <span className={result.ok ? 'test-result text-ok' : 'test-result text-error'} role="status" aria-label="Connection test">
          {result.text}
        </span>
      ) : null}
    </>
  )
}
