import { addDays, addMonths, addWeeks, type CalendarDate } from './calendar-date.ts';
import { addWorkingDays, type Calendar } from './working-days.ts';

/**
 * The legal time rules (DOMAIN.md, "Counting time" and "Statutory time limits"), each written
 * once. The stages, the deadlines, the public date checker (`npx pathway clock`), the advice,
 * the letters and the reminders read their numbers here, and so do the sentences that name a
 * limit ("6 weeks"): a change in the law is a change to one row.
 */
export type PeriodUnit = 'days' | 'weeks' | 'months' | 'working days';

export type TimeRule = {
  readonly count: number;
  /** Calendar days, weeks and months, unless the rule says working days. */
  readonly unit: PeriodUnit;
  /** The period runs back from the fact: "at least 2 weeks before the meeting". */
  readonly before?: true;
  /**
   * The fact's own day is the first day of the period, so the last day is one day earlier
   * (regs 13 and 22: "15 days" counted from the day the draft is served).
   */
  readonly countsFirstDay?: true;
  /** What the period runs from, and what must happen within it. */
  readonly from: string;
  readonly step: string;
  /** Where the law says so. */
  readonly law: string;
};

export const TIME_RULES = {
  decisionToAssess: {
    count: 6,
    unit: 'weeks',
    from: 'request received',
    step: 'decision whether to assess sent to the parent or young person',
    law: 'reg 4, 5',
  },
  advice: {
    count: 6,
    unit: 'weeks',
    from: 'advice request received by the adviser',
    step: 'advice returned',
    law: 'reg 8',
  },
  noPlanNotice: {
    count: 16,
    unit: 'weeks',
    from: 'request received',
    step: 'notice of a decision not to issue a plan',
    law: 'reg 10',
  },
  draftComments: {
    count: 15,
    unit: 'days',
    countsFirstDay: true,
    from: 'draft plan served',
    step: 'the parent or young person comments, asks for a meeting, names a preferred setting',
    law: 'reg 13(1)',
  },
  finalPlan: {
    count: 20,
    unit: 'weeks',
    from: 'request received',
    step: 'final plan issued',
    law: 'reg 13(2)',
  },
  annualReview: {
    count: 12,
    unit: 'months',
    from: 'plan made or last reviewed',
    step: 'annual review',
    law: 'CFA s44',
  },
  reviewInvitations: {
    count: 2,
    unit: 'weeks',
    before: true,
    from: 'review meeting',
    step: 'invitations sent',
    law: 'reg 20(3)',
  },
  reviewAdvice: {
    count: 2,
    unit: 'weeks',
    before: true,
    from: 'review meeting',
    step: 'advice circulated',
    law: 'reg 20(4)',
  },
  reviewReport: {
    count: 2,
    unit: 'weeks',
    from: 'review meeting',
    step: 'review report sent to everyone invited',
    law: 'reg 20',
  },
  reviewDecision: {
    count: 4,
    unit: 'weeks',
    from: 'review meeting',
    step: 'decision to maintain, amend or cease, with any proposed amendments',
    law: 'reg 20; R (L, M & P) v Devon CC [2022]',
  },
  amendedPlan: {
    count: 8,
    unit: 'weeks',
    from: 'amendment notice (so at most 12 weeks after the review meeting)',
    step: 'final amended plan, or notice not to amend',
    law: 'reg 22; R (L, M & P) v Devon CC [2022]',
  },
  reassessmentPlan: {
    count: 14,
    unit: 'weeks',
    from: 'decision to reassess',
    step: 'final plan',
    law: 'reg 27',
  },
  planTransfer: {
    count: 15,
    unit: 'working days',
    from: 'the LA learns of a move out',
    step: 'plan transferred to the new LA (on the day of the move if known this far ahead)',
    law: 'reg 15',
  },
  newLaNotice: {
    count: 6,
    unit: 'weeks',
    from: 'plan transferred',
    step: 'the new LA tells the family it has the plan, whether it will assess, when it will review',
    law: 'reg 15',
  },
  newLaReview: {
    count: 3,
    unit: 'months',
    from: 'plan transferred (or 12 months from the last review, if later)',
    step: 'review by the new LA',
    law: 'reg 15',
  },
  appeal: {
    count: 2,
    unit: 'months',
    from: 'decision letter',
    step: 'tribunal appeal',
    law: 'HESC Rules r20',
  },
  appealAfterMediation: {
    count: 1,
    unit: 'months',
    from: 'mediation certificate (when later than the 2 months)',
    step: 'tribunal appeal',
    law: 'HESC Rules r20',
  },
  mediationCertificate: {
    count: 3,
    unit: 'working days',
    from: 'the family declines mediation, or mediation ends',
    step: 'mediation certificate issued',
    law: 'mediation regulations (check)',
  },
  /** Not a limit: how long a closure or an absence must last to excuse one. */
  closureOrAbsence: {
    count: 4,
    unit: 'weeks',
    from: 'a setting closes, or the family is away from the area',
    step: 'a limit stops binding (4 or more weeks in a row)',
    law: 'reg 10(4)',
  },
} as const satisfies Record<string, TimeRule>;

export type TimeRuleName = keyof typeof TIME_RULES;

/**
 * The day a plan naming the next setting is due in the transfer year (reg 18): 15 February for
 * a move between school phases, 31 March from secondary school to post-16.
 */
export const PHASE_TRANSFER_BY = { school: '02-15', post16: '03-31' } as const;

/**
 * Requests received at or after this time on a working day count from the next working day
 * (common practice for email and online requests; check).
 */
export const END_OF_WORKING_DAY = '17:00';

/** The day a rule's period ends (or, for a period before the fact, begins). */
export function dateFrom(
  rule: TimeRule,
  from: CalendarDate,
  calendar: Calendar = {},
): CalendarDate {
  const count = rule.before ? -rule.count : rule.count;
  switch (rule.unit) {
    case 'days':
      return addDays(from, rule.countsFirstDay ? count - 1 : count);
    case 'weeks':
      return addWeeks(from, count);
    case 'months':
      return addMonths(from, count);
    case 'working days':
      return addWorkingDays(from, count, calendar);
  }
}

const singular = (unit: PeriodUnit) => unit.slice(0, -1);

/** The period in words, as people read it: "6 weeks", "12 months", "15 days", "1 month". */
export function periodWords(rule: TimeRule): string {
  return `${rule.count} ${rule.count === 1 ? singular(rule.unit) : rule.unit}`;
}

/** The period before a noun: "the 6-week time limit". */
export function periodAdjective(rule: TimeRule): string {
  return `${rule.count}-${singular(rule.unit).replace(' ', '-')}`;
}
