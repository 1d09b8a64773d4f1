import type { FastifyRequest } from 'fastify';
import { recordRefusal, type Refusal, type RefusalReason } from '../audit/audit.ts';
import type { DbOrTrx } from '../db/database.ts';
import { ForbiddenError, NotFoundError, type RefusedCase } from './route-policy.ts';
import { auditContextOf } from './request-context.ts';

/**
 * Which answers are refusals worth a row in the audit log, and what the row says.
 *
 * Every 403 (the route policy, a route's own check, a post that fails CSRF) and every 404 that a
 * route marks as hiding something that exists (`NotFoundError` with a refused case). Only for a
 * signed-in actor: an anonymous request is answered with the sign-in page or a 403 and nothing is
 * written, so a scan of random addresses by anyone cannot fill the table; and a case id that does
 * not exist is a plain 404 with no row. What remains costs one insert per refusal and is
 * attributable to an account that someone invited.
 */
export function refusalOf(request: FastifyRequest, error: unknown, status: number): Refusal | null {
  const actor = request.actor;
  if (!actor) return null;
  const marked = error instanceof ForbiddenError || error instanceof NotFoundError;
  const refusedCase: RefusedCase | null = marked ? error.refusedCase : null;
  if (status === 404 && !refusedCase) return null;
  if (status !== 403 && status !== 404) return null;
  const code = (error as { code?: unknown }).code;
  const reason: RefusalReason =
    status === 404
      ? 'not-visible'
      : typeof code === 'string' && code.startsWith('FST_CSRF')
        ? 'csrf'
        : error instanceof ForbiddenError
          ? 'policy'
          : 'forbidden';
  // A post refused by CSRF on a case the policy let through still names that case.
  const allowedCase = request.caseAccess
    ? { caseId: request.caseAccess.caseId, localAuthorityId: request.caseAccess.localAuthorityId }
    : null;
  const roles: string[] = [...new Set(actor.staff.map((s) => s.role))].sort();
  if (actor.organisationIds.length > 0) roles.push('professional');
  return {
    method: request.method,
    route: request.routeOptions.url ?? '(no route)',
    status,
    reason,
    roles,
    case: refusedCase ?? allowedCase,
    actorLocalAuthorityIds: actor.staff.map((s) => s.localAuthorityId),
  };
}

/** Writes the refusal's row; a failure to write is logged and does not change the answer. */
export async function auditRefusal(
  db: DbOrTrx,
  request: FastifyRequest,
  error: unknown,
  status: number,
): Promise<void> {
  const refusal = refusalOf(request, error, status);
  if (!refusal) return;
  try {
    await recordRefusal(db, auditContextOf(request), refusal);
  } catch (failure) {
    request.log.error({ err: failure }, 'could not audit a refused request');
  }
}
