import type { DbOrTrx } from '../db/database.ts';
import type { CalendarDate } from '../domain/clock/calendar-date.ts';
import {
  caseDeadlines,
  deadlineStatus,
  type CaseClockFacts,
  type LimitName,
} from '../domain/clock/deadlines.ts';
import { EXCEPTION_REASONS } from '../domain/clock/exceptions.ts';
import {
  computeClock,
  type ClockDates,
  type ClockInputs,
} from '../domain/clock/statutory-dates.ts';
import type { Calendar } from '../domain/clock/working-days.ts';
import { labelFor } from '../domain/people.ts';
import {
  isStage,
  nextStep,
  STAGE_DEFINITIONS,
  type CaseFacts,
  type NextStep,
  type Stage,
} from '../domain/pathway/stages.ts';
import { calendarOf } from './calendar.ts';

/**
 * The case's clock: the domain's pure clock fed with a case's recorded facts and its LA's
 * calendar (see calendar.ts).
 */

/** A case's recorded dates, as its row holds them. */
export type CaseDates = {
  stage: string;
  request_received_on: string;
  plan_issued_on: string | null;
  last_review_on: string | null;
};

export function caseFactsOf(row: CaseDates): CaseFacts | null {
  if (!isStage(row.stage)) return null;
  return {
    stage: row.stage,
    requestReceivedOn: row.request_received_on,
    planIssuedOn: row.plan_issued_on,
    lastReviewOn: row.last_review_on,
  };
}

/** A case's recorded dates with those that stop the clock's limits. */
export type ClockRow = CaseDates & {
  assessment_decided_on: string | null;
  closed_on: string | null;
  /** When the decision whether to issue a plan was made, where the reader knows it. */
  plan_decided_on?: string | null;
};

/** The clock's facts from a case's recorded dates and exceptions. */
export function clockFactsOf(
  row: ClockRow,
  exceptions: { limit_name: string; occurred_on: string; reason: string }[],
): CaseClockFacts {
  return {
    requestReceived: row.request_received_on,
    assessmentDecidedOn: row.assessment_decided_on,
    noPlanNoticeOn: row.stage === 'no_plan' ? row.closed_on : null,
    planDecidedOn: row.plan_decided_on ?? null,
    planDecisionPending: row.stage === 'request_received' || row.stage === 'assessment',
    closed: isStage(row.stage) && STAGE_DEFINITIONS[row.stage].closed,
    planIssuedOn: row.plan_issued_on,
    lastReviewOn: row.last_review_on,
    decidedNotToAssess: row.stage === 'not_assessing',
    exceptions: exceptions.map((e) => ({
      limit: e.limit_name as LimitName,
      recordedOn: e.occurred_on,
      reason: labelFor(EXCEPTION_REASONS, e.reason),
    })),
  };
}

/** A case's next step and when it is due, from its facts and its LA's calendar (pure). */
export function nextStepOf(row: CaseDates, calendar: Calendar): NextStep | null {
  const facts = caseFactsOf(row);
  return facts ? nextStep(facts, calendar) : null;
}

/**
 * The date a case's next step is due: what `case.next_step_due_on` stores, so the tray can sort
 * and filter by it. Pure, for writers that insert many cases at once (the demo data); one case's
 * stage is changed with `setCaseStage`, which stores it.
 */
export function nextDueOn(row: CaseDates, calendar: Calendar): CalendarDate | null {
  return nextStepOf(row, calendar)?.dueOn ?? null;
}

/** Where a step stands against its due date, for the tray's and the overview's tag. */
export function dueStatusOf(
  dueOn: CalendarDate | null,
  today: CalendarDate,
): 'overdue' | 'due-soon' | 'upcoming' | null {
  if (!dueOn) return null;
  return deadlineStatus(dueOn, null, today, false) as 'overdue' | 'due-soon' | 'upcoming';
}

/**
 * Everything a page, a letter or a reminder says about a case's dates, in one place: the next
 * step and its due date (and where it stands today), and every statutory deadline with its
 * status, from the case's recorded facts, its exceptions and its LA's calendar.
 */
