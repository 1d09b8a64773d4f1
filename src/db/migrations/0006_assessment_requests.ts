import type { Kysely } from 'kysely';
import { executeScript } from '../script.ts';

/**
 * Requests for an EHC needs assessment, from the online front door (a draft until it is sent)
 * or recorded by a caseworker from an email or a letter, and the evidence sent with them.
 * A request's answers are kept as JSON: the questions change with who is asking, and the
 * answers become the first entries on the case the LA makes from the request.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await executeScript(
    db,
    `
    CREATE TABLE assessment_request (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      local_authority_id uuid REFERENCES local_authority(id),
      status text NOT NULL DEFAULT 'draft'
        CHECK (status IN ('draft', 'submitted', 'case_opened', 'attached', 'withdrawn')),
      requester_kind text CHECK (requester_kind IN ('parent', 'young_person', 'setting',
        'health', 'social_care', 'other_professional')),
      channel text NOT NULL DEFAULT 'online' CHECK (channel IN ('online', 'email', 'post')),
      answers jsonb NOT NULL DEFAULT '{}',
      reference text UNIQUE,
      contact_email text CHECK (contact_email = lower(contact_email)),
      resume_token_hash text UNIQUE,
      submitted_by_user_id uuid REFERENCES app_user(id),
      recorded_by_user_id uuid REFERENCES app_user(id),
      received_at timestamptz,
      received_on date,
      case_id uuid REFERENCES "case"(id),
      decided_by_user_id uuid REFERENCES app_user(id),
      decided_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz,
      CHECK (status = 'draft' OR (reference IS NOT NULL AND received_on IS NOT NULL
        AND local_authority_id IS NOT NULL AND requester_kind IS NOT NULL))
    );
    CREATE INDEX assessment_request_intake_idx
      ON assessment_request (local_authority_id, status, received_at);
    CREATE INDEX assessment_request_expiry_idx
      ON assessment_request (expires_at) WHERE status = 'draft';
    CREATE INDEX assessment_request_child_idx ON assessment_request
      (local_authority_id, lower(answers->>'childLastName'), (answers->>'childDateOfBirth'))
      WHERE status <> 'draft';
    CREATE INDEX case_child_idx ON "case"
      (local_authority_id, lower(child_last_name), child_date_of_birth);

    CREATE TABLE request_document (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      request_id uuid NOT NULL REFERENCES assessment_request(id) ON DELETE CASCADE,
      storage_key text NOT NULL UNIQUE,
      file_name text NOT NULL,
      content_type text NOT NULL,
      size_bytes integer NOT NULL CHECK (size_bytes > 0),
      uploaded_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX request_document_request_idx ON request_document (request_id, uploaded_at);

    CREATE TABLE request_sequence (
      local_authority_id uuid NOT NULL REFERENCES local_authority(id),
      year integer NOT NULL,
      last_number integer NOT NULL,
      PRIMARY KEY (local_authority_id, year)
    );
  `,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await executeScript(
    db,
    `
    DROP TABLE request_sequence, request_document, assessment_request;
    DROP INDEX case_child_idx;
  `,
  );
}
