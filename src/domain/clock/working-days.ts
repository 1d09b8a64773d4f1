import { addDays, type CalendarDate } from './calendar-date.ts';
import { dayOfWeek, isBankHoliday } from './bank-holidays.ts';

/**
 * Working days: Monday to Friday, not a bank holiday in England and Wales, and not one of the
 * LA's own closure days when it has recorded any.
 */
export type Calendar = { closures?: ReadonlySet<CalendarDate> };

export function isWorkingDay(date: CalendarDate, calendar: Calendar = {}): boolean {
  const weekday = dayOfWeek(date);
  if (weekday === 0 || weekday === 6) return false;
  if (isBankHoliday(date)) return false;
  return !calendar.closures?.has(date);
}

/** The date itself when it is a working day, else the next working day. */
export function onOrNextWorkingDay(date: CalendarDate, calendar: Calendar = {}): CalendarDate {
  let day = date;
  while (!isWorkingDay(day, calendar)) day = addDays(day, 1);
  return day;
}

export function nextWorkingDay(date: CalendarDate, calendar: Calendar = {}): CalendarDate {
  return onOrNextWorkingDay(addDays(date, 1), calendar);
}

/** Counts n working days after the date (the date itself is day 0). n may be negative. */
export function addWorkingDays(
  date: CalendarDate,
  n: number,
  calendar: Calendar = {},
): CalendarDate {
  let day = date;
  let left = Math.abs(n);
  const step = n >= 0 ? 1 : -1;
  while (left > 0) {
    day = addDays(day, step);
    if (isWorkingDay(day, calendar)) left -= 1;
  }
  return day;
}
