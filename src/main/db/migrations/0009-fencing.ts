import type { MigrationInterface, QueryRunner } from 'typeorm'
import { runStatements } from './sql'

/**
 * v3.4 — fenced work on a shared database (issue 24).
 * - One live session per account and app, whichever host queues it: a unique index over `pending` and
 *   `in_progress` sessions refuses a second queueing (older duplicates, left by earlier versions, are
 *   cancelled first so the index can be built).
 * - Token refreshes and unverified-token checks are claimed per row (`refresh_claimed_by`, `refresh_lease_until`),
 *   so two hosts' passes never send the same refresh token twice.
 */
export class Fencing1779321600000 implements MigrationInterface {
  name = 'Fencing1779321600000'

  async up(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, [
      `UPDATE "authorization_sessions" SET "status" = 'cancelled', "error_code" = 'CANCELLED',
          "error_message" = 'Another session of the same account and API app was already queued.', "lease_until" = NULL
        WHERE "status" IN ('pending', 'in_progress') AND EXISTS (
          SELECT 1 FROM "authorization_sessions" o WHERE o."status" IN ('pending', 'in_progress') AND o."id" < "authorization_sessions"."id"
            AND lower(o."twitter_username") = lower("authorization_sessions"."twitter_username") AND lower(o."api_app") = lower("authorization_sessions"."api_app"))`,
      `CREATE UNIQUE INDEX "ux_authorization_sessions_live_account_app" ON "authorization_sessions" (lower("twitter_username"), lower("api_app"))
        WHERE "status" IN ('pending', 'in_progress')`,
      `ALTER TABLE "authorization_sessions" ADD COLUMN "refresh_claimed_by" VARCHAR(255)`,
      (t) => `ALTER TABLE "authorization_sessions" ADD COLUMN "refresh_lease_until" ${t.datetime}`,
    ])
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, [
      `ALTER TABLE "authorization_sessions" DROP COLUMN "refresh_lease_until"`,
      `ALTER TABLE "authorization_sessions" DROP COLUMN "refresh_claimed_by"`,
      `DROP INDEX "ux_authorization_sessions_live_account_app"`,
    ])
  }
}
