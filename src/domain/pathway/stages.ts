import type { CalendarDate } from '../clock/calendar-date.ts';
import { receivedOn } from '../clock/statutory-dates.ts';
import { dateFrom, TIME_RULES } from '../clock/time-rules.ts';
import type { Calendar } from '../clock/working-days.ts';

/**
 * The stages of a case and the next statutory step at each. Kept as data, so a change in the
 * law (DOMAIN.md, "What may change") is a change here, not through the code.
 */
export const STAGES = [
  'request_received',
  'assessment',
  'draft_plan',
  'plan_in_place',
  'not_assessing',
  'no_plan',
  'ceased',
] as const;

export type Stage = (typeof STAGES)[number];

export function isStage(value: string): value is Stage {
  return (STAGES as readonly string[]).includes(value);
}

export type CaseFacts = {
  stage: Stage;
  requestReceivedOn: CalendarDate;
  planIssuedOn: CalendarDate | null;
  lastReviewOn: CalendarDate | null;
};

type StageDefinition = {
  label: string;
  /** What happens next, in words a family understands. Null when the case is closed. */
  nextStep: string | null;
  /** The calendar is the LA's: its closure days move the day the clock starts. */
  dueOn: (facts: CaseFacts, calendar: Calendar) => CalendarDate | null;
  closed: boolean;
};

export const STAGE_DEFINITIONS: Record<Stage, StageDefinition> = {
  request_received: {
    label: 'Request received',
    nextStep: 'The council decides whether to carry out an assessment',
    dueOn: (f, calendar) =>
      dateFrom(TIME_RULES.decisionToAssess, receivedOn(f.requestReceivedOn, calendar)),
    closed: false,
  },
  assessment: {
    label: 'Assessment',
    nextStep: 'The council decides whether to issue a plan',
    dueOn: (f, calendar) =>
      dateFrom(TIME_RULES.noPlanNotice, receivedOn(f.requestReceivedOn, calendar)),
    closed: false,
  },
  draft_plan: {
    label: 'Draft plan',
    nextStep: 'The council issues the final plan',
    dueOn: (f, calendar) =>
      dateFrom(TIME_RULES.finalPlan, receivedOn(f.requestReceivedOn, calendar)),
    closed: false,
  },
  plan_in_place: {
    label: 'Plan in place',
    nextStep: 'Annual review of the plan',
    dueOn: (f) => {
      const from = f.lastReviewOn ?? f.planIssuedOn;
      return from ? dateFrom(TIME_RULES.annualReview, from) : null;
    },
    closed: false,
  },
  not_assessing: {
    label: 'Decided not to assess',
    nextStep: null,
    dueOn: () => null,
    closed: true,
  },
  no_plan: {
    label: 'Decided not to issue a plan',
    nextStep: null,
    dueOn: () => null,
    closed: true,
  },
  ceased: { label: 'Plan ceased', nextStep: null, dueOn: () => null, closed: true },
};

/** The stages of a case still open: its clock runs and its steps are reminded. */
export const OPEN_STAGES: readonly Stage[] = STAGES.filter(
  (stage) => !STAGE_DEFINITIONS[stage].closed,
);

export function stageLabel(stage: string): string {
  return isStage(stage) ? STAGE_DEFINITIONS[stage].label : stage;
}

export type NextStep = { description: string; dueOn: CalendarDate | null };

/** The next statutory step and its due date, derived from the case's facts, never typed in. */
export function nextStep(facts: CaseFacts, calendar: Calendar = {}): NextStep | null {
  const definition = STAGE_DEFINITIONS[facts.stage];
  if (!definition.nextStep) return null;
  return { description: definition.nextStep, dueOn: definition.dueOn(facts, calendar) };
}
