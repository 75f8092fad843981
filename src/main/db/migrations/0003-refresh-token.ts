import type { MigrationInterface, QueryRunner } from 'typeorm'
import { runStatements } from './sql'

/** v1.2 + v2.0 — OAuth 1.0a token secret, then the OAuth 2.0 refresh token and granted scopes. */
export class RefreshToken1705276800000 implements MigrationInterface {
  name = 'RefreshToken1705276800000'

  async up(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, [
      `ALTER TABLE "authorization_sessions" ADD COLUMN "oauth_token_secret" TEXT`,
      `ALTER TABLE "authorization_sessions" ADD COLUMN "refresh_token" TEXT`,
      (t) => `ALTER TABLE "authorization_sessions" ADD COLUMN "scopes" ${t.json}`,
    ])
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, [
      `ALTER TABLE "authorization_sessions" DROP COLUMN "scopes"`,
      `ALTER TABLE "authorization_sessions" DROP COLUMN "refresh_token"`,
      `ALTER TABLE "authorization_sessions" DROP COLUMN "oauth_token_secret"`,
    ])
  }
}
