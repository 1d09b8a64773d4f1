import type { FastifyRequest } from 'fastify';
import type { DbOrTrx } from '../db/database.ts';
import type { CaseAccessFacts } from '../policy/policy.ts';
import type { ActorWithUnread } from '../case/actor.ts';
import { readSessionFacts } from '../case/session-facts.ts';
import type { StoredSession } from './session.ts';

/**
 * What a request needs before its route runs, read in one round trip: the session, the person
 * it belongs to (their LA roles, organisations and unread notifications), and, when the route
 * names a case, who may see that case. Whether the session is far enough through sign-in for
 * the person to count, and whether they may see the case, are decided by the caller.
 */
export type RequestFacts = {
  /** The session's user id, to check against the session's data. */
  userId: string | null;
  /** That person: null when disabled or gone. */
  actor: ActorWithUnread | null;
  /** The case named by :caseId, when there is one: null when no such case exists. */
  caseAccess?: { caseId: string; facts: CaseAccessFacts | null };
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The case a request's route names, if its id is well formed. */
function caseIdOf(request: FastifyRequest): string | null {
  const caseId = (request.params as Record<string, unknown> | undefined)?.caseId;
  return typeof caseId === 'string' && UUID.test(caseId) ? caseId : null;
}

export async function readRequestFacts(
  db: DbOrTrx,
  idHash: string,
  request: FastifyRequest,
): Promise<StoredSession | undefined> {
  const caseId = caseIdOf(request);
  const found = await readSessionFacts(db, idHash, caseId);
  if (!found) return undefined;
  const facts: RequestFacts = {
    userId: found.userId,
    actor: found.actor,
    ...(caseId ? { caseAccess: { caseId, facts: found.caseAccess } } : {}),
  };
  return {
    data: found.data,
    expires_at: found.expires_at,
    last_seen_at: found.last_seen_at,
    extra: facts,
  };
}
