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

/** What a chip says after the app's name: a glyph for the state, the time left when it runs out. */
function shortText(state: AppTokenState, token: AppToken | undefined, now: number): string {
  switch (state) {
    case 'valid':
      return token?.expiresAt ? `✓ ${timeLeft(token.expiresAt, now)}` : '✓'
    case 'expiring':
      return `◷ ${timeLeft(token!.expiresAt!, now)}`
    case 'unverified':
      return '? unverified'
    case 'expired':
      return '✕ expired'
    case 'revoked':
      return '✕ revoked'
    case 'delivered':
      return '→ app'
    case 'none':
      return '—'
  }
}

/** `45 min`, `2 h`, `3 d`: short enough for a chip (the exact time is in its tooltip). */
export function timeLeft(iso: string, now: number): string {
  const minutes = Math.max(0, Math.round((Date.parse(iso) - now) / 60_000))
  if (minutes < 60) return `${minutes} min`
  if (minutes < 48 * 60) return `${Math.round(minutes / 60)} h`
  return `${Math.round(minutes / 1_440)} d`
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

/** The API apps a row shows a chip for: every configured app, then any other app the account holds a token for. */
function useChipApps(row: ProfileRow): readonly string[] {
  const configured = useAppStore((state) => state.apiApps)
  const names = useMemo(() => (configured ?? []).map((app) => app.name), [configured])
  const extra = Object.keys(row.tokens).filter((app) => !names.includes(app))
  return extra.length ? [...names, ...extra] : names
}

/** One compact chip per API app: its name, a state glyph and the time left; the details in its tooltip. */
export function TokenChips({ row }: { row: ProfileRow }) {
  return chips(row, useChipApps(row))
}

/** Read against the clock whenever the row draws, like the grid's other relative times. */
function chips(row: ProfileRow, apps: readonly string[], now = Date.now()): ReactNode {
  if (!apps.length) return <span className="muted">—</span>
  return (
    <span className="app-tokens" role="list" aria-label={`Tokens of ${row.name}`}>
      {apps.map((app) => {
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
            <span className="app-token-state">{shortText(state, token, now)}</span>
          </span>
        )
      })}
    </span>
  )
}
