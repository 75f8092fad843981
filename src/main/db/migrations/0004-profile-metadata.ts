import type { MigrationInterface, QueryRunner } from 'typeorm'
import { runStatements } from './sql'

/** v2.1 — profile metadata (proxy, folder, …) and the time of the last sync. */
export class ProfileMetadata1705708800000 implements MigrationInterface {
  name = 'ProfileMetadata1705708800000'

  async up(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, [
      (t) => `ALTER TABLE "profiles" ADD COLUMN "last_synced" ${t.datetime}`,
      (t) => `ALTER TABLE "profiles" ADD COLUMN "metadata" ${t.json}`,
    ])
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, [
      `ALTER TABLE "profiles" DROP COLUMN "metadata"`,
      `ALTER TABLE "profiles" DROP COLUMN "last_synced"`,
    ])
  }
}
