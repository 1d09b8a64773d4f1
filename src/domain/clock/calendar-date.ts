/**
 * Calendar dates as `YYYY-MM-DD` strings. Statutory periods count whole days, so the clock never
 * touches times or time zones once a date is fixed.
 */
export type CalendarDate = string;

/*
 * The arithmetic below works on day numbers (days since 1970-01-01) with integer formulas
 * rather than Date objects: the clock runs for every case in England in seconds.
 */

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  return month === 2 ? (isLeapYear(year) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Year, month and day of a well-formed YYYY-MM-DD, or null. */
function parts(value: string): [number, number, number] | null {
  if (value.length !== 10 || value[4] !== '-' || value[7] !== '-') return null;
  const year = Number(value.slice(0, 4));
  const month = Number(value.slice(5, 7));
  const day = Number(value.slice(8, 10));
  if (!Number.isInteger(year) || !Number.isInteger(month) || !Number.isInteger(day)) return null;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return null;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  return [year, month, day];
}

export function isCalendarDate(value: string): boolean {
  return parts(value) !== null;
}

/** Days since 1970-01-01 (Howard Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

function civilFromDays(days: number): [number, number, number] {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (month <= 2 ? 1 : 0), month, day];
}

function format(year: number, month: number, day: number): CalendarDate {
  return `${String(year).padStart(4, '0')}-${month < 10 ? '0' : ''}${month}-${day < 10 ? '0' : ''}${day}`;
}

/*
 * Dates repeat a great deal (a few thousand distinct days cover every live case), so parsing
 * and formatting are remembered. The caches are bounded: they are emptied when they grow large.
 */
const CACHE_LIMIT = 50_000;
const dayNumbers = new Map<string, number>();
const dateStrings = new Map<number, CalendarDate>();

/** Days since 1970-01-01; throws on anything that is not a real YYYY-MM-DD date. */
export function dayNumber(date: CalendarDate): number {
  const cached = dayNumbers.get(date);
  if (cached !== undefined) return cached;
  const p = parts(date);
  if (!p) throw new RangeError(`Not a calendar date: ${date}`);
  const days = daysFromCivil(p[0], p[1], p[2]);
  if (dayNumbers.size >= CACHE_LIMIT) dayNumbers.clear();
  dayNumbers.set(date, days);
  return days;
}

export function fromDayNumber(days: number): CalendarDate {
  const cached = dateStrings.get(days);
  if (cached !== undefined) return cached;
  const [y, m, d] = civilFromDays(days);
  const date = format(y, m, d);
  if (dateStrings.size >= CACHE_LIMIT) dateStrings.clear();
  dateStrings.set(days, date);
  return date;
}

function toUtc(date: CalendarDate): Date {
  return new Date(dayNumber(date) * 86_400_000);
}

export function addDays(date: CalendarDate, days: number): CalendarDate {
  return fromDayNumber(dayNumber(date) + days);
}

export function addWeeks(date: CalendarDate, weeks: number): CalendarDate {
  return addDays(date, weeks * 7);
}

/** The same day of the month, or the month's last day when it has no such day (31 Jan + 1 month = 28/29 Feb). */
export function addMonths(date: CalendarDate, months: number): CalendarDate {
  const p = civilFromDays(dayNumber(date));
  const index = p[0] * 12 + (p[1] - 1) + months;
  const year = Math.floor(index / 12);
  const month = index - year * 12 + 1;
  return format(year, month, Math.min(p[2], daysInMonth(year, month)));
}

export function daysBetween(from: CalendarDate, to: CalendarDate): number {
  return dayNumber(to) - dayNumber(from);
}

/** 0 = Sunday ... 6 = Saturday (1 January 1970 was a Thursday). */
export function dayOfWeek(date: CalendarDate): number {
  return (((dayNumber(date) + 4) % 7) + 7) % 7;
}

/** Dates in England, where the statutory clock runs. */
const ENGLAND_DAY = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' });

/** The last answer, and the minute (since 1970, UTC) it holds for. */
let todayCache = { minute: Number.NaN, date: '' };

/**
 * Today's date in England. England's clocks are whole hours from UTC, so its date changes only
 * at the start of a UTC minute: the answer is kept for the minute, as formatting a date in a
 * time zone costs more than the rest of a busy page's date work (several calls a page).
 */
export function todayInEngland(now: Date = new Date()): CalendarDate {
  const minute = Math.floor(now.getTime() / 60_000);
  if (minute !== todayCache.minute) todayCache = { minute, date: ENGLAND_DAY.format(now) };
  return todayCache.date;
}

const ENGLAND_TIME = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

/** The date and time in England, as the clock's `receivedOn` reads it: YYYY-MM-DDTHH:MM. */
export function localTimeInEngland(now: Date = new Date()): string {
  return `${todayInEngland(now)}T${ENGLAND_TIME.format(now)}`;
}

const DAY_AND_DATE = new Intl.DateTimeFormat('en-GB', {
  weekday: 'long',
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  timeZone: 'UTC',
});

/** For families: Monday 23 February 2026. */
export function formatDayAndDate(date: CalendarDate): string {
  return DAY_AND_DATE.format(toUtc(date)).replace(',', '');
}

const DATE_TIME = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  hour: 'numeric',
  minute: '2-digit',
  hour12: true,
  timeZone: 'Europe/London',
});

/** A moment as people in England read it: 4 June 2026 at 2:05 pm. */
export function formatDateTime(moment: Date): string {
  return DATE_TIME.format(moment);
}

const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/**
 * GOV.UK style: 4 June 2026. Written out rather than through Intl, which costs more than the
 * rest of a row of the tray; the tests hold it to Intl's output.
 */
export function formatLongDate(date: CalendarDate): string {
  const p = parts(date);
  if (!p) throw new RangeError(`Not a calendar date: ${date}`);
  return `${p[2]} ${MONTH_NAMES[p[1] - 1]} ${p[0]}`;
}
