import type { DbOrTrx } from '../db/database.ts';
import { precompiled } from '../db/precompiled.ts';
import type { CaseAccessFacts } from '../policy/policy.ts';
import { caseAccessFrom, caseAccessJson } from './access.ts';
import { actorColumns, actorFrom, type ActorWithUnread } from './actor.ts';

/** No case has this id: it stands in when the request names none. */
const NO_CASE = '00000000-0000-0000-0000-000000000000';

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

export type SessionFacts = {
  data: unknown;
  expires_at: Date;
  last_seen_at: Date;
  /** The session's user id, to check against the session's data. */
  userId: string | null;
  /** That person: null when disabled or gone. */
  actor: ActorWithUnread | null;
  /** Who may see the case asked about: null when no such case exists or none was asked. */
  caseAccess: CaseAccessFacts | null;
};

/**
 * A session, the person it belongs to (their LA roles, organisations and unread notifications)
 * and, when a case is named, who may see that case, in one round trip; undefined when there is
 * no such session.
 */
export async function readSessionFacts(
  db: DbOrTrx,
  idHash: string,
  caseId: string | null,
): Promise<SessionFacts | undefined> {
  // Without a case the sub-select looks for one that cannot exist, and is null at once.
  const [row] = await sessionQuery(db, idHash, caseId ?? NO_CASE);
  if (!row) return undefined;
  return {
    data: row.data,
    expires_at: row.expires_at,
    last_seen_at: row.last_seen_at,
    userId: row.session_user_id,
    actor: actorFrom(row),
    caseAccess: caseId ? caseAccessFrom(row.case_access) : null,
  };
}
