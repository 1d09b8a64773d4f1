import type { Db, DbOrTrx } from '../../db/database.ts';
import type { AuditContext } from '../../audit/audit.ts';
import type { CalendarDate } from '../../domain/clock/calendar-date.ts';
import type { CaseAudience } from '../../policy/policy.ts';

/**
 * What assessment's pages show of other capabilities: the case's overview (its dates, timeline
 * and people, read with an audit row), the advice asked for and the family's contributions. The
 * composition root (services.ts) passes them in, so this feature imports no other; the pages
 * pass what they get on to the views as it is.
 */
export type CaseReads = {
  overview(db: Db, caseId: string, context: AuditContext): Promise<CaseOverview | null>;
  advice(db: DbOrTrx, caseId: string, audience: CaseAudience): Promise<AdviceStatus[]>;
  contributions(db: DbOrTrx, caseId: string): Promise<unknown[]>;
};

type CaseOverview = {
  nextStep: string | null;
  nextStepDueOn: CalendarDate | null;
  clock: { deadlines: unknown[] };
  events: unknown[];
  participants: unknown[];
};

/** A piece of advice asked for, as far as assessment's pages look into it. */
type AdviceStatus = { status: string };
