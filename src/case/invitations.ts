import type { DbOrTrx } from '../db/database.ts';
import { recordAudit, type AuditContext } from '../audit/audit.ts';
import type { StaffRole } from '../domain/people.ts';
import { newToken, sha256 } from '../web/secrets.ts';

/** How long an invitation link works. */
export const INVITATION_DAYS = 14;

export type NewInvitation = InvitationGrant & { email: string };

/** Creates a single-use invitation link valid for 14 days; returns the link's token. */
export async function createInvitation(
  db: DbOrTrx,
  invitation: NewInvitation,
  context: AuditContext,
): Promise<{ id: string; token: string; expiresAt: Date }> {
  const token = newToken();
  const expiresAt = new Date(Date.now() + INVITATION_DAYS * 24 * 60 * 60_000);
  const id = await insertInvitation(db, {
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
export async function invitationMessage(
  db: DbOrTrx,
  baseUrl: string,
  invitation: { token: string; email: string },
  invitedTo: string,
) {
  const account = await db
    .selectFrom('app_user')
    .select('id')
    .where('email', '=', invitation.email.trim().toLowerCase())
    .executeTakeFirst();
  return {
    invitedTo,
    link: invitationLink(baseUrl, invitation.token),
    days: INVITATION_DAYS,
    hasAccount: Boolean(account),
  };
}

export type InvitationGrant = {
  localAuthorityId?: string | null;
  staffRole?: StaffRole | null;
  organisationId?: string | null;
  caseId?: string | null;
  caseRole?: string | null;
};

async function insertInvitation(
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
