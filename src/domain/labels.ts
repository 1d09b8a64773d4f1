import {
  ADVICE_EXCEPTION_REASONS,
  ADVICE_TAG_LABELS,
  ADVICE_TYPE_HINTS,
  ADVICE_TYPE_LABELS,
} from './advice/advice-types.ts';
import { DEADLINE_STATUS_LABELS } from './clock/deadlines.ts';
import { EXCEPTION_LIMITS, EXCEPTION_REASONS } from './clock/exceptions.ts';
import { DOCUMENT_KIND_LABELS, VISIBILITY_LABELS } from './documents.ts';
import { DECISION_CHOICES, DECISION_TITLES, NOTICE_PARTY_LABELS } from './pathway/decisions.ts';
import { STAGES, STAGE_DEFINITIONS, type Stage } from './pathway/stages.ts';
import {
  ADVISER_KIND_LABELS,
  CASE_ROLE_LABELS,
  ORGANISATION_KIND_LABELS,
  SETTING_PHASE_LABELS,
  STAFF_ROLE_LABELS,
  labelFor,
} from './people.ts';

/**
 * The words for the domain's codes, one table per kind of code. Services return codes; the
 * views turn them into words with the `label` filter (`{{ case.stage | label('stage') }}`), and
 * an API can return the codes as they are.
 */
export const LABELS = {
  stage: Object.fromEntries(STAGES.map((s) => [s, STAGE_DEFINITIONS[s].label])) as Record<
    Stage,
    string
  >,
  deadlineStatus: DEADLINE_STATUS_LABELS,
  caseRole: CASE_ROLE_LABELS,
  adviserKind: ADVISER_KIND_LABELS,
  staffRole: STAFF_ROLE_LABELS,
  organisationKind: ORGANISATION_KIND_LABELS,
  settingPhase: SETTING_PHASE_LABELS,
  exceptionLimit: EXCEPTION_LIMITS,
  exceptionReason: EXCEPTION_REASONS,
  documentKind: DOCUMENT_KIND_LABELS,
  visibility: VISIBILITY_LABELS,
  adviceType: ADVICE_TYPE_LABELS,
  adviceTypeHint: ADVICE_TYPE_HINTS,
  adviceTag: ADVICE_TAG_LABELS,
  adviceExceptionReason: ADVICE_EXCEPTION_REASONS,
  decisionTitle: DECISION_TITLES,
  decisionChoice: DECISION_CHOICES,
  noticeParty: NOTICE_PARTY_LABELS,
} as const satisfies Record<string, Readonly<Record<string, string>>>;

export type LabelTable = keyof typeof LABELS;

export function isLabelTable(name: string): name is LabelTable {
  return Object.hasOwn(LABELS, name);
}

/** The words for `code` in `table`; a code the table does not know is shown as it is. */
export function label(table: LabelTable, code: string): string {
  return labelFor(LABELS[table] as Record<string, string>, code);
}
