import type { Expression, QueryCreator } from 'kysely';
import { jsonArrayFrom } from 'kysely/helpers/postgres';
import type { DbOrTrx } from '../db/database.ts';
import type { Database } from '../db/schema.ts';
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

/**
 * An LA's closure days as a JSON array inside a larger statement (a page that lists cases of
 * several LAs, or one case, reads each LA's calendar in the same round trip); `calendarFrom`
 * turns what it returns into the calendar.
 */
export function closureDaysJson(db: QueryCreator<Database>, localAuthorityId: Expression<string>) {
  return jsonArrayFrom(
    db
      .selectFrom('closure_day')
      .select('closure_day.closed_on')
      .where('closure_day.local_authority_id', '=', localAuthorityId),
  );
}
