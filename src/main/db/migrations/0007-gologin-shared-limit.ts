import type { MigrationInterface, QueryRunner } from 'typeorm'
import { onPostgres, runStatements } from './sql'

/**
 * v3.2 — one GoLogin budget and one 429 stop for every host of a database (issue 15, item 4).
 * `gologin_rate_limit` is rate-limiter-flexible's Postgres store, in the library's own layout (its
 * `CREATE TABLE IF NOT EXISTS` is switched off: the schema is the migrations'); PostgreSQL only, since
 * SQLite serves one machine and keeps the in-process limiter. `gologin_token_stops` records a token GoLogin
 * refused (its fingerprint, never the token), when, and by which host; on both, so a stop outlives a restart.
 */
export class GoLoginSharedLimit1778112000000 implements MigrationInterface {
  name = 'GoLoginSharedLimit1778112000000'

  async up(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, [
      onPostgres(`CREATE TABLE "gologin_rate_limit" ("key" VARCHAR(255) PRIMARY KEY, "points" INTEGER NOT NULL DEFAULT 0, "expire" BIGINT)`),
      (t) => `CREATE TABLE "gologin_token_stops" (
        "token_fingerprint" VARCHAR(64) PRIMARY KEY NOT NULL,
        "stopped_at" ${t.datetime} NOT NULL,
        "host_id" VARCHAR(255) NOT NULL,
        "status" INTEGER NOT NULL
      )`,
    ])
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, [`DROP TABLE "gologin_token_stops"`, onPostgres(`DROP TABLE "gologin_rate_limit"`)])
  }
}
