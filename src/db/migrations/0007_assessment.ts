import type { Kysely } from 'kysely';
import { executeScript } from '../script.ts';

/**
 * The assessment (DOMAIN.md, "The pathway", steps 1-4): who takes part in a case (invited by
 * email before they have an account), documents on a case with who may see them, the two
 * decisions with their reasons and letters, advice requests with their 6-week due dates and the
 * advice given (append-only versions), and the family's own contributions.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await executeScript(
    db,
    `
    -- A participant may be invited before they have an account: the row exists from the
    -- invitation (so advice can be asked of them at once) and gains its user on registration.
    ALTER TABLE case_participant DROP CONSTRAINT case_participant_check;
    ALTER TABLE case_participant
      ADD COLUMN invitation_id uuid REFERENCES invitation(id),
      ADD COLUMN invited_name text,
      ADD COLUMN adviser_kind text CHECK (adviser_kind IN ('educational_psychologist', 'health',
        'social_care', 'therapist', 'independent', 'other')),
      ADD COLUMN added_by uuid REFERENCES app_user(id),
      ADD COLUMN ended_by uuid REFERENCES app_user(id),
      ADD COLUMN end_reason text;
    -- Advisers already on cases: their kind was never recorded.
    UPDATE case_participant SET adviser_kind = 'other' WHERE case_role = 'adviser';
    ALTER TABLE case_participant
      ADD CONSTRAINT case_participant_who CHECK (
        num_nonnulls(user_id, organisation_id) = 1
        OR (user_id IS NULL AND organisation_id IS NULL AND invitation_id IS NOT NULL)),
      ADD CONSTRAINT case_participant_adviser_kind CHECK (
        (case_role = 'adviser') = (adviser_kind IS NOT NULL));
    CREATE INDEX case_participant_invitation_idx ON case_participant (invitation_id)
      WHERE invitation_id IS NOT NULL;

    -- Someone the family asks to be added to the case (reg 6(1)(h)); the caseworker decides.
    CREATE TABLE participant_suggestion (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      case_id uuid NOT NULL REFERENCES "case"(id),
      suggested_by uuid NOT NULL REFERENCES app_user(id),
      name text NOT NULL,
      role_description text NOT NULL,
      email text CHECK (email = lower(email)),
      reason text NOT NULL,
      status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'added', 'declined')),
      decided_by uuid REFERENCES app_user(id),
      decided_at timestamptz,
      decision_note text,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX participant_suggestion_case_idx ON participant_suggestion (case_id, created_at);

    CREATE TABLE case_document (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      case_id uuid NOT NULL REFERENCES "case"(id),
      kind text NOT NULL CHECK (kind IN ('advice', 'report', 'letter', 'views', 'plan', 'other')),
      title text NOT NULL,
      author_name text NOT NULL,
      author_user_id uuid REFERENCES app_user(id),
      document_date date NOT NULL,
      visibility text NOT NULL CHECK (visibility IN ('everyone', 'la_and_family', 'la_only')),
      visibility_reason text,
      storage_key text UNIQUE,
      file_name text,
      content_type text,
      size_bytes integer CHECK (size_bytes > 0),
      body_html text,
      added_by uuid REFERENCES app_user(id),
      created_at timestamptz NOT NULL DEFAULT now(),
      CHECK (visibility <> 'la_only' OR visibility_reason IS NOT NULL),
      CHECK (storage_key IS NOT NULL OR body_html IS NOT NULL),
      CHECK ((storage_key IS NULL) = (file_name IS NULL))
    );
    CREATE INDEX case_document_case_idx ON case_document (case_id, created_at);

    -- The decisions whether to assess and whether to issue a plan: the caseworker's
    -- recommendation, then the decision maker's decision with reasons and the letter sent.
    CREATE TABLE case_decision (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      case_id uuid NOT NULL REFERENCES "case"(id),
      question text NOT NULL CHECK (question IN ('assess', 'issue_plan')),
      information_considered text NOT NULL,
      recommendation text NOT NULL CHECK (recommendation IN ('yes', 'no')),
      recommendation_reasons text NOT NULL,
      recommended_by uuid NOT NULL REFERENCES app_user(id),
      recommended_at timestamptz NOT NULL DEFAULT now(),
      outcome text CHECK (outcome IN ('yes', 'no')),
      reasons text,
      support_offered text,
      decided_by uuid REFERENCES app_user(id),
      decided_on date,
      decided_at timestamptz,
      letter_document_id uuid REFERENCES case_document(id),
      UNIQUE (case_id, question),
      CHECK ((outcome IS NULL) = (decided_by IS NULL)
        AND (outcome IS NULL) = (decided_on IS NULL)
        AND (outcome IS NULL) = (reasons IS NULL))
    );

    CREATE TABLE advice_request (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      case_id uuid NOT NULL REFERENCES "case"(id),
      advice_type text NOT NULL CHECK (advice_type IN ('parent', 'educational', 'medical',
        'psychological', 'social_care', 'preparing_for_adulthood', 'other')),
      participant_id uuid REFERENCES case_participant(id),
      status text NOT NULL CHECK (status IN ('requested', 'submitted', 'sufficient',
        'withdrawn')),
      requested_on date,
      due_on date,
      requested_by uuid NOT NULL REFERENCES app_user(id),
      sufficient_evidence text,
      sufficient_agreed_with text,
      draft jsonb NOT NULL DEFAULT '{}',
      draft_saved_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CHECK (status = 'sufficient' OR (participant_id IS NOT NULL AND requested_on IS NOT NULL
        AND due_on IS NOT NULL)),
      CHECK (status <> 'sufficient' OR (sufficient_evidence IS NOT NULL
        AND sufficient_agreed_with IS NOT NULL))
    );
    CREATE INDEX advice_request_case_idx ON advice_request (case_id, advice_type);
    CREATE INDEX advice_request_participant_idx ON advice_request (participant_id, status)
      WHERE participant_id IS NOT NULL;
    CREATE INDEX advice_request_due_idx ON advice_request (due_on) WHERE status = 'requested';

    -- Advice once submitted is never changed: a correction is a new version.
    CREATE TABLE advice_submission (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      advice_request_id uuid NOT NULL REFERENCES advice_request(id),
      version integer NOT NULL CHECK (version > 0),
      answers jsonb NOT NULL DEFAULT '{}',
      document_id uuid REFERENCES case_document(id),
      submitted_by uuid NOT NULL REFERENCES app_user(id),
      submitted_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (advice_request_id, version)
    );
    CREATE TRIGGER advice_submission_append_only BEFORE UPDATE OR DELETE ON advice_submission
      FOR EACH ROW EXECUTE FUNCTION refuse_change_to_history();

    -- Why an adviser's 6 weeks did not bind (reg 13(3)).
    CREATE TABLE advice_exception (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      advice_request_id uuid NOT NULL REFERENCES advice_request(id),
      reason text NOT NULL CHECK (reason IN ('missed_appointment', 'absence',
        'exceptional_circumstances')),
      details text NOT NULL,
      occurred_on date NOT NULL,
      recorded_by uuid NOT NULL REFERENCES app_user(id),
      recorded_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX advice_exception_request_idx ON advice_exception (advice_request_id);

    CREATE TABLE advice_reminder_sent (
      advice_request_id uuid NOT NULL REFERENCES advice_request(id),
      threshold text NOT NULL CHECK (threshold IN ('due-in-7-days', 'due-tomorrow', 'overdue')),
      sent_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (advice_request_id, threshold)
    );

    -- The family's views, the child's or young person's own views and a one-page profile.
    CREATE TABLE family_contribution (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      case_id uuid NOT NULL REFERENCES "case"(id),
      kind text NOT NULL CHECK (kind IN ('family_views', 'child_views', 'one_page_profile')),
      answers jsonb NOT NULL DEFAULT '{}',
      status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'submitted')),
      updated_by uuid NOT NULL REFERENCES app_user(id),
      updated_at timestamptz NOT NULL DEFAULT now(),
      submitted_at timestamptz,
      document_id uuid REFERENCES case_document(id),
      UNIQUE (case_id, kind)
    );
  `,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await executeScript(
    db,
    `
    DROP TABLE family_contribution, advice_reminder_sent, advice_exception, advice_submission,
      advice_request, case_decision, case_document, participant_suggestion;
    ALTER TABLE case_participant DROP CONSTRAINT case_participant_who,
      DROP CONSTRAINT case_participant_adviser_kind,
      DROP COLUMN invitation_id, DROP COLUMN invited_name, DROP COLUMN adviser_kind,
      DROP COLUMN added_by, DROP COLUMN ended_by, DROP COLUMN end_reason;
    ALTER TABLE case_participant ADD CONSTRAINT case_participant_check
      CHECK ((user_id IS NULL) <> (organisation_id IS NULL));
  `,
  );
}
