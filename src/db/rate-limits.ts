import { createHmac } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from './database.ts';

/**
 * Rate limits and throttles kept in the `rate_limit` table (migration 0010), so that every web
 * process counts against the same numbers and a restart forgets nothing. Each change is one
 * atomic statement (an upsert under the row's lock), so concurrent requests in any number of
 * processes cannot both take the last place. Time is the database's clock, the one all the
 * processes share.
 */

/** How a throttle slows guessing: free attempts, then a wait that doubles up to a cap. */
export type ThrottlePolicy = {
  /** Attempts (not yet proved good) before any wait. */
  free: number;
  firstWaitSeconds: number;
  maxWaitSeconds: number;
  /** The count is forgotten this long after the last attempt. */
  forgetAfterSeconds: number;
};

/** The wait before the attempt after `attempts` attempts: 0, then doubling, at most the cap. */
export function waitAfter(attempts: number, policy: ThrottlePolicy): number {
  if (attempts <= policy.free) return 0;
  const doublings = Math.min(attempts - policy.free - 1, 30);
  return Math.min(policy.maxWaitSeconds, policy.firstWaitSeconds * 2 ** doublings);
}

export type Attempt = { allowed: true } | { allowed: false; waitSeconds: number };

export type RateLimits = {
  /**
   * The key for a scope ("sign-in:account") and a subject (an email, an address): the subject
   * goes through a keyed hash (HMAC with the service's secret), so the table holds no personal
   * data and cannot be reversed by hashing a list of addresses without the secret.
   */
  key(scope: string, subject: string): string;
  /** Counts a hit in a fixed window; returns the hits so far and the time left in the window. */
  hit(key: string, windowMs: number): Promise<{ count: number; ttlMs: number }>;
  /**
   * Takes an attempt under a throttle: refused (with the seconds left) while the key must wait;
   * otherwise counted, and the wait that the next attempt faces is set from the new count.
   * Counting before the attempt runs means parallel attempts cannot slip past the count.
   */
  attempt(key: string, policy: ThrottlePolicy): Promise<Attempt>;
  /** The attempt proved good: `forget` the key (an account), or `uncount` it (an address). */
  succeeded(key: string, how: 'forget' | 'uncount'): Promise<void>;
  /** Deletes rows whose time has passed; returns how many. */
  purgeExpired(): Promise<number>;
};

export function createRateLimits(db: Db, secret: string): RateLimits {
  const hmacKey = `rate-limit:${secret}`;
  return {
    key(scope, subject) {
      const digest = createHmac('sha256', hmacKey)
        .update(`${scope}\u0000${subject}`)
        .digest('base64url');
      return `${scope}:${digest}`;
    },

    async hit(key, windowMs) {
      const window = sql`make_interval(secs => ${windowMs / 1000})`;
      const { rows } = await sql<{ count: number; ttl_ms: string | number }>`
        INSERT INTO rate_limit AS r (key, count, window_started_at, expires_at)
        VALUES (${key}, 1, now(), now() + ${window})
        ON CONFLICT (key) DO UPDATE SET
          count = CASE WHEN r.expires_at <= now() THEN 1 ELSE r.count + 1 END,
          window_started_at = CASE WHEN r.expires_at <= now() THEN now() ELSE r.window_started_at END,
          expires_at = CASE WHEN r.expires_at <= now() THEN now() + ${window} ELSE r.expires_at END
        RETURNING count, ceil(extract(epoch FROM expires_at - now()) * 1000) AS ttl_ms
      `.execute(db);
      const row = rows[0]!;
      return { count: Number(row.count), ttlMs: Math.max(0, Number(row.ttl_ms)) };
    },

    async attempt(key, policy) {
      const forget = sql`make_interval(secs => ${policy.forgetAfterSeconds})`;
      const newCount = sql`(CASE WHEN r.expires_at <= now() THEN 1 ELSE r.count + 1 END)`;
      const waitFor = (count: unknown) =>
        sql`make_interval(secs => CASE WHEN ${count} <= ${policy.free} THEN 0
          ELSE least(${policy.maxWaitSeconds}::float8,
                     ${policy.firstWaitSeconds}::float8 * power(2, least(${count} - ${policy.free} - 1, 30)))
          END)`;
      const { rows } = await sql<{ count: number }>`
        INSERT INTO rate_limit AS r (key, count, window_started_at, blocked_until, expires_at)
        VALUES (${key}, 1, now(), now() + ${waitFor(sql`1`)}, now() + ${forget})
        ON CONFLICT (key) DO UPDATE SET
          count = ${newCount},
          window_started_at = CASE WHEN r.expires_at <= now() THEN now() ELSE r.window_started_at END,
          blocked_until = now() + ${waitFor(newCount)},
          expires_at = now() + ${forget}
        WHERE r.expires_at <= now() OR r.blocked_until IS NULL OR r.blocked_until <= now()
        RETURNING count
      `.execute(db);
      if (rows.length > 0) return { allowed: true };
      const waiting = await sql<{ wait: string | number | null }>`
        SELECT ceil(extract(epoch FROM blocked_until - now())) AS wait
        FROM rate_limit WHERE key = ${key}
      `.execute(db);
      return { allowed: false, waitSeconds: Math.max(1, Number(waiting.rows[0]?.wait ?? 1)) };
    },

    async succeeded(key, how) {
      if (how === 'forget') {
        await db.deleteFrom('rate_limit').where('key', '=', key).execute();
      } else {
        await db
          .updateTable('rate_limit')
          .set({ count: sql<number>`greatest(count - 1, 0)` })
          .where('key', '=', key)
          .execute();
      }
    },

    async purgeExpired() {
      const result = await db
        .deleteFrom('rate_limit')
        .where('expires_at', '<=', sql<Date>`now()`)
        .where((eb) =>
          eb.or([eb('blocked_until', 'is', null), eb('blocked_until', '<=', sql<Date>`now()`)]),
        )
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
