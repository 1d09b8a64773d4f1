import { addDays, daysBetween, type CalendarDate } from '../clock/calendar-date.ts';
import {
  DUE_SOON_DAYS,
  REMINDER_WORDS,
  reminderThresholdOf,
  type ReminderThreshold,
} from '../clock/deadlines.ts';
import { dateFrom, periodWords, TIME_RULES } from '../clock/time-rules.ts';

/**
 * The advice an EHC needs assessment asks for (DOMAIN.md, "The pathway", step 3; reg 6(1)):
 * from the parent or young person, the setting, health, an educational psychologist, social
 * care, from Year 9 on preparing for adulthood, and anyone else appropriate. Each adviser has 6
 * weeks (reg 8; TIME_RULES.advice). Pure rules, kept apart from the database so they are easy
 * to test and change.
 */
export const ADVICE_TYPES = [
  'parent',
  'educational',
  'medical',
  'psychological',
  'social_care',
  'preparing_for_adulthood',
  'other',
] as const;

/** The same list as the database's `advice_type` (db/schema.ts AdviceType). */
export type AdviceType = (typeof ADVICE_TYPES)[number];

export const ADVICE_TYPE_LABELS: Record<AdviceType, string> = {
  parent: 'Parent or young person’s advice',
  educational: 'Educational advice',
  medical: 'Medical advice',
  psychological: 'Psychological advice',
  social_care: 'Social care advice',
  preparing_for_adulthood: 'Preparing for adulthood advice',
  other: 'Other advice',
};

export const ADVICE_TYPE_HINTS: Record<AdviceType, string> = {
  parent: 'From the child’s parent or carer, or from the young person.',
  educational:
    'From the head teacher or principal of the child’s nursery, school or college, usually through the SENCO.',
  medical: 'From a doctor or other health professional, usually through the health team.',
  psychological: 'From an educational psychologist.',
  social_care: 'From social care.',
  preparing_for_adulthood:
    'From Year 9 on: advice on paid employment, independent living, friends and the community, and good health.',
  other: 'From anyone else the council thinks appropriate, or the family reasonably asks for.',
};

const away = TIME_RULES.closureOrAbsence;

/**
 * Why an adviser need not give their advice within the 6 weeks: the only reasons the law allows.
 * The words are the `adviceExceptionReason` label table (domain/labels.ts).
 */
export const ADVICE_EXCEPTION_REASONS = {
  missed_appointment:
    'The child, young person or parent did not keep an appointment for an examination or test',
  absence: `The child, young person or parent was away from the area for ${away.count} or more ${away.unit} in a row`,
  exceptional_circumstances:
    'Exceptional personal circumstances of the child, young person or parent',
} as const;
export type AdviceExceptionReason = keyof typeof ADVICE_EXCEPTION_REASONS;
export const ADVICE_EXCEPTION_REASON_CODES = Object.keys(ADVICE_EXCEPTION_REASONS) as [
  AdviceExceptionReason,
  ...AdviceExceptionReason[],
];

/** The adviser's time limit in words, for the sentences that name it: "6 weeks". */
export const ADVICE_PERIOD = periodWords(TIME_RULES.advice);

/** The day advice asked for on `requestedOn` is due: 6 weeks on (reg 8). */
export function adviceDueOn(requestedOn: CalendarDate): CalendarDate {
  return dateFrom(TIME_RULES.advice, requestedOn);
}

export function isAdviceType(value: string): value is AdviceType {
  return (ADVICE_TYPES as readonly string[]).includes(value);
}

/** The day the school year holding `today` began: 1 September. */
export function schoolYearStart(today: CalendarDate): CalendarDate {
  const year = Number(today.slice(0, 4));
  const thisSeptember = `${year}-09-01`;
  return today >= thisSeptember ? thisSeptember : `${year - 1}-09-01`;
}

/**
 * Whether a child is in Year 9 or above in the school year holding `today`, by their age (their
 * year group as if they had never been held back). A school year's Year 9 were 13 on the 31
 * August before it began: born from 1 September 14 years before it to 31 August 13 years
 * before. So Year 9 or above means born before 1 September 13 years before the year's start
 * (in 2025/26: before 1 September 2012).
 */
