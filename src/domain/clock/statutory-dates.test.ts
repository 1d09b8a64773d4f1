import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays, daysBetween } from './calendar-date.ts';
import { isBankHoliday, dayOfWeek } from './bank-holidays.ts';
import { addWorkingDays, isWorkingDay } from './working-days.ts';
import { adjustAppealDeadline, computeClock, receivedOn } from './statutory-dates.ts';

describe('the day a request counts as received', () => {
  it.each([
    ['2026-01-14', '2026-01-14', 'a date alone on a working day'],
    ['2026-01-17', '2026-01-19', 'a Saturday counts from Monday'],
    ['2026-01-14T16:59', '2026-01-14', 'just before 17:00'],
    ['2026-01-14T17:00', '2026-01-15', 'at 17:00'],
    ['2026-04-02T17:30', '2026-04-07', 'after 17:00 before the Easter weekend'],
    ['2026-08-28T18:00', '2026-09-01', 'after 17:00 before the summer bank holiday weekend'],
    [
      '2026-12-24T17:05',
      '2026-12-29',
      'Christmas Eve evening, with Boxing Day substituted to Monday',
    ],
    ['2023-05-05T17:00', '2023-05-09', 'Friday before the coronation holiday'],
    ['2022-06-01T20:00', '2022-06-06', 'the Platinum Jubilee weekend'],
  ])('%s gives %s (%s)', (received, expected) => {
    expect(receivedOn(received)).toBe(expected);
  });

  it('honours an LA’s own closure days', () => {
    expect(receivedOn('2026-01-14', { closures: new Set(['2026-01-14', '2026-01-15']) })).toBe(
      '2026-01-16',
    );
  });

  it('refuses impossible inputs', () => {
    expect(() => receivedOn('2026-02-30')).toThrow();
    expect(() => receivedOn('2026-01-14T24:00')).toThrow();
    expect(() => receivedOn('14/01/2026')).toThrow();
  });
});

