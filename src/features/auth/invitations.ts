import type { Db, DbOrTrx } from '../../db/database.ts';
import { recordAudit, type AuditContext } from '../../audit/audit.ts';
import type { StaffRole } from '../../domain/people.ts';
import { hashPassword, sha256 } from '../../web/secrets.ts';
import * as repo from './repository.ts';

/** Accepting an invitation (case/invitations.ts sends them): registering, or joining with an account. */
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
