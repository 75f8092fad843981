import { useEffect, useMemo, useRef, useState, type RefObject } from 'react'
import { EmptyState } from '../../components/EmptyState'
import { PageHeader } from '../../components/PageHeader'
import { formatCount, plural } from '../../lib/format'
import { appStore } from '../../stores/app-store'
import { loaders } from '../../stores/panel'
import { countVisibleSelected, isFilterActive } from '../../stores/profile-view'
import { useAppStore, useAppStoreShallow } from '../../stores/use-app-store'
import { ExportDialog } from '../tokens/ExportDialog'
import { ManualFixActions } from '../triage/ManualFixActions'
import { AuthorizeDialog } from './AuthorizeDialog'
import { ImportDialog } from './ImportDialog'
import { ProfileGrid } from './ProfileGrid'
import { ProfileToolbar } from './ProfileToolbar'
import { selectAllMatching, visibleSelected } from './selection'
import { SyncButton } from './SyncButton'

type OpenDialog = 'authorize' | 'import' | 'export' | null

export function ProfilesPage() {
  const s = useAppStoreShallow((state) => ({
    load: state.profilesLoad,
    total: state.profilesById.size,
    visibleCount: state.profileVisibleIds.length,
    filtering: isFilterActive(state.profileFilter),
    tokenSet: state.settingsView ? state.settingsView.fields.gologinToken.isSet : null,
  }))
  const searchRef = useRef<HTMLInputElement>(null)
  const [dialog, setDialog] = useState<OpenDialog>(null)
  useProfileShortcuts(searchRef)

  const subtitle =
    s.load.state === 'loading' && s.load.total
      ? `Loading ${formatCount(s.load.loaded)} of ${formatCount(s.load.total)}…`
      : s.filtering
        ? `${formatCount(s.visibleCount)} of ${plural(s.total, 'profile')} match`
        : plural(s.total, 'profile')

  const nothingYet = s.total === 0 && s.load.state !== 'loading'
  return (
    <div className="profiles-page">
      <PageHeader title="Profiles" subtitle={s.load.state === 'idle' ? undefined : subtitle}>
        <div className="page-actions">
          <SyncButton />
          <button type="button" className="button" onClick={() => setDialog('import')}>
            Import mapping…
          </button>
          <button type="button" className="button" onClick={() => setDialog('export')}>
            Export tokens…
          </button>
        </div>
      </PageHeader>
      {nothingYet ? (
        <NoProfiles error={s.load.state === 'error' ? s.load.error : null} tokenSet={s.tokenSet} />
      ) : (
        <>
          <ProfileToolbar searchRef={searchRef} />
          <SelectionBar onAuthorize={() => setDialog('authorize')} />
          <div className="grid-wrap">
            <ProfileGrid empty={<GridEmpty loading={s.load.state === 'loading'} />} />
          </div>
        </>
      )}
      {dialog === 'authorize' ? <AuthorizeFromSelection onClose={() => setDialog(null)} /> : null}
      {dialog === 'import' ? <ImportDialog onClose={() => setDialog(null)} /> : null}
      {dialog === 'export' ? <ExportDialog onClose={() => setDialog(null)} /> : null}
    </div>
  )
}

function AuthorizeFromSelection({ onClose }: { onClose(): void }) {
  // A snapshot: rows selected while the dialog is open do not change what it asks to confirm.
  const [ids] = useState(() => {
    const state = appStore.getState()
    return { selected: [...state.profileSelection], visible: visibleSelected(state.profileSelection, state.profileVisibleIds) }
  })
  return <AuthorizeDialog selected={ids.selected} visibleSelected={ids.visible} onClose={onClose} />
}

