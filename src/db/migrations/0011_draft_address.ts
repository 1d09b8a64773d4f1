import type { Kysely } from 'kysely';
import { executeScript } from '../script.ts';

/**
 * A request not yet sent remembers the address it was last added to from, as a keyed hash (never
 * the address itself), so the evidence one address can keep in unsent requests is capped: a
 * request needs no account, and without a cap anyone could fill the document store with drafts.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await executeScript(
    db,
    `
    ALTER TABLE assessment_request ADD COLUMN address_key text;
    CREATE INDEX assessment_request_address_idx
      ON assessment_request (address_key) WHERE status = 'draft';
  `,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await executeScript(
    db,
    `
    DROP INDEX assessment_request_address_idx;
    ALTER TABLE assessment_request DROP COLUMN address_key;
  `,
  );
}
