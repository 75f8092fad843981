/**
 * Tokens kept unverified (`X_ACCOUNT_UNVERIFIED`: X issued them but `/users/me` did not answer during the
 * authorization) are checked again on each token-refresh pass: the mapped account → verified (x_user_id
 * set, the caveat cleared); another account → revoked at X and marked `revoked` with ACCOUNT_MISMATCH;
 * a token X no longer accepts (401) → `revoked`; anything passing (timeouts, 5xx) → tried next pass;
 * a 429 ends the pass. OAuth 1.0a tokens are left alone (`/2/users/me` takes a bearer token).
 */
import type { ApiAppConfig } from '../../../shared/api-app'
import type { Repository } from 'typeorm'
import type { AppException, ErrorCode } from '../../../shared/errors'
import { TwitterAPIException } from '../../../shared/errors'
import { AuthorizationSessionEntity, type Database } from '../../db'
import type { EventHub } from '../../ipc/event-hub'
import type { Logger } from '../../logging/logger'
import type { TokenClaims } from './token-claims'
import { pushAccountTokens } from '../gologin/profile-queries'
import { XRateLimitException } from '../oauth/x-api-errors'

export interface UnverifiedCheckClient {
  verifyCredentials(accessToken: string, options: { signal?: AbortSignal }): Promise<{ id: string; username: string }>
  revoke(app: ApiAppConfig, token: string, hint: 'access_token' | 'refresh_token'): Promise<void>
}

export interface UnverifiedCheckReport {
  checked: number
  verified: number
  mismatched: number
  rejected: number
}

/** Sessions looked at per pass (the oldest first); the rest wait for the next pass. */
const PER_PASS = 50

export class UnverifiedTokenCheck {
  constructor(
    private readonly options: {
      db: Pick<Database, 'dataSource' | 'transaction'>
      oauth: UnverifiedCheckClient
      apiApps: { get(name: string): Promise<ApiAppConfig> }
      log: Logger
      events?: Pick<EventHub, 'emit'>
      /** On a shared database, one host checks a token at a time. */
      claims?: TokenClaims
    },
  ) {}

  async run(signal?: AbortSignal): Promise<UnverifiedCheckReport> {
    const report: UnverifiedCheckReport = { checked: 0, verified: 0, mismatched: 0, rejected: 0 }
    const rows: Array<{ id: number }> = await this.options.db.dataSource.query(
      `SELECT id FROM authorization_sessions
        WHERE status = 'completed' AND error_code = 'X_ACCOUNT_UNVERIFIED' AND token_status = 'valid' AND oauth_token_secret IS NULL
        ORDER BY id LIMIT ${PER_PASS}`,
    )
    const repo = this.options.db.dataSource.getRepository(AuthorizationSessionEntity)
    for (const { id } of rows) {
      if (signal?.aborted) break
      const claims = this.options.claims
      if (claims && !(await claims.take(id).catch(() => false))) continue
      try {
        if ((await this.check(id, repo, report, signal)) === 'stop') break
      } finally {
        await claims?.release(id)
      }
    }
    if (report.checked) this.options.log.info('tokens.unverified_pass', { ...report }, `Unverified tokens: ${report.verified} verified, ${report.mismatched + report.rejected} revoked, ${report.checked - report.verified - report.mismatched - report.rejected} to try again`)
    return report
  }

  private async check(
    id: number,
    repo: Repository<AuthorizationSessionEntity>,
    report: UnverifiedCheckReport,
    signal?: AbortSignal,
  ): Promise<'stop' | void> {
    const session = await repo.findOneBy({ id })
    if (!session?.accessToken || session.errorCode !== 'X_ACCOUNT_UNVERIFIED') return
    report.checked++
    try {
      const me = await this.options.oauth.verifyCredentials(session.accessToken, { signal })
      if (me.username.toLowerCase() === (session.twitterUsername ?? '').toLowerCase()) {
        await this.settle(session, { xUserId: me.id, errorCode: null, errorMessage: null })
        report.verified++
        this.options.log.info('tokens.unverified_verified', { sessionId: session.sessionId }, `@${session.twitterUsername}: X confirmed the account; the token is verified`)
      } else {
        await this.revoke(session)
        await this.settle(session, {
          tokenStatus: 'revoked',
          errorCode: 'ACCOUNT_MISMATCH',
          errorMessage: `X answered for @${me.username}, not @${session.twitterUsername}: the tokens kept unverified were revoked.`,
        })
        report.mismatched++
      }
    } catch (error) {
      if (error instanceof XRateLimitException) return 'stop'
      if (error instanceof TwitterAPIException && error.statusCode === 401) {
        await this.settle(session, { tokenStatus: 'revoked', errorCode: 'TWITTER_API_ERROR', errorMessage: 'X no longer accepts the token kept unverified (401); authorize the account again.' })
        report.rejected++
        return
      }
      this.options.log.warn('tokens.unverified_still', { sessionId: session.sessionId, code: (error as AppException).code, err: error })
    }
  }

  /** Writes the outcome only while the row is still the unverified one (another change wins). */
  private async settle(
    session: AuthorizationSessionEntity,
    fields: { xUserId?: string; tokenStatus?: 'revoked'; errorCode: ErrorCode | null; errorMessage: string | null },
  ): Promise<void> {
    await this.options.db.transaction((manager) =>
      manager.update(AuthorizationSessionEntity, { id: session.id, errorCode: 'X_ACCOUNT_UNVERIFIED', tokenStatus: 'valid' }, fields),
    )
    this.options.events?.emit('sessions', {
      id: session.sessionId,
      ...(fields.xUserId !== undefined ? { xUserId: fields.xUserId } : {}),
      ...(fields.tokenStatus ? { tokenStatus: fields.tokenStatus } : {}),
      errorCode: fields.errorCode,
      errorMessage: fields.errorMessage,
    })
    if (fields.tokenStatus) this.options.events?.emit('profiles', { id: session.profileId, tokenStatus: fields.tokenStatus })
    await pushAccountTokens(this.options, { profileId: session.profileId, username: session.twitterUsername })
  }

  private async revoke(session: AuthorizationSessionEntity): Promise<void> {
    let app: ApiAppConfig
    try {
      app = await this.options.apiApps.get(session.apiApp)
    } catch (error) {
      this.options.log.error('tokens.unverified_revoke_failed', { sessionId: session.sessionId, err: error }, 'Could not revoke a token of another account: its API app is unusable')
      return
    }
    const pairs: Array<[string | null, 'access_token' | 'refresh_token']> = [
      [session.accessToken, 'access_token'],
      [session.refreshToken, 'refresh_token'],
    ]
    for (const [token, hint] of pairs) {
      if (!token) continue
      await this.options.oauth.revoke(app, token, hint).catch((error: unknown) => this.options.log.error('tokens.unverified_revoke_failed', { sessionId: session.sessionId, hint, err: error }))
    }
  }
}
