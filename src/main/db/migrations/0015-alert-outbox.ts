import type { MigrationInterface, QueryRunner } from 'typeorm'
import { onPostgres, runStatements } from './sql'

/** The channel a new outbox row is announced on (the sending host listens). */
export const ALERT_OUTBOX_CHANNEL = 'panel_alert_outbox'

/**
 * v3.6 — alerts where operators look (issue 22, row 4). PostgreSQL: every host writes the alerts it raises to
 * `alert_outbox`; the one host holding the sender's advisory lock sends them to the webhook targets and deletes
 * them. Rows hold text already redacted, never a secret. SQLite (one host): alerts go straight to the sender.
 */
export class AlertOutbox1782950400000 implements MigrationInterface {
  name = 'AlertOutbox1782950400000'

  async up(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, [
      onPostgres(`CREATE TABLE "alert_outbox" (
        "id" BIGSERIAL PRIMARY KEY,
        "event_key" TEXT NOT NULL,
        "event" TEXT NOT NULL,
        "host_id" TEXT NOT NULL,
        "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT clock_timestamp()
      )`),
    ])
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, [onPostgres(`DROP TABLE "alert_outbox"`)])
  }
}
