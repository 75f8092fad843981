import type { MigrationInterface, QueryRunner } from 'typeorm'
import { activeSecretBox } from '../secret-column'
import { onPostgres, runStatements, TRY_JSONB_FUNCTION, type Statement } from './sql'

const SESSION_SECRET_COLUMNS = ['access_token', 'refresh_token', 'oauth_token_secret'] as const

/**
 * v3.0 — the panel's schema. Rebuilds `profiles`, `authorization_sessions` and `api_keys` (SQLite
 * cannot alter constraints in place) copying every row, adds `api_apps` and `settings`, and
 * encrypts the tokens the origin service stored in plaintext.
 */
export class PanelSchema1767225600000 implements MigrationInterface {
  name = 'PanelSchema1767225600000'

  async up(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, [...PROFILES, ...SESSIONS, ...API_KEYS, ...API_APPS_AND_SETTINGS])
    await encryptLegacyTokens(queryRunner)
  }

  async down(): Promise<void> {
    throw new Error('Downgrading the database below v3.0 (0005-panel-schema) is not supported; restore a backup instead')
  }
}

// Profiles: profile_name is no longer unique (GoLogin allows duplicates), usernames compare without
// case (PostgreSQL: citext), mappings remember their source (origin mappings count as imports, so sync
// never overwrites them), and a proxy password that older versions may have kept in metadata is dropped.
const PROFILES: Statement[] = [
  onPostgres(`CREATE EXTENSION IF NOT EXISTS citext`),
  TRY_JSONB_FUNCTION,
  (t) => `CREATE TABLE "profiles_v3" (
    "id" ${t.id},
    "profile_id" VARCHAR(64) NOT NULL,
    "profile_name" VARCHAR(255) NOT NULL DEFAULT '',
    "twitter_username" ${t.caseless('VARCHAR(50)')},
    "api_app" VARCHAR(64),
    "mapping_source" VARCHAR(16) CHECK ("mapping_source" IN ('import', 'edit', 'pattern')),
    "metadata" ${t.json},
    "is_active" BOOLEAN NOT NULL DEFAULT ${t.true},
    "in_use" BOOLEAN NOT NULL DEFAULT ${t.false},
    "last_synced" ${t.datetime},
    "created_at" ${t.datetime} NOT NULL DEFAULT ${t.now},
    "updated_at" ${t.datetime}
  )`,
  (t) => `INSERT INTO "profiles_v3" ("id", "profile_id", "profile_name", "twitter_username", "api_app", "mapping_source",
      "metadata", "is_active", "in_use", "last_synced", "created_at", "updated_at")
    SELECT "id", "profile_id", "profile_name", "twitter_username", "api_app",
      CASE WHEN "twitter_username" IS NOT NULL OR "api_app" IS NOT NULL THEN 'import' END,
      ${t.legacyMetadata('metadata')},
      COALESCE("is_active", ${t.true}), COALESCE("in_use", ${t.false}), "last_synced", COALESCE("created_at", ${t.now}), "updated_at"
    FROM "profiles"`,
  (t) => t.continueIds('profiles_v3'),
  `DROP TABLE "profiles"`,
  `ALTER TABLE "profiles_v3" RENAME TO "profiles"`,
  `CREATE UNIQUE INDEX "ix_profiles_profile_id" ON "profiles" ("profile_id")`,
  `CREATE INDEX "ix_profiles_twitter_username" ON "profiles" ("twitter_username")`,
]

// Sessions: one row per attempt with batch, step, error code, retry chain, token status, PKCE and
// timings; the username may be unknown until X says who is logged in.
const SESSIONS: Statement[] = [
  (t) => `CREATE TABLE "authorization_sessions_v3" (
    "id" ${t.id},
    "session_id" VARCHAR(36) NOT NULL,
    "batch_id" VARCHAR(36),
    "profile_id" VARCHAR(64) NOT NULL,
    "twitter_username" ${t.caseless('VARCHAR(50)')},
    "api_app" VARCHAR(64) NOT NULL,
    "status" VARCHAR(20) NOT NULL DEFAULT 'pending',
    "step" VARCHAR(20),
    "error_code" VARCHAR(40),
    "error_message" TEXT,
    "attempt" INTEGER NOT NULL DEFAULT 1,
    "retry_of" VARCHAR(36),
    "access_token" TEXT,
    "refresh_token" TEXT,
    "oauth_token_secret" TEXT,
    "scopes" ${t.json},
    "x_user_id" VARCHAR(32),
    "expires_at" ${t.datetime},
    "token_status" VARCHAR(16),
    "refreshed_at" ${t.datetime},
    "screenshot_path" TEXT,
    "duration_ms" INTEGER,
    "state" VARCHAR(500),
    "code_verifier" TEXT,
    "created_at" ${t.datetime} NOT NULL DEFAULT ${t.now},
    "started_at" ${t.datetime},
    "completed_at" ${t.datetime}
  )`,
  (t) => `INSERT INTO "authorization_sessions_v3" ("id", "session_id", "profile_id", "twitter_username", "api_app", "status",
      "error_message", "access_token", "refresh_token", "oauth_token_secret", "scopes", "expires_at", "token_status",
      "created_at", "completed_at")
    SELECT "id", "session_id", "profile_id", "twitter_username", "api_app", "status",
      "error_message", "access_token", "refresh_token", "oauth_token_secret", "scopes", "expires_at",
      CASE WHEN "access_token" IS NOT NULL THEN 'valid' END,
      COALESCE("created_at", ${t.now}), "completed_at"
    FROM "authorization_sessions"`,
  (t) => t.continueIds('authorization_sessions_v3'),
  `DROP TABLE "authorization_sessions"`,
  `ALTER TABLE "authorization_sessions_v3" RENAME TO "authorization_sessions"`,
  `CREATE UNIQUE INDEX "ix_authorization_sessions_session_id" ON "authorization_sessions" ("session_id")`,
  `CREATE INDEX "ix_authorization_sessions_status" ON "authorization_sessions" ("status")`,
  `CREATE INDEX "ix_authorization_sessions_batch_id" ON "authorization_sessions" ("batch_id")`,
  `CREATE INDEX "ix_authorization_sessions_profile_id" ON "authorization_sessions" ("profile_id")`,
  `CREATE INDEX "ix_authorization_sessions_account" ON "authorization_sessions" ("twitter_username", "api_app")`,
]