export function caseDatesOf(
  row: ClockRow,
  exceptions: { limit_name: string; occurred_on: string; reason: string }[],
  calendar: Calendar,
  today: CalendarDate,
) {
  const next = nextStepOf(row, calendar);
  const clock = caseDeadlines(clockFactsOf(row, exceptions), today, calendar);
  return {
    nextStep: next?.description ?? null,
    nextStepDueOn: next?.dueOn ?? null,
    dueStatus: dueStatusOf(next?.dueOn ?? null, today),
    receivedOn: clock.receivedOn,
    weeksSinceRequest: clock.weeksSinceRequest,
    deadlines: clock.deadlines,
  };
}

/**
 * The statutory dates that follow from dated facts about a case (a decision letter's appeal
 * deadline, the limits counted from the request), on its LA's calendar: what a letter says.
 */
export async function statutoryDatesOf(
  db: DbOrTrx,
  localAuthorityId: string,
  inputs: ClockInputs,
): Promise<ClockDates> {
  return computeClock(inputs, await calendarOf(db, localAuthorityId));
}

/** A change of a case's stage and the dates recorded with it. */
export type StageChange = {
  stage: Stage;
  assessmentDecidedOn?: CalendarDate;
  planIssuedOn?: CalendarDate;
  lastReviewOn?: CalendarDate;
  closedOn?: CalendarDate;
};

/**
 * The one writer of a case's stage and its stored next-due date, in the caller's transaction
 * (the case locked by `lockCase`): the date is worked out by the clock from the case's facts
 * after the change and its LA's calendar, never typed in.
 */
export async function setCaseStage(
  trx: DbOrTrx,
  caseId: string,
  change: StageChange,
): Promise<{ nextStepDueOn: CalendarDate | null }> {
  const current = await trx
    .selectFrom('case')
    .select(['local_authority_id', 'request_received_on', 'plan_issued_on', 'last_review_on'])
    .where('id', '=', caseId)
    .executeTakeFirstOrThrow();
  const calendar = await calendarOf(trx, current.local_authority_id);
  const nextStepDueOn = nextDueOn(
    {
      stage: change.stage,
      request_received_on: current.request_received_on,
      plan_issued_on: change.planIssuedOn ?? current.plan_issued_on,
      last_review_on: change.lastReviewOn ?? current.last_review_on,
    },
    calendar,
  );
  await trx
    .updateTable('case')
    .set({
      stage: change.stage,
      ...(change.assessmentDecidedOn ? { assessment_decided_on: change.assessmentDecidedOn } : {}),
      ...(change.planIssuedOn ? { plan_issued_on: change.planIssuedOn } : {}),
      ...(change.lastReviewOn ? { last_review_on: change.lastReviewOn } : {}),
      ...(change.closedOn ? { closed_on: change.closedOn } : {}),
      next_step_due_on: nextStepDueOn,
      updated_at: new Date(),
    })
    .where('id', '=', caseId)
    .execute();
  return { nextStepDueOn };
}

export type NewCase = {
  localAuthorityId: string;
  reference: string;
  childFirstName: string;
  childLastName: string;
  childDateOfBirth: CalendarDate;
  /** The day the request was received, which starts the clock. */
  receivedOn: CalendarDate;
  officerId: string;
};

/**
 * Opens a case at its first stage, with its stored next-due date from the clock and its LA's
 * calendar: with `setCaseStage`, the only writers of a case's stage and `next_step_due_on`.
 */
export async function openCase(
  trx: DbOrTrx,
  values: NewCase,
): Promise<{ caseId: string; nextStepDueOn: CalendarDate | null }> {
  const calendar = await calendarOf(trx, values.localAuthorityId);
  const nextStepDueOn = nextDueOn(
    {
      stage: 'request_received',
      request_received_on: values.receivedOn,
      plan_issued_on: null,
      last_review_on: null,
    },
    calendar,
  );
  const row = await trx
    .insertInto('case')
    .values({
      local_authority_id: values.localAuthorityId,
      reference: values.reference,
      child_first_name: values.childFirstName,
      child_last_name: values.childLastName,
      child_date_of_birth: values.childDateOfBirth,
      stage: 'request_received',
      request_received_on: values.receivedOn,
      next_step_due_on: nextStepDueOn,
      assigned_officer_id: values.officerId,
      updated_at: new Date(),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { caseId: row.id, nextStepDueOn };
}
