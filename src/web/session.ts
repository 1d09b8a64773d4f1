import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Db, DbOrTrx } from '../db/database.ts';
import {
  deleteExpiredSessions,
  deleteSession,
  deleteSessionsOf,
  insertSession,
  readSession,
  sessionExpiresAt,
  touchSession,
  updateSession,
} from '../db/sessions.ts';

/**
 * Server-side sessions in the database, so any number of web processes can serve a user.
 * The cookie holds a random 256-bit id; the database keeps only its SHA-256, so a copy of the
 * table does not let anyone sign in. A session ends after SESSION_IDLE_MINUTES without a request.
 */
export const SESSION_COOKIE = 'pathway_session';

export type SessionData = {
  /** Set once the password is accepted. */
  userId?: string;
  /** Set by the handler that has just accepted a second factor, for the final sign-in step. */
  secondFactorPassed?: boolean;
  /** Set once the second factor is accepted too: only then is the user signed in. */
  secondFactorVerified?: boolean;
  /** A one-time sign-in code sent by email, hashed. */
  emailCode?: { hash: string; expiresAt: number };
  /** How many codes this sign-in has emailed, so the resend link cannot be used to flood an inbox. */
  emailCodesSent?: number;
  /** Demo mode only: the emailed code, shown on screen. */
  demoCode?: string;
  /** Wrong second-factor codes in this sign-in. */
  secondFactorFailures?: number;
  /** A TOTP secret being set up, before the user proves it works. */
  pendingTotpSecret?: string;
  /** Recovery codes to show once, right after they are made. */
  freshRecoveryCodes?: string[];
  /** An invitation accepted by someone who already has an account, applied after sign-in. */
  pendingInvitationToken?: string;
  /** Where to go after signing in. */
  returnTo?: string;
  /** The request for an assessment being filled in on this browser (no account needed). */
  requestDraftId?: string;
  /** The request just sent, for its confirmation page. */
  sentRequest?: { reference: string; decisionDueOn: string | null; localAuthorityName: string };
  /** A one-off message for the next page (GOV.UK notification banner). */
  flash?: { heading: string; body?: string };
};

export type Session = {
  data: SessionData;
  /** True when the request came with a session cookie that had timed out. */
  timedOut: boolean;
  /** Persist changes to `data` when the response is sent. */
  changed(): void;
};

type SessionState = {
  idHash: string | null;
  dirty: boolean;
  touch: boolean;
  /** What the session's reader loaded with it (the signed-in person), if it loads anything. */
  extra: unknown;
};

/** A session as stored, with anything its reader loads in the same query. */
export type StoredSession = {
  data: unknown;
  expires_at: Date;
  last_seen_at: Date;
  extra?: unknown;
};

declare module 'fastify' {
  interface FastifyRequest {
    session: Session;
    sessionState: SessionState;
  }
}

function hashId(id: string): string {
  return createHash('sha256').update(id).digest('base64url');
}

export type SessionOptions = {
  db: Db;
  idleMinutes: number;
  secureCookie: boolean;
  /**
   * Reads a session by the hash of its id. The app passes one that loads the signed-in person in
   * the same query (one round trip on every page, not two); by default only the session is read.
   */
  read?: (idHash: string, request: FastifyRequest) => Promise<StoredSession | undefined>;
};

/** Refresh the idle timer at most this often, so browsing does not write on every request. */
const TOUCH_INTERVAL_MS = 30_000;