describe('statutory dates', () => {
  it('counts 6, 16 and 20 weeks from the day received', () => {
    expect(computeClock({ requestReceived: '2026-01-09T17:30' })).toEqual({
      receivedOn: '2026-01-12',
      decisionToAssessDue: '2026-02-23',
      noPlanNoticeDue: '2026-05-04',
      finalPlanDue: '2026-06-01',
    });
  });

  it('gives advice 6 weeks and the family 15 days (14 after the day of service)', () => {
    expect(computeClock({ adviceRequested: '2026-02-23', draftServed: '2026-05-01' })).toEqual({
      adviceDue: '2026-04-06',
      draftCommentsLastDay: '2026-05-15',
    });
  });

  it.each([
    [{ planIssued: '2026-01-31' }, '2027-01-31'],
    [{ planIssued: '2024-02-29' }, '2025-02-28'],
    [{ planIssued: '2025-03-31', lastReview: '2026-02-28' }, '2027-02-28'],
  ])('reviews a plan within 12 months: %o', (inputs, due) => {
    expect(computeClock(inputs).annualReviewDue).toBe(due);
  });

  it('sets the review timetable around the meeting', () => {
    expect(computeClock({ reviewMeeting: '2026-03-10' })).toEqual({
      reviewInvitesBy: '2026-02-24',
      reviewAdviceBy: '2026-02-24',
      reviewReportDue: '2026-03-24',
      reviewDecisionDue: '2026-04-07',
      amendedPlanDue: '2026-06-02',
    });
    expect(computeClock({ amendmentNotice: '2026-04-01' })).toEqual({
      amendedPlanDue: '2026-05-27',
    });
  });

  it.each([
    [{ decisionLetter: '2026-01-15' }, '2026-03-16', 'two months falls on a Sunday'],
    [{ decisionLetter: '2026-06-10' }, '2026-09-01', 'two months falls in August'],
    [{ decisionLetter: '2026-10-26' }, '2027-01-04', 'two months falls at Christmas'],
    [{ decisionLetter: '2026-11-01' }, '2027-01-04', 'two months falls on New Year’s Day'],
    [{ decisionLetter: '2025-12-31' }, '2026-03-02', 'end of February, then a weekend'],
    [
      { decisionLetter: '2026-01-10', mediationCertificate: '2026-02-20' },
      '2026-03-20',
      'the certificate gives the later date',
    ],
    [
      { decisionLetter: '2026-01-10', mediationCertificate: '2026-01-20' },
      '2026-03-10',
      'the letter gives the later date',
    ],
  ])('sets the appeal deadline: %o gives %s (%s)', (inputs, due, _why) => {
    expect(computeClock(inputs).appealDeadline).toBe(due);
  });

  it('keeps the tribunal’s appeal deadline whatever the LA’s own closure days', () => {
    // 2 months from 2026-03-10 is Sunday 2026-05-10, so Monday 2026-05-11.
    const closures = new Set(['2026-05-11', '2026-05-12']);
    expect(computeClock({ decisionLetter: '2026-03-10' }).appealDeadline).toBe('2026-05-11');
    expect(computeClock({ decisionLetter: '2026-03-10' }, { closures }).appealDeadline).toBe(
      '2026-05-11',
    );
    // The council's own steps do move past its closure days.
    expect(computeClock({ requestReceived: '2026-05-11' }, { closures }).receivedOn).toBe(
      '2026-05-13',
    );
  });

  it('names the next setting by 15 February or 31 March', () => {
    expect(computeClock({ transferYear: 2027, transferType: 'school' }).phaseTransferDue).toBe(
      '2027-02-15',
    );
    expect(computeClock({ transferYear: 2027, transferType: 'post16' }).phaseTransferDue).toBe(
      '2027-03-31',
    );
    expect(() => computeClock({ transferYear: 2027 })).toThrow(/together/);
  });

  it('gives a reassessment 14 weeks', () => {
    expect(computeClock({ reassessmentDecision: '2026-01-05' }).reassessmentPlanDue).toBe(
      '2026-04-13',
    );
  });

  it('transfers a plan on the move date when known 15 working days ahead, else within 15', () => {
    expect(
      computeClock({ laLearnedOfMove: '2026-03-02', moveDate: '2026-04-30' }).transferDue,
    ).toBe('2026-04-30');
    expect(
      computeClock({ laLearnedOfMove: '2026-03-02', moveDate: '2026-03-20' }).transferDue,
    ).toBe('2026-03-23');
    // Easter 2026 (3 and 6 April) is not counted.
    expect(computeClock({ laLearnedOfMove: '2026-03-30' }).transferDue).toBe('2026-04-22');
  });

  it('gives the new LA 6 weeks to write and a review by the later of two dates', () => {
    expect(computeClock({ planTransferred: '2026-05-01', lastReview: '2025-12-01' })).toEqual({
      annualReviewDue: '2026-12-01',
      newLaNoticeDue: '2026-06-12',
      newLaReviewDue: '2026-12-01',
    });
    expect(
      computeClock({ planTransferred: '2026-05-01', lastReview: '2025-06-01' }).newLaReviewDue,
    ).toBe('2026-08-01');
  });

  it('issues a mediation certificate within 3 working days', () => {
    expect(computeClock({ mediationDeclined: '2026-12-24' }).mediationCertificateDue).toBe(
      '2026-12-31',
    );
    expect(computeClock({ mediationDeclined: '2026-05-01' }).mediationCertificateDue).toBe(
      '2026-05-07',
    );
  });

  it('gives nothing for nothing', () => {
    expect(computeClock({})).toEqual({});
  });
});

const anyDate = fc
  .date({
    min: new Date('1995-01-01T00:00:00Z'),
    max: new Date('2060-12-31T00:00:00Z'),
    noInvalidDate: true,
  })
  .map((d) => d.toISOString().slice(0, 10));

describe('properties of working days', () => {
  it('a working-day result is never a weekend or a bank holiday', () => {
    fc.assert(
      fc.property(anyDate, fc.integer({ min: 0, max: 60 }), (date, n) => {
        const result = addWorkingDays(date, n);
        if (n === 0) return result === date;
        return ![0, 6].includes(dayOfWeek(result)) && !isBankHoliday(result);
      }),
    );
  });

  it('adding n working days and counting back n returns to a working start', () => {
    fc.assert(
      fc.property(anyDate, fc.integer({ min: 1, max: 60 }), (date, n) => {
        fc.pre(isWorkingDay(date));
        return addWorkingDays(addWorkingDays(date, n), -n) === date;
      }),
    );
  });

  it('due dates never precede their start, and an appeal deadline never moves back', () => {
    fc.assert(
      fc.property(anyDate, (date) => {
        const out = computeClock({
          requestReceived: date,
          adviceRequested: date,
          decisionLetter: date,
          mediationDeclined: date,
          laLearnedOfMove: date,
        });
        const start = out.receivedOn!;
        return (
          start >= date &&
          isWorkingDay(start) &&
          Object.values(out).every((due) => due >= date) &&
          adjustAppealDeadline(date) >= date &&
          daysBetween(date, start) < 10 &&
          !out.appealDeadline!.slice(5).startsWith('08-') &&
          addDays(out.appealDeadline!, 0) === out.appealDeadline
        );
      }),
    );
  });
});
