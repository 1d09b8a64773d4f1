import { daysBetween, type CalendarDate } from './calendar-date.ts';
import { receivedOn } from './statutory-dates.ts';
import { dateFrom, TIME_RULES } from './time-rules.ts';
import type { Calendar } from './working-days.ts';

/**
 * A case's statutory steps with their due dates and status, from the case's dated facts.
 * Pure: the caller passes today. Exceptions excuse lateness; they never move a date.
 */
export type DeadlineStatus =
  'upcoming' | 'due-soon' | 'overdue' | 'met-on-time' | 'met-late' | 'excused';

/** A step is due soon within this many days of its due date: Pathway's choice, not the law's. */
export const DUE_SOON_DAYS = 7;

export const DEADLINE_STATUS_LABELS: Record<DeadlineStatus, string> = {
  upcoming: 'Upcoming',
  'due-soon': `Due within ${DUE_SOON_DAYS} days`,
  overdue: 'Overdue',
  'met-on-time': 'Done on time',
  'met-late': 'Done late',
  excused: 'Late, with a recorded exception',
};

export type LimitName = 'decisionToAssess' | 'noPlanNotice' | 'finalPlan' | 'annualReview';

export type StatutoryException = { limit: LimitName; recordedOn: CalendarDate; reason: string };

export type CaseClockFacts = {
  requestReceived: string;
  /** When the decision whether to assess was sent. */
  assessmentDecidedOn: CalendarDate | null;
  /** When the notice of a decision not to issue a plan was sent. */
  noPlanNoticeOn: CalendarDate | null;
  /** When the decision whether to issue a plan was made, either way, if known. */
  planDecidedOn?: CalendarDate | null;
  /** The decision whether to issue a plan is still to come (the case is not past assessment). */
  planDecisionPending?: boolean;
  /** The case is closed (refused, no plan, ceased): no step of it is due any more. */
  closed?: boolean;
  planIssuedOn: CalendarDate | null;
  lastReviewOn: CalendarDate | null;
  /** Only the limits that apply to this case are listed. */
  decidedNotToAssess: boolean;
  exceptions: StatutoryException[];
};

export type Deadline = {
  limit: LimitName;
  /** What must happen, said to staff. */
  step: string;
  /** The same, said to a family: "The council must ... by". */
  familyStep: string;
  dueOn: CalendarDate;
  metOn: CalendarDate | null;
  status: DeadlineStatus;
  exception: StatutoryException | null;
};

export function deadlineStatus(
  dueOn: CalendarDate,
  metOn: CalendarDate | null,
  today: CalendarDate,
  excused: boolean,
): DeadlineStatus {
  if (metOn) {
    if (metOn <= dueOn) return 'met-on-time';
    return excused ? 'excused' : 'met-late';
  }
  if (today > dueOn) return excused ? 'excused' : 'overdue';
  return daysBetween(today, dueOn) <= DUE_SOON_DAYS ? 'due-soon' : 'upcoming';
}