export const sessionPlugin = fp(async (app: FastifyInstance, options: SessionOptions) => {
  const { db } = options;
  const read: (idHash: string, request: FastifyRequest) => Promise<StoredSession | undefined> =
    options.read ?? ((idHash: string) => readSession(db, idHash));
  const idleMs = options.idleMinutes * 60_000;

  app.decorateRequest('session', null as unknown as Session);
  app.decorateRequest('sessionState', null as unknown as SessionState);

  app.addHook('onRequest', async (request) => {
    const state: SessionState = { idHash: null, dirty: false, touch: false, extra: undefined };
    request.sessionState = state;
    const session: Session = { data: {}, timedOut: false, changed: () => (state.dirty = true) };
    request.session = session;

    const cookie = request.cookies[SESSION_COOKIE];
    if (!cookie || !/^[A-Za-z0-9_-]{43}$/.test(cookie)) return;
    const idHash = hashId(cookie);
    const row = await read(idHash, request);
    if (!row) {
      session.timedOut = true;
      return;
    }
    const now = Date.now();
    if (row.expires_at.getTime() <= now) {
      await deleteSession(db, idHash);
      session.timedOut = true;
      return;
    }
    state.idHash = idHash;
    session.data = row.data as SessionData;
    state.extra = row.extra;
    state.touch = now - row.last_seen_at.getTime() > TOUCH_INTERVAL_MS;
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const state = request.sessionState;
    if (!state) return payload;
    // Polling for the time left must not itself keep a session alive.
    if (request.routeOptions.config?.passiveSession) return payload;
    const expiresAt = new Date(Date.now() + idleMs);
    // Written once: if the write fails (the database is down), the error page sent instead must
    // not try again, or fail the same way.
    const { dirty, touch } = state;
    state.dirty = false;
    state.touch = false;
    if (dirty) {
      if (!state.idHash) {
        const id = randomBytes(32).toString('base64url');
        state.idHash = hashId(id);
        await insertSession(db, {
          idHash: state.idHash,
          userId: request.session.data.userId ?? null,
          data: JSON.stringify(request.session.data),
          expiresAt,
        });
        // Only once the session exists: the error page after a failed write sets no cookie.
        setSessionCookie(reply, id, options.secureCookie);
      } else {
        await updateSession(db, state.idHash, {
          userId: request.session.data.userId ?? null,
          data: JSON.stringify(request.session.data),
          expiresAt,
        });
      }
    } else if (touch && state.idHash) {
      await touchSession(db, state.idHash, expiresAt);
    }
    return payload;
  });
});

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route reads the session without counting as activity (the timeout warning's poll). */
    passiveSession?: boolean;
  }
}

function setSessionCookie(reply: FastifyReply, id: string, secure: boolean): void {
  reply.setCookie(SESSION_COOKIE, id, { path: '/', httpOnly: true, sameSite: 'lax', secure });
}

/**
 * Starts a fresh session id keeping the given data: done at each step up in privilege
 * (password accepted, second factor accepted) so a session id planted before sign-in is useless.
 */
export async function renewSession(db: Db, request: FastifyRequest, data: SessionData) {
  const state = request.sessionState;
  if (state.idHash) {
    await deleteSession(db, state.idHash);
  }
  state.idHash = null;
  request.session.data = data;
  state.dirty = true;
}

/** Ends the session here and forgets it in the database. */
export async function endSession(db: Db, request: FastifyRequest, reply: FastifyReply) {
  const state = request.sessionState;
  if (state.idHash) {
    await deleteSession(db, state.idHash);
  }
  state.idHash = null;
  state.dirty = false;
  request.session.data = {};
  reply.clearCookie(SESSION_COOKIE, { path: '/' });
}

/** Ends every session of a user (password changed, account disabled). */
export async function endAllSessionsOf(db: DbOrTrx, userId: string): Promise<void> {
  await deleteSessionsOf(db, userId);
}

/** Seconds until the current session times out, for the timeout warning. */
export async function secondsLeft(db: Db, request: FastifyRequest): Promise<number> {
  const idHash = request.sessionState.idHash;
  if (!idHash) return 0;
  const expiresAt = await sessionExpiresAt(db, idHash);
  return expiresAt ? Math.max(0, Math.floor((expiresAt.getTime() - Date.now()) / 1000)) : 0;
}

/** Forgets timed-out sessions; run at start and every few minutes. */
export async function purgeExpiredSessions(db: Db): Promise<void> {
  await deleteExpiredSessions(db);
}
