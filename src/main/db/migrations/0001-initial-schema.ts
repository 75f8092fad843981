import type { MigrationInterface, QueryRunner } from 'typeorm'
import { runStatements } from './sql'

/** v1.0 — the origin service's initial schema: profiles and authorization sessions. */
export class InitialSchema1704067200000 implements MigrationInterface {
  name = 'InitialSchema1704067200000'

  async up(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, [
      (t) => `CREATE TABLE "profiles" (
        "id" ${t.id},
        "profile_id" VARCHAR(50) NOT NULL,
        "profile_name" VARCHAR(20) NOT NULL,
        "twitter_username" VARCHAR(50),
        "api_app" VARCHAR(20),
        "is_active" BOOLEAN DEFAULT ${t.true},
        "in_use" BOOLEAN DEFAULT ${t.false},
        "created_at" ${t.datetime} DEFAULT CURRENT_TIMESTAMP,
        "updated_at" ${t.datetime}
      )`,
      `CREATE UNIQUE INDEX "ix_profiles_profile_id" ON "profiles" ("profile_id")`,
      `CREATE UNIQUE INDEX "uq_profiles_profile_name" ON "profiles" ("profile_name")`,
      `CREATE INDEX "ix_profiles_twitter_username" ON "profiles" ("twitter_username")`,
      (t) => `CREATE TABLE "authorization_sessions" (
        "id" ${t.id},
        "session_id" VARCHAR(50) NOT NULL,
        "profile_id" VARCHAR(50) NOT NULL,
        "twitter_username" VARCHAR(50) NOT NULL,
        "api_app" VARCHAR(20) NOT NULL,
        "access_token" TEXT,
        "status" VARCHAR(20) NOT NULL DEFAULT 'pending',
        "error_message" TEXT,
        "created_at" ${t.datetime} DEFAULT CURRENT_TIMESTAMP,
        "completed_at" ${t.datetime},
        "expires_at" ${t.datetime}
      )`,
      `CREATE UNIQUE INDEX "ix_authorization_sessions_session_id" ON "authorization_sessions" ("session_id")`,
    ])
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, [`DROP TABLE "authorization_sessions"`, `DROP TABLE "profiles"`])
  }
}