export function inYear9OrAbove(dateOfBirth: CalendarDate, today: CalendarDate): boolean {
  const startYear = Number(schoolYearStart(today).slice(0, 4));
  return dateOfBirth < `${startYear - 13}-09-01`;
}

/** A request is "open" for its type unless it was withdrawn. */
export type ExistingRequest = { type: AdviceType; status: string };

/**
 * The advice still to ask for: every type the law needs that has no request yet (preparing for
 * adulthood only from Year 9). "Other" advice may be asked of several people, so it is always
 * offered.
 */
export function proposedAdviceTypes(
  existing: readonly ExistingRequest[],
  dateOfBirth: CalendarDate,
  today: CalendarDate,
): AdviceType[] {
  const asked = new Set(existing.filter((r) => r.status !== 'withdrawn').map((r) => r.type));
  return ADVICE_TYPES.filter((type) => {
    if (type === 'other') return true;
    if (type === 'preparing_for_adulthood' && !inYear9OrAbove(dateOfBirth, today)) return false;
    return !asked.has(type);
  });
}

export type ParticipantFacts = {
  id: string;
  caseRole: string;
  adviserKind: string | null;
  organisationKind: string | null;
};

/** Who usually gives each type of advice, to choose first in the list; null if nobody fits. */
export function suggestedAdviser(
  type: AdviceType,
  participants: readonly ParticipantFacts[],
): string | null {
  const first = (test: (p: ParticipantFacts) => boolean) => participants.find(test)?.id ?? null;
  switch (type) {
    case 'parent':
      return (
        first((p) => p.caseRole === 'young_person') ?? first((p) => p.caseRole === 'parent_carer')
      );
    case 'educational':
      return first((p) => p.caseRole === 'setting');
    case 'medical':
      return first((p) => p.adviserKind === 'health' || p.organisationKind === 'health_team');
    case 'psychological':
      return first(
        (p) =>
          p.adviserKind === 'educational_psychologist' ||
          p.organisationKind === 'educational_psychology_service',
      );
    case 'social_care':
      return first(
        (p) => p.adviserKind === 'social_care' || p.organisationKind === 'social_care_team',
      );
    default:
      return null;
  }
}

export type AdviceStatus = 'requested' | 'submitted' | 'sufficient' | 'withdrawn';

/** The tag shown beside an advice request's due date. */
export type AdviceTag =
  'overdue' | 'due-soon' | 'waiting' | 'excused' | 'submitted' | 'sufficient' | 'withdrawn';

export const ADVICE_TAG_LABELS: Record<AdviceTag, string> = {
  overdue: 'Overdue',
  'due-soon': `Due within ${DUE_SOON_DAYS} days`,
  waiting: 'Requested',
  excused: 'Late: exception recorded',
  submitted: 'Submitted',
  sufficient: 'Already given',
  withdrawn: 'Withdrawn',
};

export function adviceTag(
  request: { status: AdviceStatus; dueOn: CalendarDate | null; exceptions: number },
  today: CalendarDate,
): AdviceTag {
  if (request.status !== 'requested') return request.status;
  if (!request.dueOn) return 'waiting';
  if (today > request.dueOn) return request.exceptions > 0 ? 'excused' : 'overdue';
  return daysBetween(today, request.dueOn) <= DUE_SOON_DAYS ? 'due-soon' : 'waiting';
}

/**
 * The reminder an unanswered request has reached today (the case deadlines' rule, deadlines.ts):
 * due within 7 days, due tomorrow (the day before the due date, and only then), due today, or
 * overdue. None once an exception is recorded: the 6 weeks no longer bind.
 */
export function adviceReminderThreshold(
  dueOn: CalendarDate,
  today: CalendarDate,
  hasException: boolean,
): ReminderThreshold | null {
  return hasException ? null : reminderThresholdOf(dueOn, today);
}

/** A reminder's title, in words true on the day it is sent: "advice due today". */
export function adviceReminderWording(threshold: ReminderThreshold): string {
  return `advice ${REMINDER_WORDS[threshold]}`;
}

/** The latest due date a reminder can be about today (due within 7 days). */
export function remindersDueBefore(today: CalendarDate): CalendarDate {
  return addDays(today, DUE_SOON_DAYS + 1);
}
