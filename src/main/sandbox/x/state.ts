/**
 * What the X sandbox remembers: registered API apps (clients), accounts and their behaviours, pending
 * consent requests, authorization codes (single use, 30 s) and issued tokens (2 h, rotating refresh).
 */
import { createHash, randomBytes } from 'node:crypto'

export const ACCOUNT_BEHAVIOURS = [
  'ok',
  'logged_out',
  'locked',
  'suspended',
  'denies',
  'slow',
  'wrong_account',
  'error',
  'no_button',
  'bad_state',
] as const
export type AccountBehaviour = (typeof ACCOUNT_BEHAVIOURS)[number]

export const KNOWN_SCOPES = new Set([
  'tweet.read', 'tweet.write', 'tweet.moderate.write', 'users.read', 'users.email', 'follows.read', 'follows.write',
  'offline.access', 'space.read', 'mute.read', 'mute.write', 'like.read', 'like.write', 'list.read', 'list.write',
  'block.read', 'block.write', 'bookmark.read', 'bookmark.write', 'media.write', 'dm.read', 'dm.write',
])

export const CODE_LIFETIME_MS = 30_000
export const ACCESS_TOKEN_LIFETIME_S = 7_200

export interface ClientInput {
  clientId?: string
  /** Null or absent: a public client. */
  clientSecret?: string | null
  redirectUris: string[]
  name?: string
}

export interface SandboxClient {
  clientId: string
  clientSecret: string | null
  type: 'confidential' | 'public'
  redirectUris: string[]
  name: string
}

/** Interface languages the sandbox's pages come in (X keeps its test ids in all of them). */
export const SANDBOX_LOCALES = ['en', 'es', 'ja', 'ar'] as const
export type SandboxLocale = (typeof SANDBOX_LOCALES)[number]

/**
 * One failure of the token endpoint for a code exchange: a 500 (the code is not redeemed), a connection
 * reset before X looked at the request, or a reset after X issued the tokens (the answer is lost).
 */
export type TokenFault = '500' | 'reset' | 'reset_after_issue'

/** How an account's traffic with X misbehaves besides its consent behaviour; every field optional. */
export interface AccountFaults {
  /** How long the consent page's metadata call takes (the approve button stays disabled meanwhile). */
  consentDelayMs?: number
  /** X approves (and issues the code) at once, but the answer reaches the browser this much later. */
  approveDelayMs?: number
  /** The consent page approves by form post or by XHR (null or absent: the sandbox's setting). */
  approveVia?: 'form' | 'xhr' | null
  locale?: SandboxLocale
  /** Code exchanges for this account are looked at only after this long. */
  tokenDelayMs?: number
  /** The next code exchanges for this account fail like this, one entry each. */
  tokenFaults?: TokenFault[]
  /** The next users/me calls for this account answer these statuses, one each. */
  usersMeFaults?: number[]
  /** users/me calls for this account are answered only after this long. */
  usersMeDelayMs?: number
}

export interface AccountInput extends AccountFaults {
  username: string
  id?: string
  name?: string
  behaviour?: AccountBehaviour
}

export interface SandboxAccount extends AccountFaults {
  username: string
  id: string
  name: string
  behaviour: AccountBehaviour
}

export interface AuthRequest {
  id: string
  clientId: string
  redirectUri: string
  scopes: string[]
  state: string
  codeChallenge: string
  createdAt: number
}

interface AuthCode {
  clientId: string
  redirectUri: string
  scopes: string[]
  codeChallenge: string
  username: string
  expiresAt: number
  used: boolean
}

export interface IssuedToken {
  accessToken: string
  refreshToken: string | null
  clientId: string
  userId: string
  username: string
  scopes: string[]
  issuedAt: Date
  expiresAt: Date
  grant: 'authorization_code' | 'refresh_token'
  revoked: boolean
  /** The refresh token was exchanged (rotated) or revoked and no longer works. */
  refreshUsed: boolean
}

export interface SandboxStats {
  authorizePages: number
  /** Every approval request the consent page sent (an approved, denied or refused one). */
  approvalRequests: number
  /** Approval requests refused because the page's authorization was already used (or unknown). */
  approvalsRefused: number
  approvals: number
  /** Approvals per account (lower-case username): a second one for an account means X saw it approved twice. */
  approvalsByAccount: Record<string, number>
  denials: number
  codesIssued: number
  tokenRequests: number
  tokenErrors: number
  usersMe: number
  usersMeRateLimited: number
  revokes: number
  /** OAuth 1.0a: request-token calls, access tokens issued, invalidations, and signed calls refused (signature, timestamp, nonce). */
  requestTokens: number
  accessTokens: number
  invalidations: number
  signatureFailures: number
}

