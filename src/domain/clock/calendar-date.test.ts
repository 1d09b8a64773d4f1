import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addDays,
  addMonths,
  addWeeks,
  daysBetween,
  formatDayAndDate,
  formatLongDate,
  isCalendarDate,
  todayInEngland,
} from './calendar-date.ts';

describe('calendar dates', () => {
  it('recognises real dates only', () => {
    expect(isCalendarDate('2024-02-29')).toBe(true);
    expect(isCalendarDate('2023-02-29')).toBe(false);
    expect(isCalendarDate('2024-13-01')).toBe(false);
    expect(isCalendarDate('24-01-01')).toBe(false);
  });

  it('adds days and weeks across months, years and clock changes', () => {
    expect(addDays('2026-03-28', 2)).toBe('2026-03-30');
    expect(addWeeks('2026-12-20', 2)).toBe('2027-01-03');
    expect(addWeeks('2026-01-05', 20)).toBe('2026-05-25');
    expect(addDays('2026-10-24', 7)).toBe('2026-10-31');
  });

  it('adds months to the same day, or the last day of a shorter month', () => {
    expect(addMonths('2026-01-31', 1)).toBe('2026-02-28');
    expect(addMonths('2024-01-31', 1)).toBe('2024-02-29');
    expect(addMonths('2025-06-15', 12)).toBe('2026-06-15');
    expect(addMonths('2024-02-29', 12)).toBe('2025-02-28');
    expect(addMonths('2026-11-30', 3)).toBe('2027-02-28');
  });

  it('counts days between dates', () => {
    expect(daysBetween('2026-01-01', '2026-12-31')).toBe(364);
    expect(daysBetween('2026-03-29', '2026-03-30')).toBe(1);
  });

  const daysFrom1970 = (date: string) => Date.parse(`${date}T00:00:00Z`) / 86_400_000;

  it('formats dates the GOV.UK way and knows today in England', () => {
    expect(formatLongDate('2026-06-04')).toBe('4 June 2026');
    expect(formatDayAndDate('2026-02-23')).toBe('Monday 23 February 2026');
    expect(todayInEngland(new Date('2026-06-30T23:30:00Z'))).toBe('2026-07-01');
    expect(todayInEngland(new Date('2026-12-31T23:30:00Z'))).toBe('2026-12-31');
  });

  it('knows today in England at every instant, around the clocks changing too', () => {
    const intl = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' });
    // Any instant from 2000 to 2100, and instants near midnight and the changes of the clocks.
    const instants = fc.oneof(
      fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2100, 0, 1) }),
      fc
        .record({
          day: fc.integer({
            min: Date.UTC(2020, 0, 1) / 86_400_000,
            max: Date.UTC(2040, 0, 1) / 86_400_000,
          }),
          offset: fc.integer({ min: -2 * 3_600_000, max: 2 * 3_600_000 }),
        })
        .map(({ day, offset }) => day * 86_400_000 + offset),
      fc.constantFrom(
        Date.UTC(2026, 2, 29, 0, 59, 59, 999),
        Date.UTC(2026, 2, 29, 1, 0, 0, 0),
        Date.UTC(2026, 9, 24, 22, 59, 59, 999),
        Date.UTC(2026, 9, 24, 23, 0, 0, 0),
        Date.UTC(2026, 9, 25, 0, 59, 59, 999),
        Date.UTC(2026, 9, 25, 1, 0, 0, 0),
      ),
    );
    fc.assert(
      fc.property(fc.array(instants, { minLength: 1, maxLength: 5 }), (times) => {
        // In turn, as a server asks: each answer is right whatever was asked before.
        for (const time of times) {
          expect(todayInEngland(new Date(time))).toBe(intl.format(new Date(time)));
          expect(todayInEngland(new Date(time + 1))).toBe(intl.format(new Date(time + 1)));
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('writes long dates exactly as Intl does for en-GB', () => {
    const intl = new Intl.DateTimeFormat('en-GB', {
      day: 'numeric',
      month: 'long',
      year: 'numeric',
      timeZone: 'UTC',
    });
    fc.assert(
      fc.property(fc.integer({ min: daysFrom1970('1000-01-01'), max: 2_932_896 }), (days) => {
        const date = new Date(days * 86_400_000).toISOString().slice(0, 10);
        expect(formatLongDate(date)).toBe(intl.format(new Date(`${date}T00:00:00Z`)));
      }),
      { numRuns: 2000 },
    );
    expect(() => formatLongDate('2026-02-30')).toThrow(RangeError);
  });

  it('refuses nonsense', () => {
    expect(() => addDays('2026-02-30', 1)).toThrow(RangeError);
  });
});

describe('day numbers', () => {
  it('agree with the JavaScript Date for every day from 1900 to 2200', async () => {
    const { dayNumber, fromDayNumber, dayOfWeek } = await import('./calendar-date.ts');
    const fc = (await import('fast-check')).default;
    fc.assert(
      fc.property(fc.integer({ min: -25_567, max: 84_000 }), (days) => {
        const reference = new Date(days * 86_400_000);
        const date = reference.toISOString().slice(0, 10);
        return (
          fromDayNumber(days) === date &&
          dayNumber(date) === days &&
          dayOfWeek(date) === reference.getUTCDay()
        );
      }),
      { numRuns: 5_000 },
    );
  });
});
