import type { Kysely } from 'kysely';
import { executeScript } from '../script.ts';

/**
 * The audit log names people and LAs by value, without foreign keys. Every page that shows a
 * case writes an audit row, and each foreign key check locks the row it points at (FOR KEY
 * SHARE): every view in an LA locked that LA's one row, and concurrent locks on one row make
 * PostgreSQL create multixacts. Without the two keys the tray's statement ran 25% faster under
 * concurrency (pgbench, 4 clients; docs/performance.md). People and LAs are never deleted (an
 * account is disabled), and the log is append-only, so the keys guarded nothing in practice.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await executeScript(
    db,
    `
    ALTER TABLE audit_event
      DROP CONSTRAINT IF EXISTS audit_event_actor_user_id_fkey,
      DROP CONSTRAINT IF EXISTS audit_event_local_authority_id_fkey;
  `,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await executeScript(
    db,
    `
    ALTER TABLE audit_event
      ADD CONSTRAINT audit_event_actor_user_id_fkey
        FOREIGN KEY (actor_user_id) REFERENCES app_user(id),
      ADD CONSTRAINT audit_event_local_authority_id_fkey
        FOREIGN KEY (local_authority_id) REFERENCES local_authority(id);
  `,
  );
}
