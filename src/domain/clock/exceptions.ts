import type { LimitName } from './deadlines.ts';
import { periodWords, TIME_RULES } from './time-rules.ts';

/** "4 or more weeks": a closure or absence long enough to excuse a late step. */
const LONG = `${TIME_RULES.closureOrAbsence.count} or more ${TIME_RULES.closureOrAbsence.unit}`;

/**
 * Why a time limit did not bind (DOMAIN.md, "When a limit does not apply"). An exception is a
 * dated fact recorded against one limit; it excuses lateness and never moves the due date.
 */
export const EXCEPTION_REASONS = {
  setting_closed: `The school or college was closed for ${LONG} in a row around when its advice was asked for`,
  early_years_closed: `The early years provider was closed for ${LONG} in a row around when its advice was asked for`,
  exceptional_personal: 'Exceptional personal circumstances of the child, young person or parent',
  away_from_area: `The child, young person or parent was away from the area for ${LONG} in a row`,
} as const;

export type ExceptionReason = keyof typeof EXCEPTION_REASONS;

export const EXCEPTION_LIMITS: Record<LimitName, string> = {
  decisionToAssess: `Decision whether to assess (${periodWords(TIME_RULES.decisionToAssess)})`,
  noPlanNotice: `Notice of a decision not to issue a plan (${periodWords(TIME_RULES.noPlanNotice)})`,
  finalPlan: `Final plan (${periodWords(TIME_RULES.finalPlan)})`,
  annualReview: `Annual review (${periodWords(TIME_RULES.annualReview)})`,
};

/** The reasons that can excuse each limit; the annual review has none in the regulations. */
export const REASONS_FOR_LIMIT: Record<LimitName, readonly ExceptionReason[]> = {
  decisionToAssess: [
    'setting_closed',
    'early_years_closed',
    'exceptional_personal',
    'away_from_area',
  ],
  noPlanNotice: ['setting_closed', 'early_years_closed', 'exceptional_personal', 'away_from_area'],
  finalPlan: ['setting_closed', 'early_years_closed', 'exceptional_personal', 'away_from_area'],
  annualReview: [],
};
