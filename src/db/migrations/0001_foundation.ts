import type { Kysely } from 'kysely';
import { executeScript } from '../script.ts';

/**
 * The foundation: tenants, people, organisations, cases and their append-only history.
 * Check constraints name literal values on purpose: a migration is frozen once released.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await executeScript(
    db,
    `
    CREATE TABLE local_authority (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      code text NOT NULL UNIQUE,
      name text NOT NULL,
      sendiass_name text,
      sendiass_url text,
      created_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE organisation (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      kind text NOT NULL CHECK (kind IN ('education_setting', 'health_team', 'social_care_team',
        'educational_psychology_service', 'other')),
      name text NOT NULL,
      urn text CHECK (urn ~ '^[0-9]{6,7}$'),
      ukprn text CHECK (ukprn ~ '^1[0-9]{7}$'),
      phase text CHECK (phase IN ('early_years', 'primary', 'secondary', 'all_through',
        'special', 'alternative_provision', 'post_16', 'independent')),
      local_authority_id uuid REFERENCES local_authority(id),
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE UNIQUE INDEX organisation_urn_key ON organisation (urn) WHERE urn IS NOT NULL;
    CREATE UNIQUE INDEX organisation_ukprn_key ON organisation (ukprn) WHERE ukprn IS NOT NULL;
    CREATE INDEX organisation_local_authority_idx ON organisation (local_authority_id, name);

    CREATE TABLE app_user (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      email text NOT NULL CHECK (email = lower(email)),
      display_name text NOT NULL,
      password_hash text,
      second_factor text CHECK (second_factor IN ('totp', 'email')),
      totp_secret text,
      failed_sign_in_count integer NOT NULL DEFAULT 0,
      locked_until timestamptz,
      last_signed_in_at timestamptz,
      disabled_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE UNIQUE INDEX app_user_email_key ON app_user (email);

    CREATE TABLE recovery_code (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      user_id uuid NOT NULL REFERENCES app_user(id) ON DELETE CASCADE,
      code_hash text NOT NULL,
      used_at timestamptz
    );
    CREATE INDEX recovery_code_user_idx ON recovery_code (user_id);

    CREATE TABLE staff_membership (
      user_id uuid NOT NULL REFERENCES app_user(id),
      local_authority_id uuid NOT NULL REFERENCES local_authority(id),
      role text NOT NULL CHECK (role IN ('caseworker', 'decision_maker', 'manager', 'admin')),
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (user_id, local_authority_id)
    );
    CREATE INDEX staff_membership_local_authority_idx ON staff_membership (local_authority_id);

    CREATE TABLE organisation_membership (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      user_id uuid NOT NULL REFERENCES app_user(id),
      organisation_id uuid NOT NULL REFERENCES organisation(id),
      job_title text,
      created_at timestamptz NOT NULL DEFAULT now(),
      ended_at timestamptz
    );
    CREATE UNIQUE INDEX organisation_membership_current_key
      ON organisation_membership (user_id, organisation_id) WHERE ended_at IS NULL;
    CREATE INDEX organisation_membership_organisation_idx
      ON organisation_membership (organisation_id);

    CREATE TABLE "case" (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      local_authority_id uuid NOT NULL REFERENCES local_authority(id),
      reference text NOT NULL,
      child_first_name text NOT NULL,
      child_last_name text NOT NULL,
      child_date_of_birth date NOT NULL,
      stage text NOT NULL,
      request_received_on date NOT NULL,
      assessment_decided_on date,
      plan_issued_on date,
      last_review_on date,
      closed_on date,
      next_step_due_on date,
      assigned_officer_id uuid REFERENCES app_user(id),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (local_authority_id, reference)
    );
    CREATE INDEX case_tray_idx ON "case" (local_authority_id, next_step_due_on, id);
    CREATE INDEX case_officer_idx ON "case" (local_authority_id, assigned_officer_id);
    CREATE INDEX case_stage_idx ON "case" (local_authority_id, stage, next_step_due_on);

    CREATE TABLE case_participant (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      case_id uuid NOT NULL REFERENCES "case"(id),
      user_id uuid REFERENCES app_user(id),
      organisation_id uuid REFERENCES organisation(id),
      case_role text NOT NULL CHECK (case_role IN ('parent_carer', 'young_person', 'setting',
        'adviser', 'caseworker', 'independent_supporter', 'other')),
      added_at timestamptz NOT NULL DEFAULT now(),
      ended_at timestamptz,
      CHECK ((user_id IS NULL) <> (organisation_id IS NULL))
    );
    CREATE INDEX case_participant_case_idx ON case_participant (case_id);
    CREATE INDEX case_participant_user_idx ON case_participant (user_id) WHERE user_id IS NOT NULL;
    CREATE INDEX case_participant_organisation_idx
      ON case_participant (organisation_id) WHERE organisation_id IS NOT NULL;

    CREATE TABLE case_event (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      case_id uuid NOT NULL REFERENCES "case"(id),
      kind text NOT NULL,
      summary text NOT NULL,
      actor_user_id uuid REFERENCES app_user(id),
      occurred_at timestamptz NOT NULL DEFAULT now(),
      details jsonb NOT NULL DEFAULT '{}'
    );
    CREATE INDEX case_event_case_idx ON case_event (case_id, occurred_at);

    CREATE TABLE audit_event (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      occurred_at timestamptz NOT NULL DEFAULT now(),
      actor_user_id uuid REFERENCES app_user(id),
      action text NOT NULL,
      subject_type text NOT NULL,
      subject_id text,
      local_authority_id uuid REFERENCES local_authority(id),
      correlation_id text,
      ip_address text,
      details jsonb NOT NULL DEFAULT '{}'
    );
    CREATE INDEX audit_event_subject_idx ON audit_event (subject_type, subject_id, occurred_at);
    CREATE INDEX audit_event_actor_idx ON audit_event (actor_user_id, occurred_at);

    CREATE FUNCTION refuse_change_to_history() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
    END;
    $$;
    CREATE TRIGGER case_event_append_only BEFORE UPDATE OR DELETE ON case_event
      FOR EACH ROW EXECUTE FUNCTION refuse_change_to_history();
    CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event
      FOR EACH ROW EXECUTE FUNCTION refuse_change_to_history();

    CREATE TABLE user_session (
      id_hash text PRIMARY KEY,
      user_id uuid REFERENCES app_user(id) ON DELETE CASCADE,
      data jsonb NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL DEFAULT now(),
      last_seen_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL
    );
    CREATE INDEX user_session_user_idx ON user_session (user_id);
    CREATE INDEX user_session_expires_idx ON user_session (expires_at);

    CREATE TABLE invitation (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      token_hash text NOT NULL UNIQUE,
      email text NOT NULL CHECK (email = lower(email)),
      invited_by uuid REFERENCES app_user(id),
      local_authority_id uuid REFERENCES local_authority(id),
      staff_role text CHECK (staff_role IN ('caseworker', 'decision_maker', 'manager', 'admin')),
      organisation_id uuid REFERENCES organisation(id),
      case_id uuid REFERENCES "case"(id),
      case_role text,
      expires_at timestamptz NOT NULL,
      used_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX invitation_email_idx ON invitation (email);

    CREATE TABLE password_reset (
      token_hash text PRIMARY KEY,
      user_id uuid NOT NULL REFERENCES app_user(id) ON DELETE CASCADE,
      expires_at timestamptz NOT NULL,
      used_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE sign_in_attempt (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      ip_address text NOT NULL,
      email_hash text NOT NULL,
      succeeded boolean NOT NULL,
      attempted_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX sign_in_attempt_ip_idx ON sign_in_attempt (ip_address, attempted_at);

    CREATE TABLE outbox_message (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      to_address text NOT NULL,
      subject text NOT NULL,
      body_text text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );
  `,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await executeScript(
    db,
    `
    DROP TABLE outbox_message, sign_in_attempt, password_reset, invitation, user_session,
      audit_event, case_event, case_participant, "case", organisation_membership,
      staff_membership, recovery_code, app_user, organisation, local_authority;
    DROP FUNCTION refuse_change_to_history();
  `,
  );
}
