import {
  addDays,
  addMonths,
  addWeeks,
  isCalendarDate,
  type CalendarDate,
} from './calendar-date.ts';
import {
  addWorkingDays,
  isWorkingDay,
  nextWorkingDay,
  onOrNextWorkingDay,
  type Calendar,
} from './working-days.ts';

/**
 * The statutory dates of the public date checker (`npx pathway clock`), from dated facts.
 * Pure: the same facts always give the same dates. See docs in the issue and DOMAIN.md for the
 * rules; each output appears only when the facts it needs are given.
 */
export type ClockInputs = {
  requestReceived?: string;
  adviceRequested?: CalendarDate;
  draftServed?: CalendarDate;
  planIssued?: CalendarDate;
  lastReview?: CalendarDate;
  reviewMeeting?: CalendarDate;
  amendmentNotice?: CalendarDate;
  decisionLetter?: CalendarDate;
  mediationCertificate?: CalendarDate;
  transferYear?: number;
  transferType?: 'school' | 'post16';
  reassessmentDecision?: CalendarDate;
  moveDate?: CalendarDate;
  laLearnedOfMove?: CalendarDate;
  planTransferred?: CalendarDate;
  mediationDeclined?: CalendarDate;
};

export type ClockDates = Partial<
  Record<
    | 'receivedOn'
    | 'decisionToAssessDue'
    | 'noPlanNoticeDue'
    | 'finalPlanDue'
    | 'adviceDue'
    | 'draftCommentsLastDay'
    | 'annualReviewDue'
    | 'reviewInvitesBy'
    | 'reviewAdviceBy'
    | 'reviewReportDue'
    | 'reviewDecisionDue'
    | 'amendedPlanDue'
    | 'appealDeadline'
    | 'phaseTransferDue'
    | 'reassessmentPlanDue'
    | 'transferDue'
    | 'newLaNoticeDue'
    | 'newLaReviewDue'
    | 'mediationCertificateDue',
    CalendarDate
  >
>;

export class ClockInputError extends Error {}

/** Requests received at or after this time on a working day count from the next working day. */
export const END_OF_WORKING_DAY = '17:00';

const RECEIVED = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}):(\d{2}))?$/;

/**
 * The day the clock starts: the day of receipt, or the next working day when the request came
 * on a non-working day or at 17:00 or later (Europe/London local time). A date alone counts as
 * received in working hours.
 */
export function receivedOn(received: string, calendar: Calendar = {}): CalendarDate {
  const match = RECEIVED.exec(received);
  if (!match || !isCalendarDate(match[1]!)) {
    throw new ClockInputError(
      `${received} is not a date (YYYY-MM-DD) or a local time (YYYY-MM-DDTHH:MM)`,
    );
  }
  const [, date, hours, minutes] = match as unknown as [string, CalendarDate, string?, string?];
  if (hours !== undefined && (Number(hours) > 23 || Number(minutes) > 59)) {
    throw new ClockInputError(`${received} has a time that does not exist`);
  }
  if (!isWorkingDay(date, calendar)) return onOrNextWorkingDay(date, calendar);
  const time = hours === undefined ? null : `${hours}:${minutes}`;
  return time !== null && time >= END_OF_WORKING_DAY ? nextWorkingDay(date, calendar) : date;
}

const later = (a: CalendarDate, b: CalendarDate) => (a > b ? a : b);

/**
 * An appeal deadline moves forward past weekends, bank holidays, August, and 25 December to
 * 1 January inclusive (HESC Rules r20 as applied by the SEND tribunal). It is the tribunal's
 * date, not the council's: an LA's own closure days never move it, so the letter, the hub and
 * `npx pathway clock` always give the same deadline.
 */
export function adjustAppealDeadline(date: CalendarDate): CalendarDate {
  let day = date;
  for (;;) {
    const monthDay = day.slice(5);
    if (monthDay.startsWith('08-')) day = `${day.slice(0, 4)}-09-01`;
    else if (monthDay >= '12-25') day = `${Number(day.slice(0, 4)) + 1}-01-02`;
    else if (monthDay === '01-01') day = `${day.slice(0, 4)}-01-02`;
    else if (!isWorkingDay(day)) day = addDays(day, 1);
    else return day;
  }
}

export function computeClock(inputs: ClockInputs, calendar: Calendar = {}): ClockDates {
  const out: ClockDates = {};
  if (inputs.requestReceived !== undefined) {
    const start = receivedOn(inputs.requestReceived, calendar);
    out.receivedOn = start;
    out.decisionToAssessDue = addWeeks(start, 6);
    out.noPlanNoticeDue = addWeeks(start, 16);
    out.finalPlanDue = addWeeks(start, 20);
  }
  if (inputs.adviceRequested) out.adviceDue = addWeeks(inputs.adviceRequested, 6);
  if (inputs.draftServed) out.draftCommentsLastDay = addDays(inputs.draftServed, 14);
  const lastReviewOrPlan = inputs.lastReview ?? inputs.planIssued;
  if (lastReviewOrPlan) out.annualReviewDue = addMonths(lastReviewOrPlan, 12);
  if (inputs.reviewMeeting) {
    out.reviewInvitesBy = addDays(inputs.reviewMeeting, -14);
    out.reviewAdviceBy = addDays(inputs.reviewMeeting, -14);
    out.reviewReportDue = addDays(inputs.reviewMeeting, 14);
    out.reviewDecisionDue = addDays(inputs.reviewMeeting, 28);
  }
  if (inputs.amendmentNotice || inputs.reviewMeeting) {
    const notice = inputs.amendmentNotice ?? addDays(inputs.reviewMeeting!, 28);
    out.amendedPlanDue = addWeeks(notice, 8);
  }
  if (inputs.decisionLetter || inputs.mediationCertificate) {
    const candidates = [
      inputs.decisionLetter ? addMonths(inputs.decisionLetter, 2) : null,
      inputs.mediationCertificate ? addMonths(inputs.mediationCertificate, 1) : null,
    ].filter((d): d is CalendarDate => d !== null);
    out.appealDeadline = adjustAppealDeadline(candidates.reduce(later));
  }
  if (inputs.transferYear !== undefined || inputs.transferType !== undefined) {
    if (inputs.transferYear === undefined || inputs.transferType === undefined) {
      throw new ClockInputError('transfer year and transfer type must be given together');
    }
    const year = String(inputs.transferYear).padStart(4, '0');
    out.phaseTransferDue = inputs.transferType === 'school' ? `${year}-02-15` : `${year}-03-31`;
  }
  if (inputs.reassessmentDecision)
    out.reassessmentPlanDue = addWeeks(inputs.reassessmentDecision, 14);
  if (inputs.laLearnedOfMove) {
    const fifteenWorkingDays = addWorkingDays(inputs.laLearnedOfMove, 15, calendar);
    out.transferDue =
      inputs.moveDate && fifteenWorkingDays <= inputs.moveDate
        ? inputs.moveDate
        : fifteenWorkingDays;
  } else if (inputs.moveDate) {
    throw new ClockInputError('the move date needs the date the LA learned of the move');
  }
  if (inputs.planTransferred) {
    out.newLaNoticeDue = addWeeks(inputs.planTransferred, 6);
    if (lastReviewOrPlan) {
      out.newLaReviewDue = later(
        addMonths(lastReviewOrPlan, 12),
        addMonths(inputs.planTransferred, 3),
      );
    }
  }
  if (inputs.mediationDeclined) {
    out.mediationCertificateDue = addWorkingDays(inputs.mediationDeclined, 3, calendar);
  }
  return out;
}
