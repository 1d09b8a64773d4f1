import { sql } from 'kysely';
import type { DbOrTrx } from '../../db/database.ts';
import type { StaffRole } from '../../domain/people.ts';

export async function findUserByEmail(db: DbOrTrx, email: string) {
  return db
    .selectFrom('app_user')
    .selectAll()
    .where('email', '=', email.trim().toLowerCase())
    .executeTakeFirst();
}

export async function findUserById(db: DbOrTrx, userId: string) {
  return db.selectFrom('app_user').selectAll().where('id', '=', userId).executeTakeFirst();
}

export async function createUser(
  db: DbOrTrx,
  user: { email: string; displayName: string; passwordHash: string | null },
): Promise<string> {
  const row = await db
    .insertInto('app_user')
    .values({
      email: user.email.trim().toLowerCase(),
      display_name: user.displayName,
      password_hash: user.passwordHash,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function setPassword(db: DbOrTrx, userId: string, passwordHash: string) {
  await db
    .updateTable('app_user')
    .set({ password_hash: passwordHash })
    .where('id', '=', userId)
    .execute();
}

export async function setSecondFactor(
  db: DbOrTrx,
  userId: string,
  method: 'totp' | 'email',
  totpSecret: string | null,
) {
  await db
    .updateTable('app_user')
    .set({ second_factor: method, totp_secret: totpSecret })
    .where('id', '=', userId)
    .execute();
}

export async function replaceRecoveryCodes(db: DbOrTrx, userId: string, codeHashes: string[]) {
  await db.deleteFrom('recovery_code').where('user_id', '=', userId).execute();
  await db
    .insertInto('recovery_code')
    .values(codeHashes.map((code_hash) => ({ user_id: userId, code_hash })))
    .execute();
}

/** Marks a recovery code used; true when it was there and unused. */
export async function useRecoveryCode(db: DbOrTrx, userId: string, codeHash: string) {
  const result = await db
    .updateTable('recovery_code')
    .set({ used_at: new Date() })
    .where('user_id', '=', userId)
    .where('code_hash', '=', codeHash)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function countUnusedRecoveryCodes(db: DbOrTrx, userId: string): Promise<number> {
  const row = await db
    .selectFrom('recovery_code')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

export async function recordSuccessfulSignIn(db: DbOrTrx, userId: string) {
  await db
    .updateTable('app_user')
    .set({ last_signed_in_at: new Date() })
    .where('id', '=', userId)
    .execute();
}

export async function findInvitationByTokenHash(db: DbOrTrx, tokenHash: string) {
  return db
    .selectFrom('invitation')
    .selectAll()
    .where('token_hash', '=', tokenHash)
    .executeTakeFirst();
}

/** Claims an invitation; false when another request used it first. */
export async function claimInvitation(db: DbOrTrx, invitationId: string): Promise<boolean> {
  const result = await db
    .updateTable('invitation')
    .set({ used_at: new Date() })
    .where('id', '=', invitationId)
    .where('used_at', 'is', null)
    .where('expires_at', '>', new Date())
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Adds a staff role from an invitation. An existing membership is left as it is: roles change
 * only through the admin pages, where the last-administrator rule and the audit apply.
 */
export async function addStaffMembership(
  db: DbOrTrx,
  userId: string,
  localAuthorityId: string,
  role: StaffRole,
) {
  await db
    .insertInto('staff_membership')
    .values({ user_id: userId, local_authority_id: localAuthorityId, role })
    .onConflict((oc) => oc.columns(['user_id', 'local_authority_id']).doNothing())
    .execute();
}

export async function spendAllPasswordResets(db: DbOrTrx, userId: string) {
  await db
    .updateTable('password_reset')
    .set({ used_at: new Date() })
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .execute();
}

export async function joinOrganisation(db: DbOrTrx, userId: string, organisationId: string) {
  await db
    .insertInto('organisation_membership')
    .values({ user_id: userId, organisation_id: organisationId })
    .onConflict((oc) =>
      oc.columns(['user_id', 'organisation_id']).where('ended_at', 'is', null).doNothing(),
    )
    .execute();
}

/**
 * The invited person joins the case: the participant row made when they were invited (which
 * advice requests may already name) gains its user; an invitation without one adds a row.
 */
export async function addCaseParticipantUser(
  db: DbOrTrx,
  invitation: { id: string; caseId: string; caseRole: string },
  userId: string,
) {
  const claimed = await db
    .updateTable('case_participant')
    .set({ user_id: userId, invitation_id: null })
    .where('invitation_id', '=', invitation.id)
    .where('ended_at', 'is', null)
    .executeTakeFirst();
  if (Number(claimed.numUpdatedRows) > 0) return;
  // An invitation withdrawn from the case (the participant ended) grants nothing.
  const ended = await db
    .selectFrom('case_participant')
    .select('id')
    .where('invitation_id', '=', invitation.id)
    .executeTakeFirst();
  if (ended) return;
  await db
    .insertInto('case_participant')
    .values({ case_id: invitation.caseId, user_id: userId, case_role: invitation.caseRole })
    .execute();
}

export async function insertPasswordReset(
  db: DbOrTrx,
  reset: { tokenHash: string; userId: string; expiresAt: Date },
) {
  await db
    .insertInto('password_reset')
    .values({ token_hash: reset.tokenHash, user_id: reset.userId, expires_at: reset.expiresAt })
    .execute();
}

export async function findUsablePasswordReset(db: DbOrTrx, tokenHash: string) {
  return db
    .selectFrom('password_reset')
    .select(['user_id', 'expires_at'])
    .where('token_hash', '=', tokenHash)
    .where('used_at', 'is', null)
    .where('expires_at', '>', new Date())
    .executeTakeFirst();
}

export async function claimPasswordReset(db: DbOrTrx, tokenHash: string): Promise<boolean> {
  const result = await db
    .updateTable('password_reset')
    .set({ used_at: new Date() })
    .where('token_hash', '=', tokenHash)
    .where('used_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function countPasswordResetsSince(db: DbOrTrx, userId: string, since: Date) {
  const row = await db
    .selectFrom('password_reset')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('user_id', '=', userId)
    .where('created_at', '>', since)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}
