import { describe, expect, it } from 'vitest';
import { caseDeadlines, deadlineStatus, type CaseClockFacts } from './deadlines.ts';

const base: CaseClockFacts = {
  requestReceived: '2026-01-09T17:30',
  assessmentDecidedOn: null,
  noPlanNoticeOn: null,
  planIssuedOn: null,
  lastReviewOn: null,
  decidedNotToAssess: false,
  exceptions: [],
};

describe('deadline status', () => {
  it.each([
    ['2026-03-01', null, '2026-02-01', false, 'upcoming'],
    ['2026-03-01', null, '2026-02-22', false, 'due-soon'],
    ['2026-03-01', null, '2026-03-01', false, 'due-soon'],
    ['2026-03-01', null, '2026-03-02', false, 'overdue'],
    ['2026-03-01', null, '2026-03-02', true, 'excused'],
    ['2026-03-01', '2026-03-01', '2026-05-01', false, 'met-on-time'],
    ['2026-03-01', '2026-03-02', '2026-05-01', false, 'met-late'],
    ['2026-03-01', '2026-03-02', '2026-05-01', true, 'excused'],
    ['2026-03-01', '2026-02-01', '2026-05-01', true, 'met-on-time'],
  ] as const)('due %s, met %s, today %s, excused %s: %s', (due, met, today, excused, status) => {
    expect(deadlineStatus(due, met, today, excused)).toBe(status);
  });
});

describe('a case’s deadlines', () => {
  it('counts from the day received and says how many weeks have passed', () => {
    const clock = caseDeadlines(base, '2026-02-20');
    expect(clock.receivedOn).toBe('2026-01-12');
    expect(clock.weeksSinceRequest).toBe(5);
    expect(clock.deadlines.map((d) => [d.limit, d.dueOn, d.status])).toEqual([
      ['decisionToAssess', '2026-02-23', 'due-soon'],
      ['finalPlan', '2026-06-01', 'upcoming'],
    ]);
  });

  it('marks a late step excused only when an exception is recorded against that limit', () => {
    const late = { ...base, assessmentDecidedOn: '2026-03-02' };
    expect(caseDeadlines(late, '2026-03-10').deadlines[0]!.status).toBe('met-late');
    const excused = caseDeadlines(
      {
        ...late,
        exceptions: [
          {
            limit: 'decisionToAssess',
            recordedOn: '2026-02-20',
            reason: 'Family away for 5 weeks',
          },
        ],
      },
      '2026-03-10',
    );
    expect(excused.deadlines[0]!.status).toBe('excused');
    expect(excused.deadlines[0]!.dueOn).toBe('2026-02-23');
    expect(excused.deadlines[1]!.exception).toBeNull();
  });

  it('follows the case: no plan deadlines after a refusal, a review after a plan', () => {
    const refused = caseDeadlines(
      { ...base, decidedNotToAssess: true, assessmentDecidedOn: '2026-02-10' },
      '2026-03-01',
    );
    expect(refused.deadlines.map((d) => d.limit)).toEqual(['decisionToAssess']);
    const noPlan = caseDeadlines(
      { ...base, assessmentDecidedOn: '2026-02-10', noPlanNoticeOn: '2026-05-01' },
      '2026-06-01',
    );
    expect(noPlan.deadlines.map((d) => [d.limit, d.status])).toEqual([
      ['decisionToAssess', 'met-on-time'],
      ['noPlanNotice', 'met-on-time'],
    ]);
    const withPlan = caseDeadlines(
      { ...base, assessmentDecidedOn: '2026-02-10', planIssuedOn: '2026-06-05' },
      '2027-06-10',
    );
    expect(withPlan.deadlines.map((d) => [d.limit, d.dueOn, d.status])).toEqual([
      ['decisionToAssess', '2026-02-23', 'met-on-time'],
      ['finalPlan', '2026-06-01', 'met-late'],
      ['annualReview', '2027-06-05', 'overdue'],
    ]);
  });
});
