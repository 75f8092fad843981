/**
 * What the X sandbox remembers for OAuth 1.0a: consumers (an app's API key and secret with its approved
 * callbacks), request tokens (single use, approved once with a verifier), seen nonces, and the user access
 * tokens issued (they never expire; invalidated by the app).
 */
import { randomBytes } from 'node:crypto'
import type { SandboxAccount } from './state'

export interface ConsumerInput {
  consumerKey?: string
  consumerSecret?: string
  /** Callback URLs approved for the app at X (oauth_callback must be one of them). */
  callbacks: string[]
  name?: string
}

export interface SandboxConsumer {
  consumerKey: string
  consumerSecret: string
  callbacks: string[]
  name: string
}

export interface RequestTokenGrant {
  token: string
  secret: string
  consumerKey: string
  callback: string
  createdAt: number
  /** Set when the user approved; the access-token call must bring it back. */
  verifier: string | null
  username: string | null
  /** Redeemed, denied or expired: never usable again. */
  spent: boolean
}

export interface IssuedOAuth1Token {
  token: string
  secret: string
  consumerKey: string
  userId: string
  screenName: string
  issuedAt: Date
  revoked: boolean
}

/** X does not document it; request tokens of the sandbox live this long. */
export const REQUEST_TOKEN_LIFETIME_MS = 15 * 60_000
/** X refuses a timestamp this far from its clock (error 135). */
export const TIMESTAMP_WINDOW_S = 300

function random(bytes: number): string {
  return randomBytes(bytes).toString('base64url')
}

export class OAuth1State {
  private readonly consumers = new Map<string, SandboxConsumer>()
  private readonly requestTokens = new Map<string, RequestTokenGrant>()
  private readonly nonces = new Set<string>()
  private readonly issued: IssuedOAuth1Token[] = []
  private readonly byToken = new Map<string, IssuedOAuth1Token>()

  constructor(private readonly now: () => number) {}

  registerConsumer(input: ConsumerInput): SandboxConsumer {
    const consumer: SandboxConsumer = {
      consumerKey: input.consumerKey ?? random(18),
      consumerSecret: input.consumerSecret ?? random(30),
      callbacks: [...input.callbacks],
      name: input.name ?? 'Sandbox App',
    }
    this.consumers.set(consumer.consumerKey, consumer)
    return consumer
  }

  consumer(key: string): SandboxConsumer | undefined {
    return this.consumers.get(key)
  }

  /** False when this nonce was already used with this consumer and timestamp (a replay). */
  useNonce(consumerKey: string, nonce: string, timestamp: string): boolean {
    const key = `${consumerKey}\n${timestamp}\n${nonce}`
    if (this.nonces.has(key)) return false
    this.nonces.add(key)
    return true
  }

  timestampOk(timestamp: string): boolean {
    return /^\d+$/.test(timestamp) && Math.abs(Number(timestamp) - this.now() / 1000) <= TIMESTAMP_WINDOW_S
  }

  createRequestToken(consumer: SandboxConsumer, callback: string): RequestTokenGrant {
    const grant: RequestTokenGrant = { token: random(21), secret: random(30), consumerKey: consumer.consumerKey, callback, createdAt: this.now(), verifier: null, username: null, spent: false }
    this.requestTokens.set(grant.token, grant)
    return grant
  }

  /** A request token the consent page may still show (not approved, spent or expired). */
  pendingRequestToken(token: string): RequestTokenGrant | undefined {
    const grant = this.requestTokens.get(token)
    if (!grant || grant.spent || grant.verifier || grant.createdAt + REQUEST_TOKEN_LIFETIME_MS <= this.now()) return undefined
    return grant
  }

  requestToken(token: string): RequestTokenGrant | undefined {
    return this.requestTokens.get(token)
  }

  approve(grant: RequestTokenGrant, username: string): string {
    grant.verifier = random(24)
    grant.username = username
    return grant.verifier
  }

  deny(grant: RequestTokenGrant): void {
    grant.spent = true
  }

  /** Spends the request token (whatever the outcome, as X does) and issues the user's token pair. */
  redeem(grant: RequestTokenGrant, account: SandboxAccount): IssuedOAuth1Token {
    grant.spent = true
    const token: IssuedOAuth1Token = {
      token: `${account.id}-${random(30)}`,
      secret: random(33),
      consumerKey: grant.consumerKey,
      userId: account.id,
      screenName: account.username,
      issuedAt: new Date(this.now()),
      revoked: false,
    }
    this.issued.push(token)
    this.byToken.set(token.token, token)
    return token
  }

  accessToken(token: string): IssuedOAuth1Token | undefined {
    return this.byToken.get(token)
  }

  issuedTokens(): IssuedOAuth1Token[] {
    return this.issued.map((token) => ({ ...token }))
  }
}
