import type { DbOrTrx } from '../db/database.ts';
import type { CalendarDate } from '../domain/clock/calendar-date.ts';
import type { Calendar } from '../domain/clock/working-days.ts';

/** The LA's working-day calendar for the statutory clock. */
export async function calendarOf(db: DbOrTrx, localAuthorityId: string): Promise<Calendar> {
  const rows = await db
    .selectFrom('closure_day')
    .select('closed_on')
    .where('local_authority_id', '=', localAuthorityId)
    .execute();
  return calendarFrom(rows.map((r) => r.closed_on));
}

/** A working-day calendar from an LA's closure days, however they were read. */
export function calendarFrom(closures: CalendarDate[]): Calendar {
  return closures.length ? { closures: new Set(closures) } : {};
}
