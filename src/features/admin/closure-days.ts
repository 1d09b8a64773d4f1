import type { DbOrTrx } from '../../db/database.ts';
import { recordAudit, type AuditContext } from '../../audit/audit.ts';
import {
  addMonths,
  formatDayAndDate,
  type CalendarDate,
} from '../../domain/clock/calendar-date.ts';
import { isWorkingDay } from '../../domain/clock/working-days.ts';
import * as repo from './repository.ts';

/**
 * An LA's own closure days: days its offices are shut, which its statutory clock does not count
 * as working days (a request received on one counts from the next working day).
 *
 * Only today and later can be added or removed: a past closure day has already decided when
 * some clocks started, and changing it would silently move recorded deadlines.
 */

/** How far ahead a closure day may be recorded. */
export const CLOSURE_DAY_MONTHS_AHEAD = 36;

export async function listClosureDays(db: DbOrTrx, localAuthorityId: string, today: CalendarDate) {
  const rows = await repo.listClosureDays(db, localAuthorityId);
  const days = rows.map((r) => ({
    closedOn: r.closed_on,
    description: r.description,
    addedAt: r.added_at,
    addedBy: r.added_by_name,
  }));
  return {
    upcoming: days.filter((d) => d.closedOn >= today).reverse(),
    past: days.filter((d) => d.closedOn < today),
  };
}

/** Why a date cannot be a new closure day, in words for the form; null when it can. */
export function closureDayProblem(date: CalendarDate, today: CalendarDate): string | null {
  if (date < today) return 'The date must be today or in the future';
  if (date > addMonths(today, CLOSURE_DAY_MONTHS_AHEAD)) {
    return `The date must be within the next ${CLOSURE_DAY_MONTHS_AHEAD / 12} years`;
  }
  if (!isWorkingDay(date)) {
    return `${formatDayAndDate(date)} is already not a working day (a weekend or bank holiday)`;
  }
  return null;
}

export type AddClosureDayResult = { outcome: 'added' } | { outcome: 'exists' };

export async function addClosureDay(
  db: DbOrTrx,
  localAuthorityId: string,
  day: { closedOn: CalendarDate; description: string },
  context: AuditContext,
): Promise<AddClosureDayResult> {
  return db.transaction().execute(async (trx) => {
    const inserted = await repo.insertClosureDay(trx, localAuthorityId, day, context.actorUserId!);
    if (!inserted) return { outcome: 'exists' } as const;
    await recordAudit(trx, context, {
      action: 'added closure day',
      subjectType: 'local_authority',
      subjectId: localAuthorityId,
      localAuthorityId,
      details: { closedOn: day.closedOn },
    });
    return { outcome: 'added' } as const;
  });
}

export type RemoveClosureDayResult = 'removed' | 'not-found' | 'past';

export async function removeClosureDay(
  db: DbOrTrx,
  localAuthorityId: string,
  closedOn: CalendarDate,
  today: CalendarDate,
  context: AuditContext,
): Promise<RemoveClosureDayResult> {
  if (closedOn < today) return 'past';
  return db.transaction().execute(async (trx) => {
    const removed = await repo.deleteClosureDay(trx, localAuthorityId, closedOn);
    if (!removed) return 'not-found' as const;
    await recordAudit(trx, context, {
      action: 'removed closure day',
      subjectType: 'local_authority',
      subjectId: localAuthorityId,
      localAuthorityId,
      details: { closedOn },
    });
    return 'removed' as const;
  });
}
