import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

/** A timestamp read as a Date, written as a Date or ISO string. */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** A calendar date, read and written as YYYY-MM-DD (see database.ts type parsers). */
type CalendarDate = ColumnType<string, string, string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Json = ColumnType<Record<string, unknown>, string, string>;

export interface LocalAuthorityTable {
  id: Generated<string>;
  code: string;
  name: string;
  sendiass_name: string | null;
  sendiass_url: string | null;
  created_at: CreatedAt;
}

export interface OrganisationTable {
  id: Generated<string>;
  kind: string;
  name: string;
  urn: string | null;
  ukprn: string | null;
  phase: string | null;
  local_authority_id: string | null;
  created_at: CreatedAt;
}

export interface AppUserTable {
  id: Generated<string>;
  email: string;
  display_name: string;
  password_hash: string | null;
  second_factor: string | null;
  totp_secret: string | null;
  last_signed_in_at: Timestamp | null;
  disabled_at: Timestamp | null;
  email_frequency: Generated<'immediate' | 'daily' | 'none'>;
  created_at: CreatedAt;
}

export interface RecoveryCodeTable {
  id: Generated<string>;
  user_id: string;
  code_hash: string;
  used_at: Timestamp | null;
}

export interface StaffMembershipTable {
  user_id: string;
  local_authority_id: string;
  role: string;
  created_at: CreatedAt;
}

export interface OrganisationMembershipTable {
  id: Generated<string>;
  user_id: string;
  organisation_id: string;
  job_title: string | null;
  created_at: CreatedAt;
  ended_at: Timestamp | null;
}

