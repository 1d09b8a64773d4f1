import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RateLimits } from '../../db/rate-limits.ts';
import { safeEqual } from '../../web/secrets.ts';

/**
 * A browser where someone has signed in (both factors) or reset their password carries a signed
 * cookie naming a random id and a keyed hash of their email. When the same email signs in from
 * it, it is throttled on that id's own count instead of the account's and the address's, so
 * guesses from elsewhere never keep the owner out (OWASP, "Slow down online guessing attacks with
 * device cookies"). The cookie holds no email, and is useless for any other email.
 */
const COOKIE = 'pathway_trusted_browser';
const SCOPE = 'trusted-browser';

function ownerOf(limits: RateLimits, email: string): string {
  return limits.key(SCOPE, email.trim().toLowerCase()).slice(SCOPE.length + 1);
}

export function trustThisBrowser(
  reply: FastifyReply,
  limits: RateLimits,
  email: string,
  options: { secure: boolean; days: number },
): void {
  const id = randomBytes(16).toString('base64url');
  reply.setCookie(COOKIE, `${id}.${ownerOf(limits, email)}`, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: options.secure,
    signed: true,
    maxAge: options.days * 86_400,
  });
}

/** The browser's id when it is trusted for this email, otherwise null. */
export function trustedBrowserFor(
  request: FastifyRequest,
  limits: RateLimits,
  email: string,
): string | null {
  const raw = request.cookies[COOKIE];
  if (!raw) return null;
  const unsigned = request.unsignCookie(raw);
  if (!unsigned.valid || !unsigned.value) return null;
  const [id, owner] = unsigned.value.split('.');
  if (!id || !owner) return null;
  return safeEqual(owner, ownerOf(limits, email)) ? id : null;
}