function SelectionBar({ onAuthorize }: { onAuthorize(): void }) {
  const s = useAppStoreShallow((state) => ({
    selection: state.profileSelection,
    visibleIds: state.profileVisibleIds,
    setSelection: state.setProfileSelection,
  }))
  const selected = s.selection.size
  const visible = useMemo(() => countVisibleSelected(s.selection, s.visibleIds), [s.selection, s.visibleIds])
  const allVisibleSelected = visible === s.visibleIds.length && selected === visible
  return (
    <div className="selection-bar">
      <span className="selection-count" role="status" aria-label="Selection">
        {selected === 0 ? 'No profile selected' : `${formatCount(selected)} selected · ${formatCount(visible)} visible`}
      </span>
      {s.visibleIds.length > 0 && !allVisibleSelected ? (
        <button type="button" className="link-button" onClick={() => s.setSelection(selectAllMatching(s.visibleIds), null)}>
          Select all {formatCount(s.visibleIds.length)} matching
        </button>
      ) : null}
      {selected > 0 ? (
        <button type="button" className="link-button" onClick={() => s.setSelection(new Set(), null)}>
          Clear selection
        </button>
      ) : null}
      <span className="selection-spacer" />
      {selected > 0 ? <ManualFixActions profileIds={[...s.selection]} /> : null}
      <button type="button" className="button button-primary" disabled={selected === 0} onClick={onAuthorize}>
        Authorize selected…
      </button>
    </div>
  )
}

function GridEmpty({ loading }: { loading: boolean }) {
  const clear = useAppStore((state) => state.clearProfileFilters)
  if (loading) return <p>Loading profiles…</p>
  return (
    <p>
      No profile matches the filters.{' '}
      <button type="button" className="link-button" onClick={clear}>
        Clear filters
      </button>
    </p>
  )
}

function NoProfiles({ error, tokenSet }: { error: string | null; tokenSet: boolean | null }) {
  if (error) {
    return (
      <EmptyState
        title="The profiles could not be loaded"
        actions={
          <button type="button" className="button" onClick={() => void loaders.loadProfiles()}>
            Try again
          </button>
        }
      >
        <p>{error}</p>
      </EmptyState>
    )
  }
  if (tokenSet === false) {
    return (
      <EmptyState
        title="Add your GoLogin API token first"
        actions={
          <a className="button button-primary" href="#/settings">
            Open Settings
          </a>
        }
      >
        <p>The panel reads your profiles from GoLogin with your API token (GoLogin → Settings → API). Enter it in Settings, test the connection, then sync.</p>
      </EmptyState>
    )
  }
  return (
    <EmptyState title="No profiles yet" actions={<SyncButton />}>
      <p>Sync fetches every profile of your GoLogin account (thousands take a minute). They appear here as they arrive.</p>
    </EmptyState>
  )
}

function isTextField(target: EventTarget | null): boolean {
  return (
    target instanceof HTMLInputElement ||
    target instanceof HTMLTextAreaElement ||
    target instanceof HTMLSelectElement ||
    (target instanceof HTMLElement && target.isContentEditable)
  )
}

/** Ctrl/Cmd+F: search; Ctrl/Cmd+A: select all matching; Esc: clear the selection, then the filters. */
function useProfileShortcuts(searchRef: RefObject<HTMLInputElement | null>) {
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (document.querySelector('dialog[open]')) return
      const mod = (event.ctrlKey || event.metaKey) && !event.altKey
      const state = appStore.getState()
      if (mod && event.key.toLowerCase() === 'f') {
        event.preventDefault()
        searchRef.current?.focus()
        searchRef.current?.select()
      } else if (mod && event.key.toLowerCase() === 'a' && !isTextField(event.target)) {
        event.preventDefault()
        state.setProfileSelection(selectAllMatching(state.profileVisibleIds), null)
      } else if (event.key === 'Escape' && !isTextField(event.target)) {
        if (state.profileSelection.size > 0) state.setProfileSelection(new Set(), null)
        else if (isFilterActive(state.profileFilter) || state.profileSearchDraft) state.clearProfileFilters()
      }
    }
    window.addEventListener('keydown', onKeyDown)
    return () => window.removeEventListener('keydown', onKeyDown)
  }, [searchRef])
}
