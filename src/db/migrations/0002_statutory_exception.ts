import type { Kysely } from 'kysely';
import { executeScript } from '../script.ts';

/** Exceptions to statutory time limits, recorded as dated facts against one limit of a case. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await executeScript(
    db,
    `
    CREATE TABLE statutory_exception (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      case_id uuid NOT NULL REFERENCES "case"(id),
      limit_name text NOT NULL CHECK (limit_name IN ('decisionToAssess', 'noPlanNotice',
        'finalPlan', 'annualReview')),
      reason text NOT NULL CHECK (reason IN ('setting_closed', 'early_years_closed',
        'exceptional_personal', 'away_from_area')),
      details text NOT NULL,
      occurred_on date NOT NULL,
      recorded_by uuid NOT NULL REFERENCES app_user(id),
      recorded_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX statutory_exception_case_idx ON statutory_exception (case_id);
  `,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await executeScript(db, `DROP TABLE statutory_exception;`);
}
