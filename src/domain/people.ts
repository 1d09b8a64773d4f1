/** Who people are to the LA, to organisations and to a case. Data, so it can change in one place. */

export const STAFF_ROLES = ['caseworker', 'decision_maker', 'manager', 'admin'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];
export const STAFF_ROLE_LABELS: Record<StaffRole, string> = {
  caseworker: 'Caseworker',
  decision_maker: 'Decision maker',
  manager: 'Manager',
  admin: 'Administrator',
};

export const ORGANISATION_KINDS = [
  'education_setting',
  'health_team',
  'social_care_team',
  'educational_psychology_service',
  'other',
] as const;
export type OrganisationKind = (typeof ORGANISATION_KINDS)[number];
export const ORGANISATION_KIND_LABELS: Record<OrganisationKind, string> = {
  education_setting: 'Education setting (nursery, school or college)',
  health_team: 'Health team',
  social_care_team: 'Social care team',
  educational_psychology_service: 'Educational psychology service',
  other: 'Other organisation',
};

export const SETTING_PHASES = [
  'early_years',
  'primary',
  'secondary',
  'all_through',
  'special',
  'alternative_provision',
  'post_16',
  'independent',
] as const;
export type SettingPhase = (typeof SETTING_PHASES)[number];
export const SETTING_PHASE_LABELS: Record<SettingPhase, string> = {
  early_years: 'Early years',
  primary: 'Primary',
  secondary: 'Secondary',
  all_through: 'All-through',
  special: 'Special',
  alternative_provision: 'Alternative provision',
  post_16: 'Post-16 (college or sixth form)',
  independent: 'Independent',
};

export const CASE_ROLES = [
  'parent_carer',
  'young_person',
  'setting',
  'adviser',
  'caseworker',
  'independent_supporter',
  'other',
] as const;
export type CaseRole = (typeof CASE_ROLES)[number];
export const CASE_ROLE_LABELS: Record<CaseRole, string> = {
  parent_carer: 'Parent or carer',
  young_person: 'Young person',
  setting: 'Education setting',
  adviser: 'Adviser',
  caseworker: 'Caseworker',
  independent_supporter: 'Independent supporter',
  other: 'Other',
};

/** The case roles that make someone the family: they speak for the child or are the young person. */
export const FAMILY_ROLES: readonly string[] = ['parent_carer', 'young_person'];

export const ADVISER_KINDS = [
  'educational_psychologist',
  'health',
  'social_care',
  'therapist',
  'independent',
  'other',
] as const;
export type AdviserKind = (typeof ADVISER_KINDS)[number];
export const ADVISER_KIND_LABELS: Record<AdviserKind, string> = {
  educational_psychologist: 'Educational psychologist',
  health: 'Health (doctor, nurse or health team)',
  social_care: 'Social care',
  therapist: 'Therapist (speech and language, occupational, physiotherapy)',
  independent: 'Independent or privately engaged professional',
  other: 'Other professional',
};

/** The words for a code in a table of labels; a code the table does not know is shown as it is. */
export function labelFor<T extends string>(labels: Record<T, string>, value: string): string {
  return Object.hasOwn(labels, value) ? (labels as Record<string, string>)[value]! : value;
}
