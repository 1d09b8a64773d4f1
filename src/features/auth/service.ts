import type { Db } from '../../db/database.ts';
import { recordAudit, type AuditContext } from '../../audit/audit.ts';
import type { JobQueue } from '../../jobs/queue.ts';
import { queueEmail } from '../notifications/email-queue.ts';
import * as repo from './repository.ts';
import {
  checkTotp,
  newEmailCode,
  newRecoveryCodes,
  normaliseRecoveryCode,
  safeEqual,
  sha256,
  verifyDecoyPassword,
  verifyPassword,
} from './secrets.ts';

/** Limits on guessing, kept together so they are easy to review. */
export const SIGN_IN_LIMITS = {
  /** Wrong passwords or codes in a row before an account is locked. */
  failuresBeforeLock: 5,
  lockMinutes: 15,
  /** Failed attempts from one address in the window before it must wait. */
  failuresPerAddress: 20,
  addressWindowMinutes: 15,
  emailCodeMinutes: 10,
  emailCodesPerSignIn: 5,
  /** Reset emails per account per hour, so the form cannot flood an inbox. */
  passwordResetsPerHour: 3,
};

export type PasswordSignIn =
  | { outcome: 'accepted'; userId: string; secondFactor: 'totp' | 'email' | null }
  | { outcome: 'wrong' }
  | { outcome: 'locked' }
  | { outcome: 'too-many-attempts' };

export async function signInWithPassword(
  db: Db,
  input: { email: string; password: string },
  context: AuditContext,
): Promise<PasswordSignIn> {
  const email = input.email.trim().toLowerCase();
  const ipAddress = context.ipAddress ?? 'unknown';
  const since = new Date(Date.now() - SIGN_IN_LIMITS.addressWindowMinutes * 60_000);
  if (
    (await repo.countFailedAttemptsFromAddress(db, ipAddress, since)) >=
    SIGN_IN_LIMITS.failuresPerAddress
  ) {
    return { outcome: 'too-many-attempts' };
  }
  const user = await repo.findUserByEmail(db, email);
  const emailHash = sha256(email);
  if (!user || !user.password_hash || user.disabled_at) {
    await verifyDecoyPassword(input.password);
    await repo.recordSignInAttempt(db, { ipAddress, emailHash, succeeded: false });
    return { outcome: 'wrong' };
  }
  if (isLocked(user)) {
    // Check the password anyway, so a locked account answers no faster than any other.
    await verifyPassword(user.password_hash, input.password);
    await repo.recordSignInAttempt(db, { ipAddress, emailHash, succeeded: false });
    return { outcome: 'locked' };
  }
  if (!(await verifyPassword(user.password_hash, input.password))) {
    await repo.recordSignInAttempt(db, { ipAddress, emailHash, succeeded: false });
    const { locked } = await lockAfterFailure(db, user.id, context);
    return { outcome: locked ? 'locked' : 'wrong' };
  }
  await repo.recordSignInAttempt(db, { ipAddress, emailHash, succeeded: true });
  return {
    outcome: 'accepted',
    userId: user.id,
    secondFactor: user.second_factor as 'totp' | 'email' | null,
  };
}

/**
 * Counts a wrong password or code. At the threshold the account is locked and every session of
 * the user ends, so guesses cannot continue in sessions opened before the lock.
 */
async function lockAfterFailure(db: Db, userId: string, context: AuditContext) {
  const lockUntil = new Date(Date.now() + SIGN_IN_LIMITS.lockMinutes * 60_000);
  return db.transaction().execute(async (trx) => {
    const result = await repo.recordFailedSignIn(
      trx,
      userId,
      SIGN_IN_LIMITS.failuresBeforeLock,
      lockUntil,
    );
    if (result.locked) {
      await trx.deleteFrom('user_session').where('user_id', '=', userId).execute();
      await recordAudit(trx, context, {
        action: 'account locked after failed sign-ins',
        subjectType: 'user',
        subjectId: userId,
      });
    }
    return result;
  });
}

function isLocked(user: { locked_until: Date | null }): boolean {
  return Boolean(user.locked_until && user.locked_until.getTime() > Date.now());
}

/** Emails a one-time code; returns it so demo mode can show it on screen. */
export async function sendEmailCode(
  db: Db,
  jobs: JobQueue,
  userId: string,
): Promise<{ code: string; hash: string; expiresAt: number }> {
  const user = await repo.findUserById(db, userId);
  if (!user) throw new Error('No such user');
  const code = newEmailCode();
  await queueEmail(db, jobs, {
    kind: 'security-code',
    to: user.email,
    userId: user.id,
    data: { code, minutes: SIGN_IN_LIMITS.emailCodeMinutes },
  });
  return {
    code,
    hash: sha256(code),
    expiresAt: Date.now() + SIGN_IN_LIMITS.emailCodeMinutes * 60_000,
  };
}

