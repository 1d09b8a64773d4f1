import type { DbOrTrx } from './database.ts';

/**
 * The `user_session` table's SQL, for the session plugin (src/web/session.ts), which keeps the
 * cookie, the idle timer and the request's session data. Rows are found by the SHA-256 of the
 * session id; the id itself is never stored.
 */

/** A session row as the plugin needs it. */
export type SessionRow = { data: unknown; expires_at: Date; last_seen_at: Date };

export async function readSession(db: DbOrTrx, idHash: string): Promise<SessionRow | undefined> {
  return db
    .selectFrom('user_session')
    .select(['data', 'expires_at', 'last_seen_at'])
    .where('id_hash', '=', idHash)
    .executeTakeFirst();
}

export async function insertSession(
  db: DbOrTrx,
  session: { idHash: string; userId: string | null; data: string; expiresAt: Date },
): Promise<void> {
  await db
    .insertInto('user_session')
    .values({
      id_hash: session.idHash,
      user_id: session.userId,
      data: session.data,
      last_seen_at: new Date(),
      expires_at: session.expiresAt,
    })
    .execute();
}

export async function updateSession(
  db: DbOrTrx,
  idHash: string,
  session: { userId: string | null; data: string; expiresAt: Date },
): Promise<void> {
  await db
    .updateTable('user_session')
    .set({
      user_id: session.userId,
      data: session.data,
      last_seen_at: new Date(),
      expires_at: session.expiresAt,
    })
    .where('id_hash', '=', idHash)
    .execute();
}

/** Refreshes the idle timer only. */
export async function touchSession(db: DbOrTrx, idHash: string, expiresAt: Date): Promise<void> {
  await db
    .updateTable('user_session')
    .set({ last_seen_at: new Date(), expires_at: expiresAt })
    .where('id_hash', '=', idHash)
    .execute();
}

export async function deleteSession(db: DbOrTrx, idHash: string): Promise<void> {
  await db.deleteFrom('user_session').where('id_hash', '=', idHash).execute();
}

export async function deleteSessionsOf(db: DbOrTrx, userId: string): Promise<void> {
  await db.deleteFrom('user_session').where('user_id', '=', userId).execute();
}

export async function sessionExpiresAt(db: DbOrTrx, idHash: string): Promise<Date | undefined> {
  const row = await db
    .selectFrom('user_session')
    .select('expires_at')
    .where('id_hash', '=', idHash)
    .executeTakeFirst();
  return row?.expires_at;
}

export async function deleteExpiredSessions(db: DbOrTrx): Promise<void> {
  await db.deleteFrom('user_session').where('expires_at', '<', new Date()).execute();
}
