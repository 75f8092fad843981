import type { MigrationInterface, QueryRunner } from 'typeorm'
import { runStatements } from './sql'

/**
 * v3.3 — work is claimed, not assigned (issue 15, item 2). On PostgreSQL every host claims the next `pending`
 * session of a running batch (`claimed_by`, `lease_until`, renewed while it works); a session whose lease
 * expired (its host died) goes back to `pending` (`requeues` + 1) and another host finishes it. `claims` counts
 * the times a session was taken. `profiles.in_use_by` names the host whose slots hold a profile, so no other
 * host starts it. `batches` carries a batch's state (pause/cancel seen by every host) and `hosts` every host's
 * heartbeat, slots and summary (any panel shows them). SQLite gets the same schema; it serves one machine and
 * runs its batches in process as before (the columns stay empty there).
 */
export class Claims1778716800000 implements MigrationInterface {
  name = 'Claims1778716800000'

  async up(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, [
      `ALTER TABLE "authorization_sessions" ADD COLUMN "claimed_by" VARCHAR(255)`,
      (t) => `ALTER TABLE "authorization_sessions" ADD COLUMN "lease_until" ${t.datetime}`,
      `ALTER TABLE "authorization_sessions" ADD COLUMN "claims" INTEGER NOT NULL DEFAULT 0`,
      `ALTER TABLE "authorization_sessions" ADD COLUMN "requeues" INTEGER NOT NULL DEFAULT 0`,
      `CREATE INDEX "ix_authorization_sessions_lease_until" ON "authorization_sessions" ("lease_until")`,
      // At most one live claim per profile and per account, whatever the hosts race to claim (caseless usernames on both).
      `CREATE UNIQUE INDEX "ux_authorization_sessions_claimed_profile" ON "authorization_sessions" ("profile_id") WHERE "lease_until" IS NOT NULL`,
      `CREATE UNIQUE INDEX "ux_authorization_sessions_claimed_account" ON "authorization_sessions" ("twitter_username") WHERE "lease_until" IS NOT NULL`,
      `ALTER TABLE "profiles" ADD COLUMN "in_use_by" VARCHAR(255)`,
      (t) => `CREATE TABLE "batches" (
        "id" VARCHAR(36) PRIMARY KEY NOT NULL,
        "api_app" VARCHAR(255) NOT NULL,
        "state" VARCHAR(16) NOT NULL DEFAULT 'running',
        "retry_of" VARCHAR(36),
        "skipped" INTEGER NOT NULL DEFAULT 0,
        "created_by" VARCHAR(255) NOT NULL,
        "created_at" ${t.datetime} NOT NULL DEFAULT ${t.now},
        "finished_at" ${t.datetime}
      )`,
      `CREATE INDEX "ix_batches_state" ON "batches" ("state")`,
      (t) => `CREATE TABLE "hosts" (
        "host_id" VARCHAR(255) PRIMARY KEY NOT NULL,
        "started_at" ${t.datetime} NOT NULL,
        "heartbeat_at" ${t.datetime} NOT NULL,
        "slots" INTEGER NOT NULL,
        "launcher" VARCHAR(32),
        "running" INTEGER NOT NULL DEFAULT 0,
        "summary" ${t.json}
      )`,
    ])
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, [
      `DROP TABLE "hosts"`,
      `DROP TABLE "batches"`,
      `DROP INDEX "ux_authorization_sessions_claimed_account"`,
      `DROP INDEX "ux_authorization_sessions_claimed_profile"`,
      `DROP INDEX "ix_authorization_sessions_lease_until"`,
      `ALTER TABLE "profiles" DROP COLUMN "in_use_by"`,
      `ALTER TABLE "authorization_sessions" DROP COLUMN "requeues"`,
      `ALTER TABLE "authorization_sessions" DROP COLUMN "claims"`,
      `ALTER TABLE "authorization_sessions" DROP COLUMN "lease_until"`,
      `ALTER TABLE "authorization_sessions" DROP COLUMN "claimed_by"`,
    ])
  }
}