export type CodeCheck = 'accepted' | 'wrong' | 'expired' | 'locked';

export async function checkSecondFactor(
  db: Db,
  userId: string,
  code: string,
  emailCode: { hash: string; expiresAt: number } | undefined,
  context: AuditContext,
): Promise<CodeCheck> {
  const user = await repo.findUserById(db, userId);
  if (!user || user.disabled_at) return 'wrong';
  if (isLocked(user)) return 'locked';
  let accepted = false;
  if (user.second_factor === 'totp' && user.totp_secret) {
    accepted = checkTotp(user.totp_secret, code);
  } else if (emailCode) {
    if (emailCode.expiresAt < Date.now()) return 'expired';
    accepted = safeEqual(sha256(code), emailCode.hash);
  }
  if (accepted) return 'accepted';
  const { locked } = await lockAfterFailure(db, userId, context);
  return locked ? 'locked' : 'wrong';
}

export async function checkRecoveryCode(
  db: Db,
  userId: string,
  code: string,
  context: AuditContext,
): Promise<'accepted' | 'wrong' | 'locked'> {
  const user = await repo.findUserById(db, userId);
  if (!user || user.disabled_at) return 'wrong';
  if (isLocked(user)) return 'locked';
  const used = await db.transaction().execute(async (trx) => {
    if (!(await repo.useRecoveryCode(trx, userId, sha256(normaliseRecoveryCode(code))))) {
      return false;
    }
    await recordAudit(trx, context, {
      action: 'recovery code used',
      subjectType: 'user',
      subjectId: userId,
    });
    return true;
  });
  if (used) return 'accepted';
  const { locked } = await lockAfterFailure(db, userId, context);
  return locked ? 'locked' : 'wrong';
}

/** Both factors accepted: the user is signed in. */
export async function completeSignIn(db: Db, userId: string, context: AuditContext) {
  await db.transaction().execute(async (trx) => {
    await repo.recordSuccessfulSignIn(trx, userId);
    await recordAudit(
      trx,
      { ...context, actorUserId: userId },
      {
        action: 'signed in',
        subjectType: 'session',
        subjectId: userId,
      },
    );
  });
}

/** Saves the chosen second factor and makes a fresh set of recovery codes, shown once. */
export async function setUpSecondFactor(
  db: Db,
  userId: string,
  method: 'totp' | 'email',
  totpSecret: string | null,
  context: AuditContext,
): Promise<string[]> {
  const codes = newRecoveryCodes();
  await db.transaction().execute(async (trx) => {
    await repo.setSecondFactor(trx, userId, method, totpSecret);
    await repo.replaceRecoveryCodes(
      trx,
      userId,
      codes.map((c) => sha256(c)),
    );
    await recordAudit(
      trx,
      { ...context, actorUserId: userId },
      {
        action: `second factor set up (${method === 'totp' ? 'authenticator app' : 'email'})`,
        subjectType: 'user',
        subjectId: userId,
      },
    );
  });
  return codes;
}

export async function regenerateRecoveryCodes(
  db: Db,
  userId: string,
  context: AuditContext,
): Promise<string[]> {
  const codes = newRecoveryCodes();
  await db.transaction().execute(async (trx) => {
    await repo.replaceRecoveryCodes(
      trx,
      userId,
      codes.map((c) => sha256(c)),
    );
    await recordAudit(trx, context, {
      action: 'recovery codes replaced',
      subjectType: 'user',
      subjectId: userId,
    });
  });
  return codes;
}

export async function accountSummary(db: Db, userId: string) {
  const user = await repo.findUserById(db, userId);
  if (!user) return null;
  return {
    email: user.email,
    displayName: user.display_name,
    secondFactor: user.second_factor,
    unusedRecoveryCodes: await repo.countUnusedRecoveryCodes(db, userId),
  };
}

export async function accountSummaryByEmail(db: Db, email: string) {
  const user = await repo.findUserByEmail(db, email);
  return user ? { userId: user.id } : null;
}

export async function recordSignOut(db: Db, context: AuditContext) {
  await recordAudit(db, context, {
    action: 'signed out',
    subjectType: 'session',
    subjectId: context.actorUserId,
  });
}
