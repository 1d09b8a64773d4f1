import { addDays, isCalendarDate, type CalendarDate } from './calendar-date.ts';
import { dateFrom, END_OF_WORKING_DAY, PHASE_TRANSFER_BY, TIME_RULES } from './time-rules.ts';
import { isWorkingDay, nextWorkingDay, onOrNextWorkingDay, type Calendar } from './working-days.ts';

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
    out.decisionToAssessDue = dateFrom(TIME_RULES.decisionToAssess, start);
    out.noPlanNoticeDue = dateFrom(TIME_RULES.noPlanNotice, start);
    out.finalPlanDue = dateFrom(TIME_RULES.finalPlan, start);
  }
  if (inputs.adviceRequested) out.adviceDue = dateFrom(TIME_RULES.advice, inputs.adviceRequested);
  if (inputs.draftServed) {
    out.draftCommentsLastDay = dateFrom(TIME_RULES.draftComments, inputs.draftServed);
  }
  const lastReviewOrPlan = inputs.lastReview ?? inputs.planIssued;
  if (lastReviewOrPlan) out.annualReviewDue = dateFrom(TIME_RULES.annualReview, lastReviewOrPlan);
  if (inputs.reviewMeeting) {
    out.reviewInvitesBy = dateFrom(TIME_RULES.reviewInvitations, inputs.reviewMeeting);
    out.reviewAdviceBy = dateFrom(TIME_RULES.reviewAdvice, inputs.reviewMeeting);
    out.reviewReportDue = dateFrom(TIME_RULES.reviewReport, inputs.reviewMeeting);
    out.reviewDecisionDue = dateFrom(TIME_RULES.reviewDecision, inputs.reviewMeeting);
  }
  if (inputs.amendmentNotice || inputs.reviewMeeting) {
    const notice =
      inputs.amendmentNotice ?? dateFrom(TIME_RULES.reviewDecision, inputs.reviewMeeting!);
    out.amendedPlanDue = dateFrom(TIME_RULES.amendedPlan, notice);
  }
  if (inputs.decisionLetter || inputs.mediationCertificate) {
    const candidates = [
      inputs.decisionLetter ? dateFrom(TIME_RULES.appeal, inputs.decisionLetter) : null,
      inputs.mediationCertificate
        ? dateFrom(TIME_RULES.appealAfterMediation, inputs.mediationCertificate)
        : null,
    ].filter((d): d is CalendarDate => d !== null);
    out.appealDeadline = adjustAppealDeadline(candidates.reduce(later));
  }
  if (inputs.transferYear !== undefined || inputs.transferType !== undefined) {
    if (inputs.transferYear === undefined || inputs.transferType === undefined) {
      throw new ClockInputError('transfer year and transfer type must be given together');
    }
    const year = String(inputs.transferYear).padStart(4, '0');
    out.phaseTransferDue = `${year}-${PHASE_TRANSFER_BY[inputs.transferType]}`;
  }
  if (inputs.reassessmentDecision)
    out.reassessmentPlanDue = dateFrom(TIME_RULES.reassessmentPlan, inputs.reassessmentDecision);
  if (inputs.laLearnedOfMove) {
    const transferLimit = dateFrom(TIME_RULES.planTransfer, inputs.laLearnedOfMove, calendar);
    out.transferDue =
      inputs.moveDate && transferLimit <= inputs.moveDate ? inputs.moveDate : transferLimit;
  } else if (inputs.moveDate) {
    throw new ClockInputError('the move date needs the date the LA learned of the move');
  }
  if (inputs.planTransferred) {
    out.newLaNoticeDue = dateFrom(TIME_RULES.newLaNotice, inputs.planTransferred);
    if (lastReviewOrPlan) {
      out.newLaReviewDue = later(
        dateFrom(TIME_RULES.annualReview, lastReviewOrPlan),
        dateFrom(TIME_RULES.newLaReview, inputs.planTransferred),
      );
    }
  }
  if (inputs.mediationDeclined) {
    out.mediationCertificateDue = dateFrom(
      TIME_RULES.mediationCertificate,
      inputs.mediationDeclined,
      calendar,
    );
  }
  return out;
}
