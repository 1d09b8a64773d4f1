import type { Db } from '../../db/database.ts';
import { recordAudit, type AuditContext } from '../../audit/audit.ts';
import type { JobQueue } from '../../jobs/queue.ts';
import { queueEmail } from '../../case/email/email-queue.ts';
import * as repo from './repository.ts';
import { hashPassword, newToken, sha256 } from '../../web/secrets.ts';
import { SIGN_IN_LIMITS } from './service.ts';
import { endAllSessionsOf } from '../../web/session.ts';

/** How long a password reset link works. */
export const PASSWORD_RESET_MINUTES = 60;

/** The queue of reset requests: the form answers at once, a worker does the rest. */
export const PASSWORD_RESET_REQUEST = 'password-reset-request';

/** What the form hands the worker; kept by pg-boss only briefly (see `createQueues`). */
export type PasswordResetRequest = {
  email: string;
  correlationId: string | null;
  ipAddress: string | null;
};

/**
 * The forgot-password form's only work: one job, the same for every email, so the answer and its
 * timing say nothing about whether an account exists. Looking the account up, making the token
 * and queueing the email happen in the worker, after the answer (issue 14).
 */
export async function queuePasswordResetRequest(
  db: Db,
  jobs: JobQueue,
  email: string,
  context: AuditContext,
): Promise<void> {
  const request: PasswordResetRequest = {
    email: email.trim().toLowerCase(),
    correlationId: context.correlationId,
    ipAddress: context.ipAddress,
  };
  await jobs.send(db, PASSWORD_RESET_REQUEST, request);
}

/**
 * Sends a reset link when the account exists (the worker's side of the form). The email is queued
 * in the transaction that records the reset, and delivered by a worker.
 */
export async function requestPasswordReset(
  db: Db,
  jobs: JobQueue,
  baseUrl: string,
  request: PasswordResetRequest,
): Promise<void> {
  const context: AuditContext = {
    actorUserId: null,
    correlationId: request.correlationId,
    ipAddress: request.ipAddress,
  };
  const user = await repo.findUserByEmail(db, request.email);
  if (!user || user.disabled_at || !user.password_hash) return;
  const since = new Date(Date.now() - 60 * 60_000);
  if (
    (await repo.countPasswordResetsSince(db, user.id, since)) >=
    SIGN_IN_LIMITS.passwordResetsPerHour
  ) {
    return;
  }
  const token = newToken();
  await db.transaction().execute(async (trx) => {
    await repo.insertPasswordReset(trx, {
      tokenHash: sha256(token),
      userId: user.id,
      expiresAt: new Date(Date.now() + PASSWORD_RESET_MINUTES * 60_000),
    });
    await recordAudit(trx, context, {
      action: 'password reset requested',
      subjectType: 'user',
      subjectId: user.id,
    });
    await queueEmail(trx, jobs, {
      kind: 'password-reset',
      to: user.email,
      userId: user.id,
      data: { link: `${baseUrl}/reset-password/${token}`, minutes: PASSWORD_RESET_MINUTES },
    });
  });
}

export async function passwordResetIsUsable(db: Db, token: string): Promise<boolean> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return false;
  return Boolean(await repo.findUsablePasswordReset(db, sha256(token)));
}

export async function resetPassword(
  db: Db,
  token: string,
  password: string,
  context: AuditContext,
): Promise<{ userId: string; email: string } | null> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
  const tokenHash = sha256(token);
  const reset = await repo.findUsablePasswordReset(db, tokenHash);
  if (!reset) return null;
  const passwordHash = await hashPassword(password);
  return db.transaction().execute(async (trx) => {
    if (!(await repo.claimPasswordReset(trx, tokenHash))) return null;
    await repo.setPassword(trx, reset.user_id, passwordHash);
    await repo.spendAllPasswordResets(trx, reset.user_id);
    await endAllSessionsOf(trx, reset.user_id);
    await recordAudit(
      trx,
      { ...context, actorUserId: reset.user_id },
      {
        action: 'password reset',
        subjectType: 'user',
        subjectId: reset.user_id,
      },
    );
    const user = await repo.findUserById(trx, reset.user_id);
    return { userId: reset.user_id, email: user!.email };
  });
}
