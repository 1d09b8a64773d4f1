import type { FastifyRequest } from 'fastify';
import type { DbOrTrx } from '../db/database.ts';
import type { CaseAccessFacts } from '../policy/policy.ts';
import { actorColumns, actorFrom, type ActorWithUnread } from '../case/actor.ts';
import { caseAccessFrom, caseAccessJson } from '../case/access.ts';
import type { StoredSession } from './session.ts';
import { precompiled } from '../db/precompiled.ts';

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

/** No case has this id: it stands in when the route names none. */
const NO_CASE = '00000000-0000-0000-0000-000000000000';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The case a request's route names, if its id is well formed. */
function caseIdOf(request: FastifyRequest): string | null {
  const caseId = (request.params as Record<string, unknown> | undefined)?.caseId;
  return typeof caseId === 'string' && UUID.test(caseId) ? caseId : null;
}

/** The session, its person and a case's access facts: built and compiled once. */
const sessionQuery = precompiled(2, (db, idHash: string, caseId: string) =>
  db
    .selectFrom('user_session')
    .leftJoin('app_user', 'app_user.id', 'user_session.user_id')
    .select([
      'user_session.data',
      'user_session.expires_at',
      'user_session.last_seen_at',
      'user_session.user_id as session_user_id',
      'app_user.id',
      'app_user.display_name',
      'app_user.email',
      'app_user.disabled_at',
    ])
    .select((eb) => actorColumns(eb))
    .select(() => caseAccessJson(db, caseId).as('case_access'))
    .where('user_session.id_hash', '=', idHash),
);

export async function readRequestFacts(
  db: DbOrTrx,
  idHash: string,
  request: FastifyRequest,
): Promise<StoredSession | undefined> {
  const caseId = caseIdOf(request);
  // Without a case the sub-select looks for one that cannot exist, and is null at once.
  const [row] = await sessionQuery(db, idHash, caseId ?? NO_CASE);
  if (!row) return undefined;
  const facts: RequestFacts = {
    userId: row.session_user_id,
    actor: actorFrom(row),
    ...(caseId ? { caseAccess: { caseId, facts: caseAccessFrom(row.case_access) } } : {}),
  };
  return {
    data: row.data,
    expires_at: row.expires_at,
    last_seen_at: row.last_seen_at,
    extra: facts,
  };
}