// API keys: a visible prefix, scopes, and revocation time instead of an active flag.
const API_KEYS: Statement[] = [
  (t) => `CREATE TABLE "api_keys_v3" (
    "id" ${t.id},
    "name" VARCHAR(100) NOT NULL,
    "key_hash" VARCHAR(128) NOT NULL,
    "prefix" VARCHAR(16),
    "scopes" ${t.json},
    "created_at" ${t.datetime} NOT NULL DEFAULT ${t.now},
    "last_used" ${t.datetime},
    "revoked_at" ${t.datetime}
  )`,
  (t) => `INSERT INTO "api_keys_v3" ("id", "name", "key_hash", "created_at", "last_used", "revoked_at")
    SELECT "id", "name", "key_hash", COALESCE("created_at", ${t.now}), "last_used",
      CASE WHEN "is_active" = ${t.false} THEN COALESCE("last_used", ${t.now}) END
    FROM "api_keys"`,
  (t) => t.continueIds('api_keys_v3'),
  `DROP TABLE "api_keys"`,
  `ALTER TABLE "api_keys_v3" RENAME TO "api_keys"`,
  `CREATE UNIQUE INDEX "ix_api_keys_key_hash" ON "api_keys" ("key_hash")`,
]

const API_APPS_AND_SETTINGS: Statement[] = [
  (t) => `CREATE TABLE "api_apps" (
    "id" ${t.id},
    "name" ${t.caseless('VARCHAR(40)')} NOT NULL,
    "oauth_version" VARCHAR(8) NOT NULL DEFAULT '2.0' CHECK ("oauth_version" IN ('2.0', '1.0a')),
    "client_type" VARCHAR(16) NOT NULL DEFAULT 'confidential' CHECK ("client_type" IN ('confidential', 'public')),
    "client_id" VARCHAR(255) NOT NULL,
    "client_secret" TEXT,
    "redirect_uri" TEXT NOT NULL,
    "scopes" ${t.json} NOT NULL DEFAULT '[]',
    "env_managed" BOOLEAN NOT NULL DEFAULT ${t.false},
    "created_at" ${t.datetime} NOT NULL DEFAULT ${t.now},
    "updated_at" ${t.datetime}
  )`,
  `CREATE UNIQUE INDEX "ix_api_apps_name" ON "api_apps" ("name")`,
  (t) => `CREATE TABLE "settings" (
    "key" VARCHAR(64) PRIMARY KEY NOT NULL,
    "value" TEXT,
    "secret_value" TEXT,
    "updated_at" ${t.datetime}
  )`,
]

/** The origin stored tokens in plaintext: seal them with the data key (same format as the entity columns). */
async function encryptLegacyTokens(queryRunner: QueryRunner): Promise<void> {
  const notSealed = SESSION_SECRET_COLUMNS.map((c) => `("${c}" IS NOT NULL AND substr("${c}", 1, 3) <> 'v1:')`).join(' OR ')
  const rows: Array<Record<string, string | number | null>> = await queryRunner.query(
    `SELECT "id", ${SESSION_SECRET_COLUMNS.map((c) => `"${c}"`).join(', ')} FROM "authorization_sessions" WHERE ${notSealed}`,
  )
  if (rows.length === 0) return
  const box = activeSecretBox()
  for (const row of rows) {
    const sealed = SESSION_SECRET_COLUMNS.map((column) => {
      const value = row[column]
      if (value === null || String(value).startsWith('v1:')) return value
      return box.seal(String(value), `authorization_sessions.${column}`)
    })
    await queryRunner.query(
      `UPDATE "authorization_sessions" SET ${SESSION_SECRET_COLUMNS.map((c) => `"${c}" = ?`).join(', ')} WHERE "id" = ?`,
      [...sealed, row.id],
    )
  }
}
