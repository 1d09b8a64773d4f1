import type { FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { RateLimits } from '../db/rate-limits.ts';

type Incr = (error: Error | null, result?: { current: number; ttl: number }) => void;

/**
 * A store for @fastify/rate-limit that keeps its counts in the database (`rate_limit`), in place
 * of its default store in this process's memory, which a restart emptied and which let each
 * process allow the full limit. Each route with a limit counts under a key of its own.
 */
export function databaseRateLimitStore(limits: RateLimits): FastifyRateLimitStoreCtor {
  class DatabaseStore {
    readonly scope: string;
    constructor(_options: unknown, scope = 'route:global') {
      this.scope = scope;
    }

    incr(key: string, callback: Incr, timeWindow: number): void {
      limits.hit(limits.key(this.scope, key), timeWindow).then(
        ({ count, ttlMs }) => callback(null, { current: count, ttl: ttlMs }),
        (error: Error) => callback(error),
      );
    }

    child(routeOptions: { routeInfo?: { method?: string | string[]; url?: string } }) {
      const { method, url } = routeOptions.routeInfo ?? {};
      return new DatabaseStore(null, `route:${String(method)} ${url ?? ''}`);
    }
  }
  return DatabaseStore as unknown as FastifyRateLimitStoreCtor;
}

/**
 * The limit on a form that sends email, for a route's `config.rateLimit`: at most `max` sendings
 * an hour from one address, so no form can be used to flood inboxes. Over it, the 429 page.
 */
export const emailsPerHour = (max: number) => ({ max, timeWindow: '1 hour' });
