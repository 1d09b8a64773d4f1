import type { Kysely } from 'kysely';
import { executeScript } from '../script.ts';

/**
 * Notifications: the email queue (a transactional outbox: a message row and its delivery job
 * are written in the transaction of the change that causes them), in-app notifications,
 * each person's choice of immediate or daily email, and the record of reminders sent, which
 * makes the reminder sweep idempotent however many workers run it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await executeScript(
    db,
    `
    ALTER TABLE app_user ADD COLUMN email_frequency text NOT NULL DEFAULT 'immediate'
      CHECK (email_frequency IN ('immediate', 'daily', 'none'));

    CREATE TABLE email_message (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      kind text NOT NULL,
      to_address text NOT NULL,
      user_id uuid REFERENCES app_user(id),
      local_authority_id uuid REFERENCES local_authority(id),
      subject text NOT NULL,
      body_text text NOT NULL,
      body_html text NOT NULL,
      list_unsubscribe text,
      status text NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
      attempts integer NOT NULL DEFAULT 0,
      last_error text,
      claimed_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      sent_at timestamptz,
      failed_at timestamptz
    );
    CREATE INDEX email_message_failed_idx ON email_message (local_authority_id, failed_at)
      WHERE status = 'failed';
    CREATE INDEX email_message_to_idx ON email_message (to_address, created_at);

    ALTER TABLE outbox_message ADD COLUMN body_html text NOT NULL DEFAULT '';
    ALTER TABLE outbox_message ADD COLUMN headers jsonb NOT NULL DEFAULT '{}';

    CREATE TABLE notification (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      user_id uuid NOT NULL REFERENCES app_user(id),
      kind text NOT NULL,
      case_id uuid REFERENCES "case"(id),
      local_authority_id uuid REFERENCES local_authority(id),
      title text NOT NULL,
      body text NOT NULL,
      link text NOT NULL,
      statutory boolean NOT NULL DEFAULT false,
      email_state text NOT NULL CHECK (email_state IN ('none', 'sent', 'digest', 'digested')),
      created_at timestamptz NOT NULL DEFAULT now(),
      read_at timestamptz
    );
    CREATE INDEX notification_user_idx ON notification (user_id, created_at DESC);
    CREATE INDEX notification_unread_idx ON notification (user_id) WHERE read_at IS NULL;
    CREATE INDEX notification_digest_idx ON notification (user_id) WHERE email_state = 'digest';

    CREATE TABLE reminder_sent (
      case_id uuid NOT NULL REFERENCES "case"(id),
      limit_name text NOT NULL,
      due_on date NOT NULL,
      threshold text NOT NULL CHECK (threshold IN ('due-in-7-days', 'due-tomorrow', 'overdue')),
      sent_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (case_id, limit_name, due_on, threshold)
    );

    CREATE TABLE overdue_summary_sent (
      local_authority_id uuid NOT NULL REFERENCES local_authority(id),
      summary_on date NOT NULL,
      sent_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (local_authority_id, summary_on)
    );
  `,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await executeScript(
    db,
    `
    DROP TABLE overdue_summary_sent, reminder_sent, notification, email_message;
    ALTER TABLE outbox_message DROP COLUMN body_html, DROP COLUMN headers;
    ALTER TABLE app_user DROP COLUMN email_frequency;
  `,
  );
}
