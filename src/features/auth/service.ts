import type { Db } from '../../db/database.ts';
import { recordAudit, type AuditContext } from '../../audit/audit.ts';
import type { JobQueue } from '../../jobs/queue.ts';
import { queueEmail } from '../../case/email/email-queue.ts';
import type { RateLimits, ThrottlePolicy } from '../../db/rate-limits.ts';
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
} from '../../web/secrets.ts';

/**
 * Limits on guessing, kept together so they are easy to review.
 *
 * Accounts never lock. A lock after N wrong passwords let anyone who knew an email keep its owner
 * out and end their sessions (issue 14). Instead, following OWASP's authentication cheat sheet
 * and NCSC's password guidance (throttle rather than lock out), guesses are throttled: a few free
 * attempts, then each further attempt waits twice as long as the last, up to a cap, counted per
 * email (known or not, so the answers never say whether an account exists) and per address. The
 * owner is not kept out: a browser where they have signed in before carries a signed "trusted
 * browser" cookie (OWASP's "device cookie" pattern) and is throttled on its own count, not the
 * account's or the address's, so an attacker's guesses elsewhere cost them nothing; a new
 * browser waits at most `maxWaitSeconds`, and resetting the password (which proves the inbox)
 * clears the account's count and trusts that browser. Sessions are never ended by guesses.
 * Security and recovery codes, only reachable with the right password, are throttled per account
 * the same way.
 */
export const SIGN_IN_LIMITS = {
  /** Wrong passwords for one email, from browsers it has not signed in on. */
  account: { free: 5, firstWaitSeconds: 30, maxWaitSeconds: 15 * 60, forgetAfterSeconds: 86_400 },
  /** Wrong passwords from one address, for any email (offices and schools share addresses). */
  address: {
    free: 30,
    firstWaitSeconds: 30,
    maxWaitSeconds: 15 * 60,
    forgetAfterSeconds: 3_600,
  },
  /** Wrong passwords from one trusted browser. */
  trustedBrowser: {
    free: 5,
    firstWaitSeconds: 30,
    maxWaitSeconds: 15 * 60,
    forgetAfterSeconds: 86_400,
  },
  /** Wrong security or recovery codes for one account. */
  secondFactor: {
    free: 5,
    firstWaitSeconds: 30,
    maxWaitSeconds: 15 * 60,
    forgetAfterSeconds: 86_400,
  },
  emailCodeMinutes: 10,
  emailCodesPerSignIn: 5,
  /**
   * Security codes emailed to one account (not counting those before a completed sign-in), and
   * from one address, in an hour. A code is only sent after the right password, so the address
   * limit is high enough for an office signing in at 9.
   */
  emailCodesPerAccountPerHour: 20,
  emailCodesPerAddressPerHour: 300,
  /** Reset emails per account per hour, so the form cannot flood an inbox. */
  passwordResetsPerHour: 3,
  /** Reset links one address may ask for in an hour, whatever the emails. */
  resetRequestsPerAddressPerHour: 10,
  /** How long a browser stays trusted after a sign-in on it. */
  trustedBrowserDays: 180,
} satisfies Record<string, number | ThrottlePolicy>;

export type TooManyAttempts = { outcome: 'too-many-attempts'; waitSeconds: number };

export type PasswordSignIn =
  | { outcome: 'accepted'; userId: string; secondFactor: 'totp' | 'email' | null }
  | { outcome: 'wrong' }
  | TooManyAttempts;

/** The throttles an attempt to sign in counts against, most general first. */
function passwordThrottles(
  limits: RateLimits,
  email: string,
  ipAddress: string,
  trustedBrowser: string | null,
): { key: string; policy: ThrottlePolicy; onSuccess: 'forget' | 'uncount' }[] {
  if (trustedBrowser) {
    return [
      {
        key: limits.key('sign-in:trusted-browser', trustedBrowser),
        policy: SIGN_IN_LIMITS.trustedBrowser,
        onSuccess: 'forget',
      },
    ];
  }
  return [
    {
      key: limits.key('sign-in:address', ipAddress),
      policy: SIGN_IN_LIMITS.address,
      onSuccess: 'uncount',
    },
    {
      key: limits.key('sign-in:account', email),
      policy: SIGN_IN_LIMITS.account,
      onSuccess: 'forget',
    },
  ];
}

/**
 * The password step. Every email, known or not, goes through the same steps (the throttles, a
 * lookup, one argon2 verification against the account's hash or a decoy) and a wrong one gets
 * the same answer, so neither the answer nor its timing says whether an account exists.
 */
