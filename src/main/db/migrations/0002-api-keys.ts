import type { MigrationInterface, QueryRunner } from 'typeorm'
import { runStatements } from './sql'

/** v1.1 — the origin service's API keys (hashed) for its HTTP API. */
export class ApiKeys1704412800000 implements MigrationInterface {
  name = 'ApiKeys1704412800000'

  async up(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, [
      (t) => `CREATE TABLE "api_keys" (
        "id" ${t.id},
        "name" VARCHAR(100) NOT NULL,
        "key_hash" VARCHAR(128) NOT NULL,
        "is_active" BOOLEAN DEFAULT ${t.true},
        "created_at" ${t.datetime} DEFAULT CURRENT_TIMESTAMP,
        "last_used" ${t.datetime}
      )`,
      `CREATE UNIQUE INDEX "ix_api_keys_key_hash" ON "api_keys" ("key_hash")`,
    ])
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, [`DROP TABLE "api_keys"`])
  }
}
