import type { MigrationInterface, QueryRunner } from 'typeorm'
import { onPostgres, runStatements } from './sql'

/** The channel `session-changes.ts` listens on; the payload is the changed session's `session_id`. */
export const SESSION_CHANGES_CHANNEL = 'panel_session_changes'

/** The columns a panel shows of a session (Sessions page, the grid's authorization cells): a change of any is announced. */
const SHOWN = [
  'batch_id', 'profile_id', 'twitter_username', 'api_app', 'status', 'step', 'error_code', 'error_message', 'attempt', 'retry_of', 'x_user_id',
  'scopes', 'token_status', 'expires_at', 'started_at', 'completed_at', 'duration_ms', 'screenshot_path', 'delivered_to_callback', 'callback_answer',
]
const shown = (row: 'OLD' | 'NEW') => `(${SHOWN.map((column) => `${row}."${column}"`).join(', ')})`

/**
 * v3.5 — every panel is live for every host (issue 19, item 5). PostgreSQL: a change of what a panel shows of a
 * session stamps `updated_at` and sends the session's id on `panel_session_changes` (delivered at commit), so each
 * host pushes the changes other hosts make; `updated_at` lets a host that lost its listening connection catch up.
 * Lease renewals change nothing shown and stay silent. SQLite (one host, every change pushed where it is made):
 * the column only, never set.
 */
export class SessionNotify1781136000000 implements MigrationInterface {
  name = 'SessionNotify1781136000000'

  async up(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, [
      (t) => `ALTER TABLE "authorization_sessions" ADD COLUMN "updated_at" ${t.datetime}`,
      onPostgres(`CREATE INDEX "ix_authorization_sessions_updated_at" ON "authorization_sessions" ("updated_at")`),
      onPostgres(`CREATE OR REPLACE FUNCTION panel_session_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          NEW.updated_at := clock_timestamp();
          PERFORM pg_notify('${SESSION_CHANGES_CHANNEL}', NEW.session_id);
          RETURN NEW;
        END $$`),
      onPostgres(`CREATE TRIGGER "authorization_sessions_inserted" BEFORE INSERT ON "authorization_sessions"
        FOR EACH ROW EXECUTE FUNCTION panel_session_changed()`),
      onPostgres(`CREATE TRIGGER "authorization_sessions_changed" BEFORE UPDATE ON "authorization_sessions"
        FOR EACH ROW WHEN (${shown('OLD')} IS DISTINCT FROM ${shown('NEW')}) EXECUTE FUNCTION panel_session_changed()`),
    ])
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, [
      onPostgres(`DROP TRIGGER "authorization_sessions_changed" ON "authorization_sessions"`),
      onPostgres(`DROP TRIGGER "authorization_sessions_inserted" ON "authorization_sessions"`),
      onPostgres(`DROP FUNCTION panel_session_changed()`),
      onPostgres(`DROP INDEX "ix_authorization_sessions_updated_at"`),
      `ALTER TABLE "authorization_sessions" DROP COLUMN "updated_at"`,
    ])
  }
}
