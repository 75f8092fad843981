import { useState } from 'react'
import type { ProfileRow } from '../../../../shared/contract/profiles'
import { api } from '../../api'
import { Icon } from '../../components/Icon'
import { errorMessage } from '../../lib/format'
import { appStore } from '../../stores/app-store'
import { useAppStore } from '../../stores/use-app-store'

const USERNAME = /^@?[A-Za-z0-9_]{1,15}$/

/** Checks what the operator typed; null when it is fine. */
export function usernameProblem(value: string): string | null {
  const trimmed = value.trim()
  if (trimmed === '' || USERNAME.test(trimmed)) return null
  return 'An X username has 1–15 letters, digits or _'
}

async function saveMapping(row: ProfileRow, change: { username?: string | null; apiApp?: string | null }): Promise<boolean> {
  try {
    appStore.getState().putProfile(await api.call('profiles:updateMapping', { profileId: row.id, ...change }))
    return true
  } catch (error) {
    appStore.getState().showToast(`Could not save the mapping of ${row.name}: ${errorMessage(error)}`, 'error')
    return false
  }
}

/** The X username, editable in place: double-click or the pencil; Enter saves, Esc cancels. */
export function UsernameCell({ row }: { row: ProfileRow }) {
  const [draft, setDraft] = useState<string | null>(null)
  const [saving, setSaving] = useState(false)
  if (draft === null) {
    return (
      <span className="edit-cell" onDoubleClick={() => setDraft(row.username ?? '')}>
        <span className={row.username ? 'edit-value' : 'edit-value muted'} title={row.mappingSource ? `Mapped by ${row.mappingSource}` : undefined}>
          {row.username ? `@${row.username}` : '—'}
        </span>
        <button type="button" className="edit-button" aria-label={`Edit X username of ${row.name}`} onClick={() => setDraft(row.username ?? '')}>
          <Icon name="pen" size={13} />
        </button>
      </span>
    )
  }
  const problem = usernameProblem(draft)
  const commit = async () => {
    const next = draft.trim().replace(/^@/, '') || null
    if (problem || saving) return
    if (next === row.username) return setDraft(null)
    setSaving(true)
    const ok = await saveMapping(row, { username: next })
    setSaving(false)
    if (ok) setDraft(null)
  }
  const problemId = `username-problem-${row.id}`
  return (
    <span className="cell-edit">
      <input
        className={`cell-input${problem ? ' is-invalid' : ''}`}
        aria-label={`X username of ${row.name}`}
        aria-invalid={problem ? true : undefined}
        aria-describedby={problem ? problemId : undefined}
        title="Enter saves, Esc cancels; empty clears the mapping"
        value={draft}
        disabled={saving}
        spellCheck={false}
        autoFocus
        onChange={(event) => setDraft(event.target.value)}
        onBlur={(event) => (problem || event.currentTarget.dataset.cancelled ? setDraft(null) : void commit())}
        onKeyDown={(event) => {
          event.stopPropagation()
          if (event.key === 'Enter') void commit()
          if (event.key === 'Escape') {
            // Unmounting may blur the field: the blur must not save what Esc discarded.
            event.currentTarget.dataset.cancelled = '1'
            setDraft(null)
          }
        }}
      />
      {/* The reason as text right under the field (not only a red border or a tooltip). */}
      {problem ? (
        <span id={problemId} className="cell-problem" role="alert">
          {problem}
        </span>
      ) : null}
    </span>
  )
}

/** The API app of the profile, chosen from the configured apps. */
export function ApiAppCell({ row }: { row: ProfileRow }) {
  const [editing, setEditing] = useState(false)
  if (!editing) {
    return (
      <span className="edit-cell" onDoubleClick={() => setEditing(true)}>
        <span className={row.apiApp ? 'edit-value' : 'edit-value muted'}>{row.apiApp ?? '—'}</span>
        <button type="button" className="edit-button" aria-label={`Edit API app of ${row.name}`} onClick={() => setEditing(true)}>
          <Icon name="pen" size={13} />
        </button>
      </span>
    )
  }
  return <ApiAppSelect row={row} onDone={() => setEditing(false)} />
}

function ApiAppSelect({ row, onDone }: { row: ProfileRow; onDone(): void }) {
  const apps = useAppStore((state) => state.apiApps)
  const names = (apps ?? []).map((app) => app.name)
  if (row.apiApp && !names.includes(row.apiApp)) names.unshift(row.apiApp)
  return (
    <select
      className="cell-input"
      aria-label={`API app of ${row.name}`}
      autoFocus
      value={row.apiApp ?? ''}
      onBlur={onDone}
      onKeyDown={(event) => {
        event.stopPropagation()
        if (event.key === 'Escape') onDone()
      }}
      onChange={async (event) => {
        const value = event.target.value || null
        if (value !== row.apiApp) await saveMapping(row, { apiApp: value })
        onDone()
      }}
    >
      <option value="">— none —</option>
      {names.map((name) => (
        <option key={name} value={name}>
          {name}
        </option>
      ))}
    </select>
  )
}
