import type { MigrationInterface, QueryRunner } from 'typeorm'
import { onPostgres, runStatements } from './sql'

/**
 * v3.6 — the REST API pages profiles without counting them on every request (`host/rest-api/db-reads.ts`).
 * PostgreSQL: `profile_set_version.version` grows in the same transaction as any statement that adds or removes
 * profiles (or changes a profile id), on any host, so a reader that finds the version it last saw knows the
 * table holds the same profiles (same count, same order) without a COUNT(*) over every row. Upserts that only
 * update rows leave it alone (the inserted-rows transition table is empty), so a sync with no new profiles
 * takes no lock on it. SQLite (one host, one writer at a time): the reader's COUNT(*) and MAX(id) are cheap there.
 */
export class ProfileSetVersion1783555200000 implements MigrationInterface {
  name = 'ProfileSetVersion1783555200000'

  async up(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, [
      onPostgres(`CREATE TABLE "profile_set_version" ("id" SMALLINT PRIMARY KEY CHECK ("id" = 1), "version" BIGINT NOT NULL)`),
      onPostgres(`INSERT INTO "profile_set_version" ("id", "version") VALUES (1, 0)`),
      onPostgres(`CREATE OR REPLACE FUNCTION panel_profile_set_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          UPDATE profile_set_version SET version = version + 1 WHERE id = 1;
          RETURN NULL;
        END $$`),
      onPostgres(`CREATE OR REPLACE FUNCTION panel_profiles_added() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF EXISTS (SELECT 1 FROM added) THEN
            UPDATE profile_set_version SET version = version + 1 WHERE id = 1;
          END IF;
          RETURN NULL;
        END $$`),
      onPostgres(`CREATE TRIGGER "profiles_added" AFTER INSERT ON "profiles" REFERENCING NEW TABLE AS added
        FOR EACH STATEMENT EXECUTE FUNCTION panel_profiles_added()`),
      onPostgres(`CREATE TRIGGER "profiles_removed" AFTER DELETE OR TRUNCATE OR UPDATE OF "profile_id" ON "profiles"
        FOR EACH STATEMENT EXECUTE FUNCTION panel_profile_set_changed()`),
    ])
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, [
      onPostgres(`DROP TRIGGER "profiles_removed" ON "profiles"`),
      onPostgres(`DROP TRIGGER "profiles_added" ON "profiles"`),
      onPostgres(`DROP FUNCTION panel_profiles_added()`),
      onPostgres(`DROP FUNCTION panel_profile_set_changed()`),
      onPostgres(`DROP TABLE "profile_set_version"`),
    ])
  }
}