export type TokenError = { status: number; error: string; description: string }

export function s256(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url')
}

function randomToken(bytes = 36): string {
  return randomBytes(bytes).toString('base64url')
}

/** A stable numeric id for an auto-created account, like X's snowflake ids. */
function idFor(username: string): string {
  return BigInt(`0x${createHash('sha256').update(username.toLowerCase()).digest('hex').slice(0, 15)}`).toString()
}

export class XSandboxState {
  readonly stats: SandboxStats = {
    authorizePages: 0, approvalRequests: 0, approvalsRefused: 0, approvals: 0, approvalsByAccount: {}, denials: 0, codesIssued: 0, tokenRequests: 0, tokenErrors: 0, usersMe: 0, usersMeRateLimited: 0, revokes: 0,
    requestTokens: 0, accessTokens: 0, invalidations: 0, signatureFailures: 0,
  }
  private readonly clients = new Map<string, SandboxClient>()
  private readonly accounts = new Map<string, SandboxAccount>()
  private readonly requests = new Map<string, AuthRequest>()
  private readonly codes = new Map<string, AuthCode>()
  private readonly tokens: IssuedToken[] = []
  private readonly byAccess = new Map<string, IssuedToken>()
  private readonly byRefresh = new Map<string, IssuedToken>()
  private readonly usersMeWindows = new Map<string, { resetAt: number; used: number }>()

  constructor(
    readonly now: () => number,
    private readonly autoCreateAccounts: boolean,
  ) {}

  registerClient(input: ClientInput): SandboxClient {
    const secret = input.clientSecret === undefined ? null : input.clientSecret
    const client: SandboxClient = {
      clientId: input.clientId ?? randomToken(18),
      clientSecret: secret,
      type: secret ? 'confidential' : 'public',
      redirectUris: [...input.redirectUris],
      name: input.name ?? 'Sandbox App',
    }
    this.clients.set(client.clientId, client)
    return client
  }

  client(clientId: string): SandboxClient | undefined {
    return this.clients.get(clientId)
  }

  setAccount(input: AccountInput): SandboxAccount {
    const key = input.username.toLowerCase()
    const previous = this.accounts.get(key)
    const { username: _username, id: _id, name: _name, behaviour: _behaviour, ...faults } = input
    const account: SandboxAccount = {
      ...previous,
      ...Object.fromEntries(Object.entries(faults).flatMap(([key, value]) => (value === undefined ? [] : [[key, Array.isArray(value) ? [...value] : value]]))),
      username: input.username,
      id: input.id ?? previous?.id ?? idFor(input.username),
      name: input.name ?? previous?.name ?? input.username,
      behaviour: input.behaviour ?? previous?.behaviour ?? 'ok',
    }
    this.accounts.set(key, account)
    return account
  }

  setBehaviour(username: string, behaviour: AccountBehaviour): SandboxAccount {
    return this.setAccount({ username, behaviour })
  }

  /** Counts an approval of the account's consent (OAuth 2.0 or 1.0a). */
  countApproval(username: string): void {
    this.stats.approvals++
    const key = username.toLowerCase()
    this.stats.approvalsByAccount[key] = (this.stats.approvalsByAccount[key] ?? 0) + 1
  }

  /** The account a cookie names; unknown names become well-behaved accounts unless auto-creation is off. */
  account(username: string): SandboxAccount | undefined {
    const known = this.accounts.get(username.toLowerCase())
    if (known || !this.autoCreateAccounts) return known
    return this.setAccount({ username })
  }

  createRequest(fields: Omit<AuthRequest, 'id' | 'createdAt'>): AuthRequest {
    const request: AuthRequest = { ...fields, id: randomToken(12), createdAt: this.now() }
    this.requests.set(request.id, request)
    return request
  }

  request(id: string): AuthRequest | undefined {
    return this.requests.get(id)
  }

  takeRequest(id: string): AuthRequest | undefined {
    const request = this.requests.get(id)
    this.requests.delete(id)
    return request
  }

  issueCode(request: AuthRequest, username: string): string {
    const code = randomToken(40)
    this.codes.set(code, {
      clientId: request.clientId,
      redirectUri: request.redirectUri,
      scopes: request.scopes,
      codeChallenge: request.codeChallenge,
      username,
      expiresAt: this.now() + CODE_LIFETIME_MS,
      used: false,
    })
    this.stats.codesIssued++
    return code
  }

