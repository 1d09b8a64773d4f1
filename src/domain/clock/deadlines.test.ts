import { describe, expect, it } from 'vitest';
import {
  caseDeadlines,
  deadlineStatus,
  REMINDER_WORDS,
  reminderThreshold,
  reminderThresholdOf,
  sentReminderOf,
  type CaseClockFacts,
  type Deadline,
} from './deadlines.ts';

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

describe('a closed case', () => {
  it('shows no step as due or overdue once the plan has ceased', () => {
    const ceased = caseDeadlines(
      {
        ...base,
        assessmentDecidedOn: '2026-02-10',
        planIssuedOn: '2026-06-05',
        lastReviewOn: '2027-05-20',
        closed: true,
      },
      '2029-01-10',
    );
    expect(ceased.deadlines.map((d) => [d.limit, d.status])).toEqual([
      ['decisionToAssess', 'met-on-time'],
      ['finalPlan', 'met-late'],
    ]);
  });

  it('shows no unmet step of a refused case as overdue', () => {
    // A refusal whose letter date was not recorded (an older case): nothing left to chase.
    const refused = caseDeadlines(
      { ...base, decidedNotToAssess: true, closed: true },
      '2026-06-01',
    );
    expect(
      refused.deadlines.filter((d) => ['overdue', 'due-soon', 'upcoming'].includes(d.status)),
    ).toEqual([]);
    const noPlan = caseDeadlines(
      { ...base, assessmentDecidedOn: '2026-02-10', noPlanNoticeOn: '2026-05-01', closed: true },
      '2026-09-01',
    );
    expect(noPlan.deadlines.map((d) => [d.limit, d.status])).toEqual([
      ['decisionToAssess', 'met-on-time'],
      ['noPlanNotice', 'met-on-time'],
    ]);
  });
});

describe('the clock is complete', () => {
  it('lists the 16-week decision whether to issue a plan while it is to come', () => {
    const assessing = caseDeadlines(
      { ...base, assessmentDecidedOn: '2026-02-10', planDecisionPending: true },
      '2026-03-01',
    );
    expect(assessing.deadlines.map((d) => [d.limit, d.step, d.dueOn, d.status])).toEqual([
      ['decisionToAssess', 'Send the decision whether to assess', '2026-02-23', 'met-on-time'],
      ['noPlanNotice', 'Send the decision whether to issue a plan', '2026-05-04', 'upcoming'],
      ['finalPlan', 'Issue the final EHC plan', '2026-06-01', 'upcoming'],
    ]);
  });

  it('keeps the decision whether to issue a plan, with its date, once it is made', () => {
    const drafting = caseDeadlines(
      { ...base, assessmentDecidedOn: '2026-02-10', planDecidedOn: '2026-04-20' },
      '2026-05-10',
    );
    expect(drafting.deadlines.map((d) => [d.limit, d.dueOn, d.metOn, d.status])).toEqual([
      ['decisionToAssess', '2026-02-23', '2026-02-10', 'met-on-time'],
      ['noPlanNotice', '2026-05-04', '2026-04-20', 'met-on-time'],
      ['finalPlan', '2026-06-01', null, 'upcoming'],
    ]);
  });
});

describe('reminders', () => {
  it.each([
    ['2026-03-12', null],
    ['2026-03-13', 'due-in-7-days'],
    ['2026-03-18', 'due-in-7-days'],
    ['2026-03-19', 'due-tomorrow'],
    ['2026-03-20', 'due-today'],
    ['2026-03-21', 'overdue'],
  ] as const)('a step due on 20 March has reached %s: %s', (today, threshold) => {
    expect(reminderThresholdOf('2026-03-20', today)).toBe(threshold);
  });

  it('a step due today is due today, not due tomorrow', () => {
    const { deadlines } = caseDeadlines(base, '2026-02-23');
    const decision = deadlines.find((d) => d.limit === 'decisionToAssess')!;
    expect(decision.dueOn).toBe('2026-02-23');
    expect(reminderThreshold(decision, '2026-02-23')).toBe('due-today');
    expect(REMINDER_WORDS[reminderThreshold(decision, '2026-02-23')!]).toBe('due today');
    expect(reminderThreshold(decision, '2026-02-22')).toBe('due-tomorrow');
    expect(REMINDER_WORDS['due-tomorrow']).toBe('due tomorrow');
  });

  it('reminds of no step once it is met or excused', () => {
    const step: Deadline = caseDeadlines(base, '2026-02-23').deadlines[0]!;
    expect(reminderThreshold({ ...step, metOn: '2026-02-20' }, '2026-02-23')).toBeNull();
    const exception = { limit: 'decisionToAssess', recordedOn: '2026-02-01', reason: 'x' } as const;
    expect(reminderThreshold({ ...step, exception }, '2026-02-24')).toBeNull();
  });

  it('records "due today" as the day-before reminder, so each step gets each reminder once', () => {
    // Sent yesterday as "due tomorrow": nothing more today. Missed yesterday: "due today" now.
    expect(sentReminderOf('due-today')).toBe('due-tomorrow');
    expect(sentReminderOf('due-in-7-days')).toBe('due-in-7-days');
    expect(sentReminderOf('due-tomorrow')).toBe('due-tomorrow');
    expect(sentReminderOf('overdue')).toBe('overdue');
  });
});
