import { addDays, dayOfWeek, type CalendarDate } from './calendar-date.ts';

/**
 * Bank holidays in England and Wales, computed by rule from 1995 on, with the one-off and moved
 * holidays proclaimed since. Kept in this one place so a new proclamation is a one-line change.
 */
const ONE_OFF_HOLIDAYS: readonly CalendarDate[] = [
  '1999-12-31', // Millennium
  '2002-06-03', // Golden Jubilee
  '2011-04-29', // Royal wedding
  '2012-06-05', // Diamond Jubilee
  '2022-06-03', // Platinum Jubilee
  '2022-09-19', // State funeral of Queen Elizabeth II
  '2023-05-08', // Coronation of King Charles III
];

/** Years whose early May or spring holiday was moved from its usual Monday. */
const MOVED_EARLY_MAY: Readonly<Record<number, CalendarDate>> = {
  1995: '1995-05-08',
  2020: '2020-05-08',
};
const MOVED_SPRING: Readonly<Record<number, CalendarDate>> = {
  2002: '2002-06-04',
  2012: '2012-06-04',
  2022: '2022-06-02',
};

function iso(year: number, month: number, day: number): CalendarDate {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

export { dayOfWeek };

/** Easter Sunday in the Gregorian calendar (the anonymous Gregorian algorithm). */
export function easterSunday(year: number): CalendarDate {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return iso(year, month, day);
}

function firstMonday(year: number, month: number): CalendarDate {
  const first = iso(year, month, 1);
  return addDays(first, (8 - dayOfWeek(first)) % 7);
}

function lastMonday(year: number, month: number): CalendarDate {
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const date = iso(year, month, last);
  return addDays(date, -((dayOfWeek(date) + 6) % 7));
}

/** New Year's Day, or the Monday after when it falls at a weekend. */
function newYear(year: number): CalendarDate {
  const day = iso(year, 1, 1);
  const weekday = dayOfWeek(day);
  return weekday === 6 ? addDays(day, 2) : weekday === 0 ? addDays(day, 1) : day;
}

/** Christmas Day and Boxing Day, with substitute weekdays when either falls at a weekend. */
function christmas(year: number): CalendarDate[] {
  const weekday = dayOfWeek(iso(year, 12, 25));
  if (weekday === 6) return [iso(year, 12, 27), iso(year, 12, 28)]; // Sat: Mon and Tue
  if (weekday === 0) return [iso(year, 12, 26), iso(year, 12, 27)]; // Sun: Mon and Tue
  if (weekday === 5) return [iso(year, 12, 25), iso(year, 12, 28)]; // Fri: Boxing Day to Mon
  return [iso(year, 12, 25), iso(year, 12, 26)];
}

const cache = new Map<number, ReadonlySet<CalendarDate>>();

/** Every bank holiday in England and Wales in the given year. */
export function bankHolidaysIn(year: number): ReadonlySet<CalendarDate> {
  const cached = cache.get(year);
  if (cached) return cached;
  const easter = easterSunday(year);
  const holidays = new Set<CalendarDate>([
    newYear(year),
    addDays(easter, -2),
    addDays(easter, 1),
    MOVED_EARLY_MAY[year] ?? firstMonday(year, 5),
    MOVED_SPRING[year] ?? lastMonday(year, 5),
    lastMonday(year, 8),
    ...christmas(year),
    ...ONE_OFF_HOLIDAYS.filter((d) => d.startsWith(`${year}-`)),
  ]);
  cache.set(year, holidays);
  return holidays;
}

export function isBankHoliday(date: CalendarDate): boolean {
  return bankHolidaysIn(Number(date.slice(0, 4))).has(date);
}
