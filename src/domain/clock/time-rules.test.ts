import { describe, expect, it } from 'vitest';
import { EXCEPTION_LIMITS, EXCEPTION_REASONS } from './exceptions.ts';
import { dateFrom, periodAdjective, periodWords, TIME_RULES } from './time-rules.ts';

describe('the legal time rules', () => {
  it('counts each period from its fact, forwards or back', () => {
    expect(dateFrom(TIME_RULES.decisionToAssess, '2026-01-12')).toBe('2026-02-23');
    expect(dateFrom(TIME_RULES.annualReview, '2024-02-29')).toBe('2025-02-28');
    expect(dateFrom(TIME_RULES.reviewInvitations, '2026-03-10')).toBe('2026-02-24');
    // The day the draft is served is the first of the 15 days.
    expect(dateFrom(TIME_RULES.draftComments, '2026-05-01')).toBe('2026-05-15');
    // Working days skip the weekend and the LA's own closure days.
    expect(dateFrom(TIME_RULES.mediationCertificate, '2026-05-01')).toBe('2026-05-07');
    expect(
      dateFrom(TIME_RULES.mediationCertificate, '2026-05-01', {
        closures: new Set(['2026-05-05']),
      }),
    ).toBe('2026-05-08');
  });

  it('says each period in words', () => {
    expect(periodWords(TIME_RULES.advice)).toBe('6 weeks');
    expect(periodWords(TIME_RULES.annualReview)).toBe('12 months');
    expect(periodWords(TIME_RULES.draftComments)).toBe('15 days');
    expect(periodWords(TIME_RULES.appealAfterMediation)).toBe('1 month');
    expect(periodWords(TIME_RULES.planTransfer)).toBe('15 working days');
    expect(periodAdjective(TIME_RULES.advice)).toBe('6-week');
  });

  it('gives the exceptions’ words from the table, as they have always read', () => {
    expect(EXCEPTION_REASONS.setting_closed).toBe(
      'The school or college was closed for 4 or more weeks in a row around when its advice was asked for',
    );
    expect(EXCEPTION_REASONS.away_from_area).toBe(
      'The child, young person or parent was away from the area for 4 or more weeks in a row',
    );
    expect(EXCEPTION_LIMITS.finalPlan).toBe('Final plan (20 weeks)');
    expect(EXCEPTION_LIMITS.annualReview).toBe('Annual review (12 months)');
  });
});
