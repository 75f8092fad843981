import type { MigrationInterface, QueryRunner } from 'typeorm'
import { runStatements } from './sql'

/**
 * v3.5 — a dead host's work finishes elsewhere (issue 19, row 2). A host silent past "host is dead after" is
 * declared dead by a live one (or released by the operator): `declared_dead_at` says since when, and
 * `released_profiles` how many of its profiles were freed for the other hosts. Its next heartbeat clears both.
 */
export class DeadHosts1780531200000 implements MigrationInterface {
  name = 'DeadHosts1780531200000'

  async up(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, [
      (t) => `ALTER TABLE "hosts" ADD COLUMN "declared_dead_at" ${t.datetime}`,
      `ALTER TABLE "hosts" ADD COLUMN "released_profiles" INTEGER NOT NULL DEFAULT 0`,
    ])
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, [`ALTER TABLE "hosts" DROP COLUMN "released_profiles"`, `ALTER TABLE "hosts" DROP COLUMN "declared_dead_at"`])
  }
}
