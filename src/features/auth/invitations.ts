import type { Db, DbOrTrx } from '../../db/database.ts';
import { recordAudit, type AuditContext } from '../../audit/audit.ts';
import type { StaffRole } from '../../domain/people.ts';
import * as repo from './repository.ts';
import { hashPassword, newToken, sha256 } from './secrets.ts';

/** How long an invitation link works. */
export const INVITATION_DAYS = 14;

export type NewInvitation = repo.InvitationGrant & { email: string };

/** Creates a single-use invitation link valid for 14 days; returns the link's token. */
export async function createInvitation(
  db: DbOrTrx,
  invitation: NewInvitation,
  context: AuditContext,
): Promise<{ id: string; token: string; expiresAt: Date }> {
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
  return { id, token, expiresAt };
}

/** Where an invitation's link leads: registering, or accepting with an existing account. */
export function invitationLink(baseUrl: string, token: string): string {
  return `${baseUrl}/register/${token}`;
}

/** What an invitation email says, for the message templates. */
export function invitationMessage(baseUrl: string, token: string, invitedTo: string) {
  return { invitedTo, link: invitationLink(baseUrl, token), days: INVITATION_DAYS };
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
    await repo.addStaffMembership(
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
    await repo.addCaseParticipantUser(
      trx,
      { id: invitation.id, caseId: invitation.case_id, caseRole: invitation.case_role },
      userId,
    );
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
  const registering = db.transaction().execute(async (trx) => {
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
  try {
    return await registering;
  } catch (error) {
    // Two registrations with the same email at once: the unique index decides, the loser is told.
    if ((error as { code?: string }).code === '23505') return { outcome: 'exists' };
    throw error;
  }
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