  /** The account a live code was issued to (the token endpoint's faults are per account). */
  codeOwner(code: string): SandboxAccount | undefined {
    const grant = this.codes.get(code)
    return grant ? this.accounts.get(grant.username.toLowerCase()) : undefined
  }

  /** Takes the next token fault of the account, if one is left. */
  takeTokenFault(account: SandboxAccount | undefined): TokenFault | undefined {
    return account?.tokenFaults?.length ? account.tokenFaults.shift() : undefined
  }

  /** Takes the next users/me fault status of the account, if one is left. */
  takeUsersMeFault(username: string): number | undefined {
    const account = this.accounts.get(username.toLowerCase())
    return account?.usersMeFaults?.length ? account.usersMeFaults.shift() : undefined
  }

  /** Redeems a code for tokens, or says why X would refuse. */
  redeemCode(client: SandboxClient, code: string, redirectUri: string, verifier: string): IssuedToken | TokenError {
    const grant = this.codes.get(code)
    const invalid = (what: string): TokenError => ({ status: 400, error: 'invalid_request', description: `Value passed for the ${what} was invalid.` })
    if (!grant || grant.clientId !== client.clientId) return invalid('authorization code')
    if (grant.used || grant.expiresAt <= this.now()) {
      grant.used = true
      return invalid('authorization code')
    }
    grant.used = true
    if (grant.redirectUri !== redirectUri) {
      return { status: 400, error: 'invalid_request', description: 'Value passed for the redirect uri did not match the uri of the authorization code.' }
    }
    if (!verifier || s256(verifier) !== grant.codeChallenge) return invalid('code verifier')
    const account = this.account(grant.username)
    if (!account) return invalid('authorization code')
    return this.issueTokens(client.clientId, account, grant.scopes, 'authorization_code')
  }

  /** Rotates a refresh token: the old one stops working for good. */
  refresh(client: SandboxClient, refreshToken: string): IssuedToken | TokenError {
    const previous = this.byRefresh.get(refreshToken)
    if (!previous || previous.refreshUsed || previous.clientId !== client.clientId) {
      return { status: 400, error: 'invalid_request', description: 'Value passed for the token was invalid.' }
    }
    previous.refreshUsed = true
    const account = this.account(previous.username)
    if (!account) return { status: 400, error: 'invalid_request', description: 'Value passed for the token was invalid.' }
    return this.issueTokens(client.clientId, account, previous.scopes, 'refresh_token')
  }

  private issueTokens(clientId: string, account: SandboxAccount, scopes: string[], grant: IssuedToken['grant']): IssuedToken {
    const now = this.now()
    const token: IssuedToken = {
      accessToken: randomToken(),
      refreshToken: scopes.includes('offline.access') ? randomToken() : null,
      clientId,
      userId: account.id,
      username: account.username,
      scopes,
      issuedAt: new Date(now),
      expiresAt: new Date(now + ACCESS_TOKEN_LIFETIME_S * 1000),
      grant,
      revoked: false,
      refreshUsed: false,
    }
    this.tokens.push(token)
    this.byAccess.set(token.accessToken, token)
    if (token.refreshToken) this.byRefresh.set(token.refreshToken, token)
    return token
  }

  /** The live token behind a bearer credential, if it is neither unknown, revoked nor expired. */
  liveAccessToken(accessToken: string): IssuedToken | undefined {
    const token = this.byAccess.get(accessToken)
    if (!token || token.revoked || token.expiresAt.getTime() <= this.now()) return undefined
    return token
  }

  revoke(client: SandboxClient, value: string): void {
    const access = this.byAccess.get(value)
    if (access && access.clientId === client.clientId) access.revoked = true
    const refresh = this.byRefresh.get(value)
    if (refresh && refresh.clientId === client.clientId) refresh.refreshUsed = true
    this.stats.revokes++
  }

  /** Counts a users/me call against the user's window; returns the headers' numbers. */
  countUsersMe(userId: string, limit: number, windowMs: number): { limit: number; remaining: number; resetAt: number; allowed: boolean } {
    const now = this.now()
    let window = this.usersMeWindows.get(userId)
    if (!window || window.resetAt <= now) {
      window = { resetAt: now + windowMs, used: 0 }
      this.usersMeWindows.set(userId, window)
    }
    const allowed = window.used < limit
    if (allowed) window.used++
    return { limit, remaining: Math.max(0, limit - window.used), resetAt: window.resetAt, allowed }
  }

  issuedTokens(): IssuedToken[] {
    return this.tokens.map((token) => ({ ...token, scopes: [...token.scopes] }))
  }
}
