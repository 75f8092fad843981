/**
 * Which X account the profile's browser is signed into, checked on the consent page before the approve click —
 * for every kind of app, and for a pass-through app (whose own server redeems X's answer) the only check there is.
 *
 * What the page tells: X's session cookie `twid` (`u%3D<numeric id>`, on X's domain) names the signed-in account by
 * id; the consent page names it by screen name ("Signed in as @name"). What the panel expects: the mapped username,
 * and the account's numeric id once an earlier authorization verified it (X's `/users/me` or the 1.0a answer, or a
 * pass-through consent whose page named the mapped username): ids never change, usernames can.
 *
 * The decision, in order:
 * 1. expected id known and `twid` read: the ids decide;
 * 2. otherwise the page's screen name decides, case-insensitively (a first authorization: only the username is known);
 * 3. neither: undecided. The panel then goes on where a later check exists (it redeems the code itself and X names
 *    the account: `/users/me`, or the 1.0a access token's `screen_name`), and fails safe with ACCOUNT_UNCONFIRMED
 *    for a pass-through app, approving nothing.
 * A mismatch never approves.
 */
import type { PageFailure, PageSnapshot } from './page-classifier'

export interface ExpectedAccount {
  /** The X username the profile is mapped to. */
  username: string
  /** The account's numeric id when an earlier authorization verified it; null: not known yet. */
  xUserId: string | null
}

export interface SignedInAccount {
  /** From X's `twid` cookie; null: no session cookie readable. */
  userId: string | null
  /** The `@name` the consent page shows as signed in; null: the page names none. */
  screenName: string | null
}

export type AccountCheck =
  | { verdict: 'match'; by: 'id' | 'username'; userId: string | null }
  | { verdict: 'mismatch'; failure: PageFailure; actual: SignedInAccount }
  | { verdict: 'undecided' }

/** What to do when neither the id nor the screen name can decide. */
export type UndecidedAccount = 'proceed' | 'fail'

/** `twid`'s value (`u%3D123`, or already decoded `u=123`, maybe quoted) → `123`; anything else → null. */
export function userIdFromTwid(value: string | null | undefined): string | null {
  if (!value) return null
  let decoded = value.replace(/^"|"$/g, '')
  try {
    decoded = decodeURIComponent(decoded)
  } catch {
    return null
  }
  return /^u=(\d{1,20})$/.exec(decoded)?.[1] ?? null
}

/** "Signed in as @name" in X's main interface languages (the sandbox's and the legacy 1.0a page's wording). */
const SIGNED_IN_TEXT = new RegExp(
  String.raw`(?:signed in as|logged in as|iniciaste sesión como|conectado como|connecté en tant que|angemeldet als|ログイン中のアカウント[:：]?|أنت مسجّل الدخول باسم)\s*@([A-Za-z0-9_]{1,15})\b`,
  'i',
)

/** The screen name the consent page shows as signed in: X's account element first, then its words. */
export function screenNameOnPage(snapshot: Pick<PageSnapshot, 'text' | 'accountName'>): string | null {
  const fromElement = /@?([A-Za-z0-9_]{1,15})/.exec(snapshot.accountName?.trim() ?? '')?.[1]
  if (fromElement) return fromElement
  return SIGNED_IN_TEXT.exec(snapshot.text)?.[1] ?? null
}

export function checkSignedInAccount(expected: ExpectedAccount, seen: SignedInAccount): AccountCheck {
  const named = seen.screenName ? `@${seen.screenName}` : `the account with id ${seen.userId}`
  const mismatch = (): AccountCheck => ({
    verdict: 'mismatch',
    actual: seen,
    failure: {
      code: 'ACCOUNT_MISMATCH',
      message: `The profile is signed into ${named} on X, not @${expected.username}; nothing was approved.`,
    },
  })
  if (expected.xUserId && seen.userId) return seen.userId === expected.xUserId ? { verdict: 'match', by: 'id', userId: seen.userId } : mismatch()
  if (seen.screenName) {
    return seen.screenName.toLowerCase() === expected.username.replace(/^@/, '').toLowerCase() ? { verdict: 'match', by: 'username', userId: seen.userId } : mismatch()
  }
  return { verdict: 'undecided' }
}

export const UNCONFIRMED_FAILURE: PageFailure = {
  code: 'ACCOUNT_UNCONFIRMED',
  message: 'X’s page did not say which account the profile is signed into (no session id the panel knows, no screen name), and this app has no later check; nothing was approved.',
}
