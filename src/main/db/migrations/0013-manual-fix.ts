import type { MigrationInterface, QueryRunner } from 'typeorm'
import { runStatements } from './sql'

/**
 * v3.6 — failures are triaged (issue 21, row 2). An account whose failure needs a person can be set aside as
 * "needs a manual fix": `manual_fix_since` says since when (null: not set aside), `manual_fix_reason` the error
 * code it was set aside for. Retries leave such accounts out until the mark is cleared. `profiles` carries no MAC
 * (it steers no secret, row-mac.ts), so the new columns need none either.
 */
export class ManualFix1781740800000 implements MigrationInterface {
  name = 'ManualFix1781740800000'

  async up(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, [
      (t) => `ALTER TABLE "profiles" ADD COLUMN "manual_fix_since" ${t.datetime}`,
      `ALTER TABLE "profiles" ADD COLUMN "manual_fix_reason" VARCHAR(64)`,
      // Partial: few accounts are set aside, and the grid's filter and the retry planner look only for those.
      `CREATE INDEX "ix_profiles_manual_fix_since" ON "profiles" ("manual_fix_since") WHERE "manual_fix_since" IS NOT NULL`,
    ])
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, [
      `DROP INDEX "ix_profiles_manual_fix_since"`,
      `ALTER TABLE "profiles" DROP COLUMN "manual_fix_reason"`,
      `ALTER TABLE "profiles" DROP COLUMN "manual_fix_since"`,
    ])
  }
}
