/**
 * The council's two decisions on a request (DOMAIN.md, "The pathway"): whether to assess
 * (reg 4/5) and whether to issue a plan (reg 10), and the parties it tells of them besides the
 * family (reg 4(2)). The codes' words are label tables (domain/labels.ts).
 */
export type Question = 'assess' | 'issue_plan';

export const DECISION_TITLES: Record<Question, string> = {
  assess: 'Decision whether to assess',
  issue_plan: 'Decision whether to issue a plan',
};

/** Each answer as a choice on the decision page, keyed `question.answer`. */
export const DECISION_CHOICES: Record<`${Question}.${'yes' | 'no'}`, string> = {
  'assess.yes': 'Carry out an EHC needs assessment',
  'assess.no': 'Do not carry out an assessment',
  'issue_plan.yes': 'Issue an EHC plan (write the draft plan)',
  'issue_plan.no': 'Do not issue an EHC plan',
};

/** The parties the council tells of its decisions besides the family (reg 4(2)). */
export const NOTICE_PARTIES = ['setting', 'health', 'social_care'] as const;
export type NoticeParty = (typeof NOTICE_PARTIES)[number];

/** As a sentence names them: "tell the setting and health of the decision". */
export const NOTICE_PARTY_LABELS: Record<NoticeParty, string> = {
  setting: 'the setting',
  health: 'health',
  social_care: 'social care',
};