export async function signInWithPassword(
  db: Db,
  limits: RateLimits,
  input: { email: string; password: string; trustedBrowser: string | null },
  context: AuditContext,
): Promise<PasswordSignIn> {
  const email = input.email.trim().toLowerCase();
  const throttles = passwordThrottles(
    limits,
    email,
    context.ipAddress ?? 'unknown',
    input.trustedBrowser,
  );
  const taken: typeof throttles = [];
  for (const throttle of throttles) {
    const attempt = await limits.attempt(throttle.key, throttle.policy);
    if (!attempt.allowed) {
      // Not an attempt after all: the counts already taken give their place back.
      for (const done of taken) await limits.succeeded(done.key, 'uncount');
      return { outcome: 'too-many-attempts', waitSeconds: attempt.waitSeconds };
    }
    taken.push(throttle);
  }
  const user = await repo.findUserByEmail(db, email);
  if (!user || !user.password_hash || user.disabled_at) {
    await verifyDecoyPassword(input.password);
    return { outcome: 'wrong' };
  }
  if (!(await verifyPassword(user.password_hash, input.password))) return { outcome: 'wrong' };
  for (const throttle of throttles) await limits.succeeded(throttle.key, throttle.onSuccess);
  return {
    outcome: 'accepted',
    userId: user.id,
    secondFactor: user.second_factor as 'totp' | 'email' | null,
  };
}

/** After a password reset: guesses made before it no longer slow the owner. */
export async function forgetPasswordGuesses(limits: RateLimits, email: string): Promise<void> {
  await limits.succeeded(limits.key('sign-in:account', email.trim().toLowerCase()), 'forget');
}

function secondFactorThrottle(limits: RateLimits, userId: string) {
  return limits.key('sign-in:second-factor', userId);
}

/**
 * The owner got in: their wrong codes and their unused emailed codes stop counting (so someone
 * who signs in often is never short of codes, while someone with only the password is).
 */
async function secondFactorPassed(limits: RateLimits, userId: string) {
  await limits.succeeded(secondFactorThrottle(limits, userId), 'forget');
  await limits.succeeded(limits.key('security-code:account', userId), 'forget');
}

/**
 * Emails a one-time code; returns it so demo mode can show it on screen, or null when the account
 * or the address has had its share of codes this hour.
 */
export async function sendEmailCode(
  db: Db,
  jobs: JobQueue,
  limits: RateLimits,
  userId: string,
  ipAddress: string | null,
): Promise<{ code: string; hash: string; expiresAt: number } | null> {
  const user = await repo.findUserById(db, userId);
  if (!user) throw new Error('No such user');
  const hour = 3_600_000;
  const byAccount = await limits.hit(limits.key('security-code:account', userId), hour);
  const byAddress = await limits.hit(
    limits.key('security-code:address', ipAddress ?? 'unknown'),
    hour,
  );
  if (
    byAccount.count > SIGN_IN_LIMITS.emailCodesPerAccountPerHour ||
    byAddress.count > SIGN_IN_LIMITS.emailCodesPerAddressPerHour
  ) {
    return null;
  }
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

export type CodeCheck = { outcome: 'accepted' | 'wrong' | 'expired' } | TooManyAttempts;

export async function checkSecondFactor(
  db: Db,
  limits: RateLimits,
  userId: string,
  code: string,
  emailCode: { hash: string; expiresAt: number } | undefined,
): Promise<CodeCheck> {
  const user = await repo.findUserById(db, userId);
  if (!user || user.disabled_at) return { outcome: 'wrong' };
  const throttle = secondFactorThrottle(limits, userId);
  const attempt = await limits.attempt(throttle, SIGN_IN_LIMITS.secondFactor);
  if (!attempt.allowed) return { outcome: 'too-many-attempts', waitSeconds: attempt.waitSeconds };
  let accepted = false;
  if (user.second_factor === 'totp' && user.totp_secret) {
    accepted = checkTotp(user.totp_secret, code);
  } else if (emailCode) {
    if (emailCode.expiresAt < Date.now()) return { outcome: 'expired' };
    accepted = safeEqual(sha256(code), emailCode.hash);
  }
  if (!accepted) return { outcome: 'wrong' };
  await secondFactorPassed(limits, userId);
  return { outcome: 'accepted' };
}

export async function checkRecoveryCode(
  db: Db,
  limits: RateLimits,
  userId: string,
  code: string,
  context: AuditContext,
): Promise<CodeCheck> {
  const user = await repo.findUserById(db, userId);
  if (!user || user.disabled_at) return { outcome: 'wrong' };
  const throttle = secondFactorThrottle(limits, userId);
  const attempt = await limits.attempt(throttle, SIGN_IN_LIMITS.secondFactor);
  if (!attempt.allowed) return { outcome: 'too-many-attempts', waitSeconds: attempt.waitSeconds };
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
  if (!used) return { outcome: 'wrong' };
  await secondFactorPassed(limits, userId);
  return { outcome: 'accepted' };
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
