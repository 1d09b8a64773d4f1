import type { Kysely } from 'kysely';
import { executeScript } from '../script.ts';

/**
 * An LA's own closure days (for example the days between Christmas and New Year when its
 * offices are shut). They are not working days for that LA's clock.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await executeScript(
    db,
    `
    CREATE TABLE closure_day (
      local_authority_id uuid NOT NULL REFERENCES local_authority(id),
      closed_on date NOT NULL,
      description text NOT NULL,
      added_by uuid NOT NULL REFERENCES app_user(id),
      added_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (local_authority_id, closed_on)
    );
  `,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await executeScript(db, `DROP TABLE closure_day;`);
}
