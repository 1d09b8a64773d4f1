import { jsonArrayFrom } from 'kysely/helpers/postgres';
import { sql, type ExpressionBuilder } from 'kysely';
import type { Database } from '../../db/schema.ts';
import type { DbOrTrx } from '../../db/database.ts';
import type { StaffRole } from '../../domain/people.ts';
import type { Actor } from '../../policy/policy.ts';

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

/**
 * The columns that make an actor, for a query that has `app_user` in scope: their LA roles,
 * their organisations and their unread notifications as sub-selects, so it costs no extra trip.
 */
export function actorColumns(eb: ExpressionBuilder<Database, 'app_user'>) {
  return [
    jsonArrayFrom(
      eb
        .selectFrom('staff_membership')
        .innerJoin('local_authority', 'local_authority.id', 'staff_membership.local_authority_id')
        .select([
          'staff_membership.local_authority_id',
          'local_authority.name',
          'staff_membership.role',
        ])
        .whereRef('staff_membership.user_id', '=', 'app_user.id')
        .orderBy('local_authority.name'),
    ).as('staff'),
    jsonArrayFrom(
      eb
        .selectFrom('organisation_membership')
        .select('organisation_membership.organisation_id')
        .whereRef('organisation_membership.user_id', '=', 'app_user.id')
        .where('organisation_membership.ended_at', 'is', null),
    ).as('organisations'),
    eb
      .selectFrom('notification')
      .select((inner) => inner.fn.countAll<string>().as('count'))
      .whereRef('notification.user_id', '=', 'app_user.id')
      .where('notification.read_at', 'is', null)
      .as('unread'),
  ] as const;
}

export type ActorWithUnread = { actor: Actor; unreadNotifications: number };

export function actorFrom(row: {
  id: string | null;
  display_name: string | null;
  email: string | null;
  disabled_at: Date | null;
  staff: { local_authority_id: string; name: string; role: string }[];
  organisations: { organisation_id: string }[];
  unread: string | number | null;
}): ActorWithUnread | null {
  if (!row.id || row.disabled_at) return null;
  return {
    actor: {
      userId: row.id,
      displayName: row.display_name!,
      email: row.email!,
      staff: row.staff.map((s) => ({
        localAuthorityId: s.local_authority_id,
        localAuthorityName: s.name,
        role: s.role as StaffRole,
      })),
      organisationIds: row.organisations.map((o) => o.organisation_id),
    },
    unreadNotifications: Number(row.unread ?? 0),
  };
}

/** The signed-in person with what they belong to (the input to every policy decision), in one query. */
export async function loadActorWithUnread(
  db: DbOrTrx,
  userId: string,
): Promise<ActorWithUnread | null> {
  const row = await db
    .selectFrom('app_user')
    .select(['app_user.id', 'app_user.display_name', 'app_user.email', 'app_user.disabled_at'])
    .select((eb) => actorColumns(eb))
    .where('app_user.id', '=', userId)
    .executeTakeFirst();
  return row ? actorFrom(row) : null;
}

export async function loadActor(db: DbOrTrx, userId: string): Promise<Actor | null> {
  return (await loadActorWithUnread(db, userId))?.actor ?? null;
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

export type InvitationGrant = {
  localAuthorityId?: string | null;
  staffRole?: StaffRole | null;
  organisationId?: string | null;
  caseId?: string | null;
  caseRole?: string | null;
};

export async function insertInvitation(
  db: DbOrTrx,
  invitation: InvitationGrant & {
    tokenHash: string;
    email: string;
    invitedBy: string | null;
    expiresAt: Date;
  },
): Promise<string> {
  const row = await db
    .insertInto('invitation')
    .values({
      token_hash: invitation.tokenHash,
      email: invitation.email.trim().toLowerCase(),
      invited_by: invitation.invitedBy,
      local_authority_id: invitation.localAuthorityId ?? null,
      staff_role: invitation.staffRole ?? null,
      organisation_id: invitation.organisationId ?? null,
      case_id: invitation.caseId ?? null,
      case_role: invitation.caseRole ?? null,
      expires_at: invitation.expiresAt,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
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

/** Withdraws a person's unused staff invitations to an LA (on removal or a change of role). */
export async function withdrawStaffInvitations(
  db: DbOrTrx,
  localAuthorityId: string,
  userId: string,
) {
  await db
    .updateTable('invitation')
    .set({ expires_at: new Date() })
    .where('local_authority_id', '=', localAuthorityId)
    .where('staff_role', 'is not', null)
    .where('used_at', 'is', null)
    .where('email', '=', (eb) => eb.selectFrom('app_user').select('email').where('id', '=', userId))
    .execute();
}

/** After a reset, the user's other reset links stop working too. */
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
