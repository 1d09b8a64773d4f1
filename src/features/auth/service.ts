import type { Db, DbOrTrx } from '../../db/database.ts';
import { recordAudit, type AuditContext } from '../../audit/audit.ts';
import type { StaffRole } from '../../domain/people.ts';
import type { Mailer } from '../notifications/mailer.ts';
import * as repo from './repository.ts';
import {
  checkTotp,
  hashPassword,
  newEmailCode,
  newRecoveryCodes,
  newToken,
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
export const INVITATION_DAYS = 14;
export const PASSWORD_RESET_MINUTES = 60;

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
  if (user.locked_until && user.locked_until.getTime() > Date.now()) {
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

async function lockAfterFailure(db: Db, userId: string, context: AuditContext) {
  const lockUntil = new Date(Date.now() + SIGN_IN_LIMITS.lockMinutes * 60_000);
  const result = await repo.recordFailedSignIn(
    db,
    userId,
    SIGN_IN_LIMITS.failuresBeforeLock,
    lockUntil,
  );
  if (result.locked) {
    await recordAudit(db, context, {
      action: 'account locked after failed sign-ins',
      subjectType: 'user',
      subjectId: userId,
    });
  }
  return result;
}

/** Emails a one-time code; returns it so demo mode can show it on screen. */
export async function sendEmailCode(
  db: Db,
  mailer: Mailer,
  userId: string,
): Promise<{ code: string; hash: string; expiresAt: number }> {
  const user = await repo.findUserById(db, userId);
  if (!user) throw new Error('No such user');
  const code = newEmailCode();
  await mailer.send({
    to: user.email,
    subject: 'Your Pathway security code',
    text: [
      `Your security code is ${code}`,
      '',
      `Enter it on the Pathway sign-in page within ${SIGN_IN_LIMITS.emailCodeMinutes} minutes.`,
      '',
      'If you did not try to sign in, someone may know your password. Change it now by using "Forgot your password?" on the sign-in page.',
    ].join('\n'),
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
  if (await repo.useRecoveryCode(db, userId, sha256(normaliseRecoveryCode(code)))) {
    await recordAudit(db, context, {
      action: 'recovery code used',
      subjectType: 'user',
      subjectId: userId,
    });
    return 'accepted';
  }
  const { locked } = await lockAfterFailure(db, userId, context);
  return locked ? 'locked' : 'wrong';
}

/** Both factors accepted: the user is signed in. */
export async function completeSignIn(db: Db, userId: string, context: AuditContext) {
  await repo.recordSuccessfulSignIn(db, userId);
  await recordAudit(
    db,
    { ...context, actorUserId: userId },
    {
      action: 'signed in',
      subjectType: 'session',
      subjectId: userId,
    },
  );
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

export type NewInvitation = repo.InvitationGrant & { email: string };

/** Creates a single-use invitation link valid for 14 days; returns the link's token. */
export async function createInvitation(
  db: DbOrTrx,
  invitation: NewInvitation,
  context: AuditContext,
): Promise<{ token: string; expiresAt: Date }> {
  const token = newToken();
  const expiresAt = new Date(Date.now() + INVITATION_DAYS * 24 * 60 * 60_000);
  const id = await repo.insertInvitation(db, {
    ...invitation,
    tokenHash: sha256(token),
    invitedBy: context.actorUserId,
    expiresAt,
  });
  await recordAudit(db, context, {
    action: 'invitation sent',
    subjectType: 'invitation',
    subjectId: id,
    localAuthorityId: invitation.localAuthorityId ?? null,
    details: { staffRole: invitation.staffRole ?? null, caseRole: invitation.caseRole ?? null },
  });
  return { token, expiresAt };
}

export function invitationEmail(baseUrl: string, token: string, invitedTo: string) {
  return {
    subject: 'You have been invited to Pathway',
    text: [
      `You have been invited to join ${invitedTo} on Pathway, the service for education, health and care (EHC) needs assessments and plans.`,
      '',
      'To create your account, open this link:',
      `${baseUrl}/register/${token}`,
      '',
      `The link works once and expires in ${INVITATION_DAYS} days.`,
      '',
      'If you were not expecting this email, you can ignore it.',
    ].join('\n'),
  };
}

export type UsableInvitation = NonNullable<Awaited<ReturnType<typeof findUsableInvitation>>>;

export async function findUsableInvitation(db: DbOrTrx, token: string) {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
  const invitation = await repo.findInvitationByTokenHash(db, sha256(token));
  if (!invitation || invitation.used_at || invitation.expires_at.getTime() <= Date.now()) {
    return null;
  }
  return invitation;
}

/** Gives the user what the invitation grants, in the caller's transaction. */
async function applyGrant(trx: DbOrTrx, invitation: UsableInvitation, userId: string) {
  if (invitation.local_authority_id && invitation.staff_role) {
    await repo.upsertStaffMembership(
      trx,
      userId,
      invitation.local_authority_id,
      invitation.staff_role as StaffRole,
    );
  }
  if (invitation.organisation_id) {
    await repo.joinOrganisation(trx, userId, invitation.organisation_id);
  }
  if (invitation.case_id && invitation.case_role) {
    await repo.addCaseParticipantUser(trx, invitation.case_id, userId, invitation.case_role);
  }
}

export async function registerFromInvitation(
  db: Db,
  token: string,
  input: { displayName: string; password: string },
  context: AuditContext,
): Promise<
  { outcome: 'registered'; userId: string } | { outcome: 'unusable' } | { outcome: 'exists' }
> {
  const invitation = await findUsableInvitation(db, token);
  if (!invitation) return { outcome: 'unusable' };
  if (await repo.findUserByEmail(db, invitation.email)) return { outcome: 'exists' };
  const passwordHash = await hashPassword(input.password);
  return db.transaction().execute(async (trx) => {
    if (!(await repo.claimInvitation(trx, invitation.id))) return { outcome: 'unusable' as const };
    const userId = await repo.createUser(trx, {
      email: invitation.email,
      displayName: input.displayName,
      passwordHash,
    });
    await applyGrant(trx, invitation, userId);
    await recordAudit(
      trx,
      { ...context, actorUserId: userId },
      {
        action: 'registered from invitation',
        subjectType: 'user',
        subjectId: userId,
        localAuthorityId: invitation.local_authority_id,
      },
    );
    return { outcome: 'registered' as const, userId };
  });
}

/** An invitation for someone who already has an account, applied once they have signed in. */
export async function acceptInvitationAsExistingUser(
  db: Db,
  token: string,
  userId: string,
  context: AuditContext,
): Promise<'accepted' | 'unusable' | 'wrong-account'> {
  const invitation = await findUsableInvitation(db, token);
  if (!invitation) return 'unusable';
  const user = await repo.findUserById(db, userId);
  if (!user || user.email !== invitation.email) return 'wrong-account';
  return db.transaction().execute(async (trx) => {
    if (!(await repo.claimInvitation(trx, invitation.id))) return 'unusable' as const;
    await applyGrant(trx, invitation, userId);
    await recordAudit(trx, context, {
      action: 'invitation accepted',
      subjectType: 'invitation',
      subjectId: invitation.id,
      localAuthorityId: invitation.local_authority_id,
    });
    return 'accepted' as const;
  });
}

/** Sends a reset link when the account exists; says nothing either way, so emails cannot be probed. */
export async function requestPasswordReset(
  db: Db,
  mailer: Mailer,
  baseUrl: string,
  email: string,
  context: AuditContext,
): Promise<void> {
  const user = await repo.findUserByEmail(db, email);
  if (!user || user.disabled_at || !user.password_hash) return;
  const since = new Date(Date.now() - 60 * 60_000);
  if (
    (await repo.countPasswordResetsSince(db, user.id, since)) >=
    SIGN_IN_LIMITS.passwordResetsPerHour
  ) {
    return;
  }
  const token = newToken();
  await repo.insertPasswordReset(db, {
    tokenHash: sha256(token),
    userId: user.id,
    expiresAt: new Date(Date.now() + PASSWORD_RESET_MINUTES * 60_000),
  });
  await recordAudit(db, context, {
    action: 'password reset requested',
    subjectType: 'user',
    subjectId: user.id,
  });
  await mailer.send({
    to: user.email,
    subject: 'Reset your Pathway password',
    text: [
      'Someone asked to reset the password for your Pathway account.',
      '',
      'To choose a new password, open this link:',
      `${baseUrl}/reset-password/${token}`,
      '',
      `The link works once and expires in ${PASSWORD_RESET_MINUTES} minutes.`,
      '',
      'If you did not ask for this, you can ignore this email: your password has not changed.',
    ].join('\n'),
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
): Promise<{ userId: string } | null> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
  const tokenHash = sha256(token);
  const reset = await repo.findUsablePasswordReset(db, tokenHash);
  if (!reset) return null;
  const passwordHash = await hashPassword(password);
  return db.transaction().execute(async (trx) => {
    if (!(await repo.claimPasswordReset(trx, tokenHash))) return null;
    await repo.setPassword(trx, reset.user_id, passwordHash);
    await trx.deleteFrom('user_session').where('user_id', '=', reset.user_id).execute();
    await recordAudit(
      trx,
      { ...context, actorUserId: reset.user_id },
      {
        action: 'password reset',
        subjectType: 'user',
        subjectId: reset.user_id,
      },
    );
    return { userId: reset.user_id };
  });
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
