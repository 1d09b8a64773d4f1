import type { Kysely } from 'kysely';
import { executeScript } from '../script.ts';

/**
 * Refused access is audited (action 'refused access'), and an LA's administrators list their
 * LA's refusals newest first. A partial index holds only those rows, so it costs nothing on the
 * far more frequent writes of views and changes.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await executeScript(
    db,
    `
    CREATE INDEX audit_event_refusal_idx ON audit_event (local_authority_id, id)
      WHERE action = 'refused access';
  `,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await executeScript(db, `DROP INDEX audit_event_refusal_idx;`);
}
