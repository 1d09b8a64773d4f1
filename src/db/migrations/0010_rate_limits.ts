import type { Kysely } from 'kysely';
import { executeScript } from '../script.ts';

/**
 * Rate limits and sign-in throttles live in the database, so every process shares them and a
 * restart forgets nothing (issue 14). One row per key: the key is a scope and a keyed hash (HMAC)
 * of an address or email, never the address or email itself. `count` is hits in the window (a
 * rate limit) or attempts not yet proved good (a throttle), `blocked_until` the time before which
 * a throttled key must wait, and `expires_at` when the row means nothing any more (purged).
 *
 * Accounts no longer lock: the lock let anyone who knew an email keep its owner out and end their
 * sessions, so its columns go, with the per-attempt log the address limit was counted from.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await executeScript(
    db,
    `
    CREATE TABLE rate_limit (
      key text PRIMARY KEY,
      count integer NOT NULL,
      window_started_at timestamptz NOT NULL DEFAULT now(),
      blocked_until timestamptz,
      expires_at timestamptz NOT NULL
    );
    CREATE INDEX rate_limit_expires_idx ON rate_limit (expires_at);

    DROP TABLE sign_in_attempt;
    ALTER TABLE app_user DROP COLUMN failed_sign_in_count, DROP COLUMN locked_until;
  `,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await executeScript(
    db,
    `
    ALTER TABLE app_user
      ADD COLUMN failed_sign_in_count integer NOT NULL DEFAULT 0,
      ADD COLUMN locked_until timestamptz;
    CREATE TABLE sign_in_attempt (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      ip_address text NOT NULL,
      email_hash text NOT NULL,
      succeeded boolean NOT NULL,
      attempted_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX sign_in_attempt_ip_idx ON sign_in_attempt (ip_address, attempted_at);
    DROP TABLE rate_limit;
  `,
  );
}
