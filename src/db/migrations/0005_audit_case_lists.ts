import type { Kysely } from 'kysely';
import { executeScript } from '../script.ts';

/**
 * A list of cases (a tray page, a family's cases) is audited as one row holding every case it
 * showed, rather than a row per case: a tray page costs one small write, and a case's access
 * log still finds each list it appeared in through the GIN index.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await executeScript(
    db,
    `
    ALTER TABLE audit_event ADD COLUMN case_ids uuid[];
    CREATE INDEX audit_event_case_ids_idx ON audit_event USING gin (case_ids)
      WHERE case_ids IS NOT NULL;
  `,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await executeScript(
    db,
    `
    DROP INDEX audit_event_case_ids_idx;
    ALTER TABLE audit_event DROP COLUMN case_ids;
  `,
  );
}