export function caseDeadlines(
  facts: CaseClockFacts,
  today: CalendarDate,
  calendar: Calendar = {},
): { receivedOn: CalendarDate; weeksSinceRequest: number; deadlines: Deadline[] } {
  const start = receivedOn(facts.requestReceived, calendar);
  const deadlines: Deadline[] = [];
  const add = (
    limit: LimitName,
    step: string,
    familyStep: string,
    dueOn: CalendarDate,
    metOn: CalendarDate | null,
  ) => {
    const exception = facts.exceptions.find((e) => e.limit === limit) ?? null;
    deadlines.push({
      limit,
      step,
      familyStep,
      dueOn,
      metOn,
      exception,
      status: deadlineStatus(dueOn, metOn, today, exception !== null),
    });
  };
  add(
    'decisionToAssess',
    'Send the decision whether to assess',
    'The council must tell you whether it will carry out an assessment',
    dateFrom(TIME_RULES.decisionToAssess, start),
    facts.assessmentDecidedOn,
  );
  if (!facts.decidedNotToAssess) {
    // The 16-week decision whether to issue a plan: listed while it is to come, and once made.
    const planDecidedOn = facts.noPlanNoticeOn ?? facts.planDecidedOn ?? null;
    if (planDecidedOn || facts.planDecisionPending) {
      add(
        'noPlanNotice',
        'Send the decision whether to issue a plan',
        'The council must tell you whether it will issue a plan',
        dateFrom(TIME_RULES.noPlanNotice, start),
        planDecidedOn,
      );
    }
    if (!facts.noPlanNoticeOn) {
      add(
        'finalPlan',
        'Issue the final EHC plan',
        'The council must issue the final EHC plan',
        dateFrom(TIME_RULES.finalPlan, start),
        facts.planIssuedOn,
      );
    }
  }
  const reviewFrom = facts.lastReviewOn ?? facts.planIssuedOn;
  if (reviewFrom) {
    add(
      'annualReview',
      'Hold the annual review',
      'The plan must be reviewed',
      dateFrom(TIME_RULES.annualReview, reviewFrom),
      null,
    );
  }
  // A closed case has nothing left to do: its steps not done are no longer due, nor overdue.
  if (facts.closed) {
    const done = deadlines.filter((d) => d.metOn);
    deadlines.splice(0, deadlines.length, ...done);
  }
  const weeksSinceRequest = Math.max(0, Math.floor(daysBetween(start, today) / 7));
  return { receivedOn: start, weeksSinceRequest, deadlines };
}

/**
 * The reminders about a step not yet done: due within 7 days, due tomorrow, due today, overdue.
 * One rule for every step that has a due date: a case's statutory steps and an adviser's advice.
 */
export type ReminderThreshold = 'due-in-7-days' | 'due-tomorrow' | 'due-today' | 'overdue';

/** The reminder's words: "due within 7 days", "due tomorrow", "due today", "overdue". */
export const REMINDER_WORDS: Record<ReminderThreshold, string> = {
  'due-in-7-days': `due within ${DUE_SOON_DAYS} days`,
  'due-tomorrow': 'due tomorrow',
  'due-today': 'due today',
  overdue: 'overdue',
};

/**
 * Which reminder a step due on `dueOn`, and not yet done, has reached today, if any: overdue
 * after its due date, due today on it, due tomorrow the day before (and only then), due within
 * 7 days before that. Further off, none.
 */
export function reminderThresholdOf(
  dueOn: CalendarDate,
  today: CalendarDate,
): ReminderThreshold | null {
  const daysLeft = daysBetween(today, dueOn);
  if (daysLeft < 0) return 'overdue';
  if (daysLeft === 0) return 'due-today';
  if (daysLeft === 1) return 'due-tomorrow';
  if (daysLeft <= DUE_SOON_DAYS) return 'due-in-7-days';
  return null;
}

/** The reminder a case's statutory step has reached today: none once it is met or excused. */
export function reminderThreshold(
  deadline: Deadline,
  today: CalendarDate,
): ReminderThreshold | null {
  if (deadline.metOn || deadline.exception) return null;
  return reminderThresholdOf(deadline.dueOn, today);
}

/** The reminders each step is sent once, as recorded (reminder_sent, advice_reminder_sent). */
export type SentReminder = Exclude<ReminderThreshold, 'due-today'>;

/**
 * The reminder a threshold is recorded as, so that each step gets each reminder once. "Due today"
 * stands in for the day-before reminder: when that went yesterday, nothing more is sent on the
 * due date; when it did not (the step came due within a day, or the sweep did not run), it goes
 * now, saying "due today" rather than "due tomorrow".
 */
export function sentReminderOf(threshold: ReminderThreshold): SentReminder {
  return threshold === 'due-today' ? 'due-tomorrow' : threshold;
}
