import { useMemo, type ReactNode, type RefObject } from 'react'
import { SESSION_STATUSES } from '../../../../shared/contract/sessions'
import { Icon } from '../../components/Icon'
import { STATUS_LABELS } from '../../lib/labels'
import { isFilterActive, naturalSort } from '../../stores/profile-view'
import { appTokenFilter, NONE, type ActiveFilter, type AppTokenFilter, type StatusFilter } from '../../stores/profile-view-slice'
import { useAppStoreShallow } from '../../stores/use-app-store'

const SHORTCUT = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform) ? '⌘' : 'Ctrl+'

/** Search and filters of the profile grid. */
export function ProfileToolbar({ searchRef }: { searchRef: RefObject<HTMLInputElement | null> }) {
  const s = useAppStoreShallow((state) => ({
    filter: state.profileFilter,
    draft: state.profileSearchDraft,
    facets: state.profileFacets,
    configuredApps: state.apiApps,
    setFilter: state.setProfileFilter,
    setSearch: state.setProfileSearch,
    clear: state.clearProfileFilters,
  }))
  const { filter, facets, setFilter, configuredApps } = s
  // Every app an account could hold a token for: the configured ones, those mapped, those tokens exist for.
  const tokenApps = useMemo(
    () => naturalSort(new Set([...(configuredApps ?? []).map((app) => app.name), ...facets.apiApps, ...facets.tokenApps])),
    [configuredApps, facets.apiApps, facets.tokenApps],
  )
  return (
    <div className="grid-toolbar" role="toolbar" aria-label="Profile filters">
      <label className="search-field">
        <Icon name="search" />
        <input
          ref={searchRef}
          type="search"
          aria-label="Search profiles"
          placeholder={`Search name, username, notes (${SHORTCUT}F)`}
          value={s.draft}
          spellCheck={false}
          onChange={(event) => s.setSearch(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === 'Escape' && s.draft) {
              event.preventDefault()
              event.stopPropagation()
              s.setSearch('')
            }
          }}
        />
      </label>
      <FilterSelect label="Status" value={filter.status} onChange={(status) => setFilter({ status: status as StatusFilter })}>
        <option value="">Any status</option>
        <option value="none">No attempt yet</option>
        {SESSION_STATUSES.map((status) => (
          <option key={status} value={status}>
            {STATUS_LABELS[status]}
          </option>
        ))}
      </FilterSelect>
      <FacetSelect label="API app" anyLabel="Any API app" noneLabel="No API app" values={facets.apiApps} value={filter.apiApp} onChange={(apiApp) => setFilter({ apiApp })} />
      <FilterSelect label="Tokens" className="token-select" value={filter.appToken} onChange={(appToken) => setFilter({ appToken: appToken as AppTokenFilter })}>
        <option value="">Any token</option>
        {filter.appToken && !tokenApps.some((app) => filter.appToken.endsWith(`:${app}`)) ? <option value={filter.appToken}>{filter.appToken}</option> : null}
        {tokenApps.map((app) => (
          <optgroup key={app} label={app}>
            <option value={appTokenFilter('valid', app)}>Valid token for {app}</option>
            <option value={appTokenFilter('needs', app)}>Needs authorization for {app}</option>
          </optgroup>
        ))}
      </FilterSelect>
      <FilterSelect label="Active" value={filter.active} onChange={(active) => setFilter({ active: active as ActiveFilter })}>
        <option value="">Active and inactive</option>
        <option value="active">Active only</option>
        <option value="inactive">Inactive only (gone from GoLogin)</option>
      </FilterSelect>
      <FacetSelect label="Folder" anyLabel="Any folder" noneLabel="No folder" values={facets.folders} value={filter.folder} onChange={(folder) => setFilter({ folder })} />
      <FacetSelect label="Tag" anyLabel="Any tag" noneLabel="No tags" values={facets.tags} value={filter.tag} onChange={(tag) => setFilter({ tag })} />
      <button
        type="button"
        className="toggle-chip"
        aria-pressed={filter.neverAuthorized}
        title="Profiles that were never authorized successfully"
        onClick={() => setFilter({ neverAuthorized: !filter.neverAuthorized })}
      >
        Never authorized
      </button>
      <button
        type="button"
        className="toggle-chip"
        aria-pressed={filter.tokenExpiring}
        title="Tokens that expire within the next hour, or have expired"
        onClick={() => setFilter({ tokenExpiring: !filter.tokenExpiring })}
      >
        Token expiring
      </button>
      <button
        type="button"
        className="toggle-chip"
        aria-pressed={filter.manualFix}
        title="Accounts set aside as needing a manual fix (left out of retries)"
        onClick={() => setFilter({ manualFix: !filter.manualFix })}
      >
        Needs a manual fix
      </button>
      {isFilterActive(filter) || s.draft ? (
        <button type="button" className="link-button" onClick={s.clear}>
          Clear filters
        </button>
      ) : null}
    </div>
  )
}

function FilterSelect(props: { label: string; className?: string; value: string; onChange(value: string): void; children: ReactNode }) {
  return (
    <select
      className={`filter-select${props.className ? ` ${props.className}` : ''}${props.value ? ' is-set' : ''}`}
      aria-label={props.label}
      value={props.value}
      onChange={(event) => props.onChange(event.target.value)}
    >
      {props.children}
    </select>
  )
}

function FacetSelect(props: { label: string; anyLabel: string; noneLabel: string; values: readonly string[]; value: string; onChange(value: string): void }) {
  const { values, value } = props
  return (
    <FilterSelect label={props.label} value={value} onChange={props.onChange}>
      <option value="">{props.anyLabel}</option>
      <option value={NONE}>{props.noneLabel}</option>
      {value && value !== NONE && !values.includes(value) ? <option value={value}>{value}</option> : null}
      {values.map((item) => (
        <option key={item} value={item}>
          {item}
        </option>
      ))}
    </FilterSelect>
  )
}
