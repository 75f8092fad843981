import type { MigrationInterface, QueryRunner } from 'typeorm'
import { runStatements } from './sql'

/**
 * v3.1 — OAuth 1.0a apps and pass-through mode. Plain column additions (existing rows keep every value):
 * who redeems X's answer for an API app, the app's sign-in start URL and success marker, and on each
 * session whether X's redirect was delivered to the app's callback and what the callback answered.
 * 1.0a needs no new column: the request token and its (encrypted) secret use `state` and `code_verifier`,
 * the user's token secret the `oauth_token_secret` column the origin service already had.
 */
export class PassThrough1777593600000 implements MigrationInterface {
  name = 'PassThrough1777593600000'

  async up(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, [
      `ALTER TABLE "api_apps" ADD COLUMN "redemption" VARCHAR(16) NOT NULL DEFAULT 'panel' CHECK ("redemption" IN ('panel', 'callback'))`,
      `ALTER TABLE "api_apps" ADD COLUMN "start_url" TEXT`,
      `ALTER TABLE "api_apps" ADD COLUMN "callback_marker" TEXT`,
      `ALTER TABLE "authorization_sessions" ADD COLUMN "delivered_to_callback" BOOLEAN`,
      (t) => `ALTER TABLE "authorization_sessions" ADD COLUMN "callback_answer" ${t.json}`,
    ])
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // DROP COLUMN: SQLite 3.35+ (better-sqlite3 ships a newer one) and PostgreSQL alike.
    await runStatements(queryRunner, [
      `ALTER TABLE "authorization_sessions" DROP COLUMN "callback_answer"`,
      `ALTER TABLE "authorization_sessions" DROP COLUMN "delivered_to_callback"`,
      `ALTER TABLE "api_apps" DROP COLUMN "callback_marker"`,
      `ALTER TABLE "api_apps" DROP COLUMN "start_url"`,
      `ALTER TABLE "api_apps" DROP COLUMN "redemption"`,
    ])
  }
}