export interface CaseTable {
  id: Generated<string>;
  local_authority_id: string;
  reference: string;
  child_first_name: string;
  child_last_name: string;
  child_date_of_birth: CalendarDate;
  stage: string;
  request_received_on: CalendarDate;
  assessment_decided_on: CalendarDate | null;
  plan_issued_on: CalendarDate | null;
  last_review_on: CalendarDate | null;
  closed_on: CalendarDate | null;
  next_step_due_on: CalendarDate | null;
  assigned_officer_id: string | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface CaseParticipantTable {
  id: Generated<string>;
  case_id: string;
  user_id: string | null;
  organisation_id: string | null;
  case_role: string;
  added_at: CreatedAt;
  ended_at: Timestamp | null;
  /** Set while the participant is invited and has not registered yet. */
  invitation_id: string | null;
  invited_name: string | null;
  adviser_kind: string | null;
  added_by: string | null;
  ended_by: string | null;
  end_reason: string | null;
}

export interface CaseEventTable {
  id: Generated<string>;
  case_id: string;
  kind: string;
  summary: string;
  actor_user_id: string | null;
  occurred_at: CreatedAt;
  details: Json;
}

export interface AuditEventTable {
  id: Generated<string>;
  occurred_at: CreatedAt;
  actor_user_id: string | null;
  action: string;
  subject_type: string;
  subject_id: string | null;
  local_authority_id: string | null;
  correlation_id: string | null;
  ip_address: string | null;
  details: Json;
  /** The cases a list showed (action 'saw cases in a list'); null on every other row. */
  case_ids: string[] | null;
}

export interface UserSessionTable {
  id_hash: string;
  user_id: string | null;
  data: Json;
  created_at: CreatedAt;
  last_seen_at: Timestamp;
  expires_at: Timestamp;
}

export interface InvitationTable {
  id: Generated<string>;
  token_hash: string;
  email: string;
  invited_by: string | null;
  local_authority_id: string | null;
  staff_role: string | null;
  organisation_id: string | null;
  case_id: string | null;
  case_role: string | null;
  expires_at: Timestamp;
  used_at: Timestamp | null;
  created_at: CreatedAt;
}

export interface PasswordResetTable {
  token_hash: string;
  user_id: string;
  expires_at: Timestamp;
  used_at: Timestamp | null;
  created_at: CreatedAt;
}

/** A rate limit's or sign-in throttle's counter (migration 0010); keys hold no personal data. */
export interface RateLimitTable {
  key: string;
  count: number;
  window_started_at: ColumnType<Date, Date | string | undefined, Date | string>;
  blocked_until: Timestamp | null;
  expires_at: Timestamp;
}

export interface OutboxMessageTable {
  id: Generated<string>;
  to_address: string;
  subject: string;
  body_text: string;
  body_html: Generated<string>;
  headers: Generated<Record<string, string>>;
  created_at: CreatedAt;
}

export type EmailStatus = 'queued' | 'sending' | 'sent' | 'failed';

export interface EmailMessageTable {
  id: Generated<string>;
  kind: string;
  to_address: string;
  user_id: string | null;
  local_authority_id: string | null;
  subject: string;
  body_text: string;
  body_html: string;
  list_unsubscribe: string | null;
  status: Generated<EmailStatus>;
  attempts: Generated<number>;
  last_error: string | null;
  claimed_at: Timestamp | null;
  created_at: CreatedAt;
  sent_at: Timestamp | null;
  failed_at: Timestamp | null;
}

export interface NotificationTable {
  id: Generated<string>;
  user_id: string;
  kind: string;
  case_id: string | null;
  local_authority_id: string | null;
  title: string;
  body: string;
  link: string;
  statutory: Generated<boolean>;
  email_state: 'none' | 'sent' | 'digest' | 'digested';
  created_at: CreatedAt;
  read_at: Timestamp | null;
}

export interface ReminderSentTable {
  case_id: string;
  limit_name: string;
  due_on: CalendarDate;
  threshold: 'due-in-7-days' | 'due-tomorrow' | 'overdue';
  sent_at: CreatedAt;
}

export interface OverdueSummarySentTable {
  local_authority_id: string;
  summary_on: CalendarDate;
  sent_at: CreatedAt;
}

export interface StatutoryExceptionTable {
  id: Generated<string>;
  case_id: string;
  limit_name: string;
  reason: string;
  details: string;
  occurred_on: CalendarDate;
  recorded_by: string;
  recorded_at: CreatedAt;
}

export interface ClosureDayTable {
  local_authority_id: string;
  closed_on: CalendarDate;
  description: string;
  added_by: string;
  added_at: CreatedAt;
}

export interface AssessmentRequestTable {
  id: Generated<string>;
  local_authority_id: string | null;
  status: Generated<'draft' | 'submitted' | 'case_opened' | 'attached' | 'withdrawn'>;
  requester_kind: string | null;
  channel: Generated<'online' | 'email' | 'post'>;
  answers: Json;
  reference: string | null;
  contact_email: string | null;
  resume_token_hash: string | null;
  submitted_by_user_id: string | null;
  recorded_by_user_id: string | null;
  received_at: Date | null;
  received_on: string | null;
  case_id: string | null;
  decided_by_user_id: string | null;
  decided_at: Date | null;
  created_at: CreatedAt;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
  expires_at: Date | null;
  /** For a draft: a keyed hash of the address it was last added to from (never the address). */
  address_key: string | null;
}

export interface RequestDocumentTable {
  id: Generated<string>;
  request_id: string;
  storage_key: string;
  file_name: string;
  content_type: string;
  size_bytes: number;
  uploaded_at: CreatedAt;
}

export interface RequestSequenceTable {
  local_authority_id: string;
  year: number;
  last_number: number;
}

export interface ParticipantSuggestionTable {
  id: Generated<string>;
  case_id: string;
  suggested_by: string;
  name: string;
  role_description: string;
  email: string | null;
  reason: string;
  status: Generated<'open' | 'added' | 'declined'>;
  decided_by: string | null;
  decided_at: Timestamp | null;
  decision_note: string | null;
  created_at: CreatedAt;
}

export type DocumentKind = 'advice' | 'report' | 'letter' | 'views' | 'plan' | 'other';
export type DocumentVisibility = 'everyone' | 'la_and_family' | 'la_only';

export interface CaseDocumentTable {
  id: Generated<string>;
  case_id: string;
  kind: DocumentKind;
  title: string;
  author_name: string;
  author_user_id: string | null;
  document_date: CalendarDate;
  visibility: DocumentVisibility;
  visibility_reason: string | null;
  /**
   * How widely its author first shared it, when someone outside the council chose (null when
   * the council did): the council may widen a narrowed document back to this, not beyond.
   */
  shared_as: DocumentVisibility | null;
  storage_key: string | null;
  file_name: string | null;
  content_type: string | null;
  size_bytes: number | null;
  /** A letter Pathway wrote: its HTML (the PDF is the stored file). */
  body_html: string | null;
  added_by: string | null;
  created_at: CreatedAt;
}

export interface CaseDecisionTable {
  id: Generated<string>;
  case_id: string;
  question: 'assess' | 'issue_plan';
  information_considered: string;
  recommendation: 'yes' | 'no';
  recommendation_reasons: string;
  recommended_by: string;
  recommended_at: ColumnType<Date, Date | string | undefined, Date | string>;
  outcome: 'yes' | 'no' | null;
  reasons: string | null;
  support_offered: string | null;
  decided_by: string | null;
  decided_on: CalendarDate | null;
  decided_at: Timestamp | null;
  letter_document_id: string | null;
}

export type AdviceType =
  | 'parent'
  | 'educational'
  | 'medical'
  | 'psychological'
  | 'social_care'
  | 'preparing_for_adulthood'
  | 'other';

export interface AdviceRequestTable {
  id: Generated<string>;
  case_id: string;
  advice_type: AdviceType;
  participant_id: string | null;
  status: 'requested' | 'submitted' | 'sufficient' | 'withdrawn';
  requested_on: CalendarDate | null;
  due_on: CalendarDate | null;
  requested_by: string;
  sufficient_evidence: string | null;
  sufficient_agreed_with: string | null;
  draft: ColumnType<Record<string, unknown>, string | undefined, string>;
  draft_saved_at: Timestamp | null;
  created_at: CreatedAt;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface AdviceSubmissionTable {
  id: Generated<string>;
  advice_request_id: string;
  version: number;
  answers: Json;
  document_id: string | null;
  submitted_by: string;
  submitted_at: CreatedAt;
}

export interface AdviceExceptionTable {
  id: Generated<string>;
  advice_request_id: string;
  reason: 'missed_appointment' | 'absence' | 'exceptional_circumstances';
  details: string;
  occurred_on: CalendarDate;
  recorded_by: string;
  recorded_at: CreatedAt;
}

export interface AdviceReminderSentTable {
  advice_request_id: string;
  threshold: 'due-in-7-days' | 'due-tomorrow' | 'overdue';
  sent_at: CreatedAt;
}

export type ContributionKind = 'family_views' | 'child_views' | 'one_page_profile';

export interface FamilyContributionTable {
  id: Generated<string>;
  case_id: string;
  kind: ContributionKind;
  answers: Json;
  status: Generated<'draft' | 'submitted'>;
  updated_by: string;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
  submitted_at: Timestamp | null;
  document_id: string | null;
}

export interface Database {
  local_authority: LocalAuthorityTable;
  organisation: OrganisationTable;
  app_user: AppUserTable;
  recovery_code: RecoveryCodeTable;
  staff_membership: StaffMembershipTable;
  organisation_membership: OrganisationMembershipTable;
  case: CaseTable;
  case_participant: CaseParticipantTable;
  case_event: CaseEventTable;
  audit_event: AuditEventTable;
  user_session: UserSessionTable;
  invitation: InvitationTable;
  password_reset: PasswordResetTable;
  rate_limit: RateLimitTable;
  outbox_message: OutboxMessageTable;
  statutory_exception: StatutoryExceptionTable;
  closure_day: ClosureDayTable;
  email_message: EmailMessageTable;
  notification: NotificationTable;
  reminder_sent: ReminderSentTable;
  overdue_summary_sent: OverdueSummarySentTable;
  assessment_request: AssessmentRequestTable;
  request_document: RequestDocumentTable;
  request_sequence: RequestSequenceTable;
  participant_suggestion: ParticipantSuggestionTable;
  case_document: CaseDocumentTable;
  case_decision: CaseDecisionTable;
  advice_request: AdviceRequestTable;
  advice_submission: AdviceSubmissionTable;
  advice_exception: AdviceExceptionTable;
  advice_reminder_sent: AdviceReminderSentTable;
  family_contribution: FamilyContributionTable;
}

export type AppUser = Selectable<AppUserTable>;
export type NewCase = Insertable<CaseTable>;
