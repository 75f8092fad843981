import type { MigrationInterface, QueryRunner } from 'typeorm'
import { runStatements } from './sql'

/**
 * v3.6 — a host can be drained from any panel (issue 22, row 3): it finishes what it runs and claims nothing more.
 * A panel writes the request in the target's `hosts` row (`drain_request`: `drain`, `drain_exit` or `resume`, when
 * and by whom); the target takes it with its next heartbeat (clearing it) and says in its heartbeat that it drains.
 * One found at a host's first look after its start is dropped (a restarted host claims again). Not authenticated
 * (migration 0010): the row steers no secret, and anyone who can write it can stop the host's claims anyway.
 */
export class HostDrain1782345600000 implements MigrationInterface {
  name = 'HostDrain1782345600000'

  async up(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, [
      `ALTER TABLE "hosts" ADD COLUMN "drain_request" VARCHAR(16)`,
      (t) => `ALTER TABLE "hosts" ADD COLUMN "drain_requested_at" ${t.datetime}`,
      `ALTER TABLE "hosts" ADD COLUMN "drain_requested_by" VARCHAR(255)`,
    ])
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, [
      `ALTER TABLE "hosts" DROP COLUMN "drain_requested_by"`,
      `ALTER TABLE "hosts" DROP COLUMN "drain_requested_at"`,
      `ALTER TABLE "hosts" DROP COLUMN "drain_request"`,
    ])
  }
}
