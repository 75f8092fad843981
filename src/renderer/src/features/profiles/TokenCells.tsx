import { useMemo, type ReactNode } from 'react'
import { appTokenState, type AppToken, type AppTokenState } from '../../../../shared/app-tokens'
import type { ProfileRow } from '../../../../shared/contract/profiles'
import { formatDateTime, formatRelative } from '../../lib/format'
import { useAppStore } from '../../stores/use-app-store'

const STATE_WORDS: Record<AppTokenState, string> = {
  valid: 'valid',
  expiring: 'expiring soon',
  unverified: 'unverified (X did not confirm the account yet)',
  expired: 'expired',
  revoked: 'revoked or replaced',
  delivered: 'delivered to the app’s own callback (the panel holds no token)',
  none: 'no token',
}

/** What a chip says after the app's name: a glyph for the state, the time left when it runs out (nothing: no token). */
function shortText(state: AppTokenState, token: AppToken | undefined, now: number): string {
  switch (state) {
    case 'valid':
      return token?.expiresAt ? `✓${timeLeft(token.expiresAt, now)}` : '✓'
    case 'expiring':
      return `◷${timeLeft(token!.expiresAt!, now)}`
    case 'unverified':
      return '? unverified'
    case 'expired':
      return '✕ expired'
    case 'revoked':
      return '✕ revoked'
    case 'delivered':
      return '→ app'
    case 'none':
      return ''
  }
}

/** `45m`, `2h`, `3d`: short enough for a chip (the exact time is in its tooltip). */
export function timeLeft(iso: string, now: number): string {
  const minutes = Math.max(0, Math.round((Date.parse(iso) - now) / 60_000))
  if (minutes < 60) return `${minutes}m`
  if (minutes < 48 * 60) return `${Math.round(minutes / 60)}h`
  return `${Math.round(minutes / 1_440)}d`
}

/** The chip's tooltip: the state in words, the expiry, when it was issued, and whether the panel renews it. */
export function tokenDetails(app: string, token: AppToken | undefined, state: AppTokenState, mapped: boolean, now: number): string {
  const lines = [`${app}${mapped ? ' (the profile’s API app)' : ''}: ${STATE_WORDS[state]}`]
  if (token?.expiresAt) lines.push(`${Date.parse(token.expiresAt) <= now ? 'Expired' : 'Expires'} ${formatDateTime(token.expiresAt)} (${formatRelative(token.expiresAt, now)})`)
  else if (token && token.tokenStatus === 'valid') lines.push('Does not expire (OAuth 1.0a)')
  if (token?.refreshable && (state === 'valid' || state === 'unverified')) lines.push('Renewed by the panel before it expires')
  if (token?.authorizedAt) lines.push(`Authorized ${formatDateTime(token.authorizedAt)}`)
  if (state === 'none' || state === 'expired' || state === 'revoked') lines.push('Needs authorization for this app')
  return lines.join('\n')
}

/** Every API app a row's tooltip covers: the configured ones (in their order), then any other app the account holds a token for. */
function useKnownApps(row: ProfileRow): readonly string[] {
  const configured = useAppStore((state) => state.apiApps)
  const names = useMemo(() => (configured ?? []).map((app) => app.name), [configured])
  const extra = Object.keys(row.tokens).filter((app) => !names.includes(app))
  return extra.length ? [...names, ...extra] : names
}

/**
 * One compact chip per API app the account holds a token for (any state), plus the profile's own app when it has
 * none (it needs authorization): name, a state glyph and the time left. Apps without a token are left out of the
 * row (the "Needs authorization for …" filter finds them) but listed in the cell's tooltip, with each chip's details.
 */
export function TokenChips({ row }: { row: ProfileRow }) {
  return chips(row, useKnownApps(row))
}

/** Chips a row shows at most; beyond, the first ones and a "+N" chip naming the rest (the cell stays one line). */
const MAX_CHIPS = 3

/** Read against the clock whenever the row draws, like the grid's other relative times. */
function chips(row: ProfileRow, known: readonly string[], now = Date.now()): ReactNode {
  // The profile's own app first (what it is authorized for), then the others in the configured order.
  const withToken = known.filter((app) => row.tokens[app] && app !== row.apiApp)
  const relevant = row.apiApp ? [row.apiApp, ...withToken] : withToken
  if (!relevant.length) return <span className="muted">—</span>
  const lines = (app: string) => tokenDetails(app, row.tokens[app], appTokenState(row.tokens[app], now), row.apiApp === app, now)
  const all = [...new Set([...relevant, ...known])]
  const summary = all.map((app) => lines(app).split('\n')[0]).join('\n')
  const shown = relevant.length > MAX_CHIPS ? relevant.slice(0, MAX_CHIPS - 1) : relevant
  const rest = relevant.slice(shown.length)
  return (
    <span className="app-tokens" role="list" aria-label={`Tokens of ${row.name}`} title={summary}>
      {shown.map((app) => {
        const token = row.tokens[app]
        const state = appTokenState(token, now)
        const mapped = row.apiApp === app
        const details = tokenDetails(app, token, state, mapped, now)
        return (
          <span
            key={app}
            role="listitem"
            className={`app-token is-${state}${mapped ? ' is-mapped' : ''}`}
            title={details}
            aria-label={details.replace(/\n/g, '; ')}
            data-state={state}
          >
            <span className="app-token-name">{app}</span>
            {state === 'none' ? null : <span className="app-token-state">{shortText(state, token, now)}</span>}
          </span>
        )
      })}
      {rest.length ? (
        <span role="listitem" className="app-token is-more" title={rest.map(lines).join('\n\n')} aria-label={rest.map((app) => lines(app).replace(/\n/g, '; ')).join(' | ')}>
          +{rest.length}
        </span>
      ) : null}
    </span>
  )
}
