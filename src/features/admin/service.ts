import type { Db, DbOrTrx } from '../../db/database.ts';
import { listAuditForAuthority, recordAudit, type AuditContext } from '../../audit/audit.ts';
import { type OrganisationKind, type SettingPhase, type StaffRole } from '../../domain/people.ts';
import type { JobQueue } from '../../jobs/queue.ts';
import { listFailedEmails, queueEmail, retryFailedEmail } from '../../case/email/email-queue.ts';
import { queueTestMessages } from '../../case/email/test-messages.ts';
import {
  createInvitation,
  invitationMessage,
  withdrawStaffInvitations,
} from '../../case/invitations.ts';
import * as repo from './repository.ts';

/** What an LA administrator does: manage the LA's staff, organisations and their members. */

/** The LA an administrator is acting for. */
export type AdminScope = { localAuthorityId: string; localAuthorityName: string };
/** What sending an invitation email needs. */
export type InvitationSender = { jobs: JobQueue; baseUrl: string };

/** Enough for an administrator's list; larger LAs search rather than page (see the issue tracker). */
export const ORGANISATION_LIST_LIMIT = 500;

export async function staffOverview(db: DbOrTrx, localAuthorityId: string) {
  const [staff, invitations] = await Promise.all([
    repo.listStaff(db, localAuthorityId),
    repo.listPendingStaffInvitations(db, localAuthorityId),
  ]);
  return {
    staff: staff.map((s) => ({
      userId: s.id,
      name: s.display_name,
      email: s.email,
      role: s.role as StaffRole,
      lastSignedInAt: s.last_signed_in_at,
      disabled: Boolean(s.disabled_at),
    })),
    pendingInvitations: invitations.map((i) => ({
      email: i.email,
      role: i.staff_role,
      expiresAt: i.expires_at,
    })),
  };
}

export async function staffMember(db: DbOrTrx, localAuthorityId: string, userId: string) {
  const member = await repo.findStaffMember(db, localAuthorityId, userId);
  if (!member) return null;
  return {
    userId: member.id,
    name: member.display_name,
    email: member.email,
    role: member.role as StaffRole,
    lastSignedInAt: member.last_signed_in_at,
    staffSince: member.created_at,
    disabled: Boolean(member.disabled_at),
  };
}

export type StaffInvitationOutcome =
  { outcome: 'invited'; email: string } | { outcome: 'already-staff' };

/** Invites someone to join the LA's staff; the email goes only once the invitation is saved. */
export async function inviteStaff(
  db: Db,
  sender: InvitationSender,
  scope: AdminScope,
  input: { email: string; role: StaffRole },
  context: AuditContext,
): Promise<StaffInvitationOutcome> {
  const email = input.email.trim().toLowerCase();
  const created = await db.transaction().execute(async (trx) => {
    if (await repo.isStaffEmail(trx, scope.localAuthorityId, email)) return null;
    const invitation = await createInvitation(
      trx,
      { email, localAuthorityId: scope.localAuthorityId, staffRole: input.role },
      context,
    );
    await queueEmail(trx, sender.jobs, {
      kind: 'invitation',
      to: email,
      localAuthorityId: scope.localAuthorityId,
      data: await invitationMessage(
        trx,
        sender.baseUrl,
        { token: invitation.token, email },
        scope.localAuthorityName,
      ),
    });
    return invitation;
  });
  if (!created) return { outcome: 'already-staff' };
  return { outcome: 'invited', email };
}

export type RoleChangeOutcome = 'changed' | 'unchanged' | 'own-role' | 'last-admin' | 'not-found';

export async function changeStaffRole(
  db: Db,
  localAuthorityId: string,
  userId: string,
  role: StaffRole,
  context: AuditContext,
): Promise<RoleChangeOutcome> {
  if (userId === context.actorUserId) return 'own-role';
  return db.transaction().execute(async (trx) => {
    // One administrator change at a time per LA, so two cannot demote each other at once.
    await repo.lockLocalAuthority(trx, localAuthorityId);
    const member = await repo.findStaffMember(trx, localAuthorityId, userId);
    if (!member) return 'not-found' as const;
    if (member.role === role) return 'unchanged' as const;
    if (member.role === 'admin' && (await repo.countAdministrators(trx, localAuthorityId)) <= 1) {
      return 'last-admin' as const;
    }
    await repo.setStaffRole(trx, localAuthorityId, userId, role);
    await withdrawStaffInvitations(trx, localAuthorityId, userId);
    await recordAudit(trx, context, {
      action: 'staff role changed',
      subjectType: 'user',
      subjectId: userId,
      localAuthorityId,
      details: { from: member.role, to: role },
    });
    return 'changed' as const;
  });
}

export type RemovalOutcome = 'removed' | 'self' | 'last-admin' | 'not-found';

/**
 * Takes someone off the LA's staff. Their account stays (they may belong elsewhere); their access
 * to this LA ends at their next request, because who someone is gets loaded on every request.
 */
export async function removeStaffMember(
  db: Db,
  localAuthorityId: string,
  userId: string,
  context: AuditContext,
): Promise<RemovalOutcome> {
  if (userId === context.actorUserId) return 'self';
  return db.transaction().execute(async (trx) => {
    await repo.lockLocalAuthority(trx, localAuthorityId);
    const member = await repo.findStaffMember(trx, localAuthorityId, userId);
    if (!member) return 'not-found' as const;
    if (member.role === 'admin' && (await repo.countAdministrators(trx, localAuthorityId)) <= 1) {
      return 'last-admin' as const;
    }
    await repo.deleteStaffMembership(trx, localAuthorityId, userId);
    await withdrawStaffInvitations(trx, localAuthorityId, userId);
    await recordAudit(trx, context, {
      action: 'removed from staff',
      subjectType: 'user',
      subjectId: userId,
      localAuthorityId,
      details: { role: member.role },
    });
    return 'removed' as const;
  });
}

export async function organisationList(db: DbOrTrx, localAuthorityId: string) {
  const rows = await repo.listOrganisations(db, localAuthorityId, ORGANISATION_LIST_LIMIT);
  return rows.map((o) => ({
    organisationId: o.id,
    name: o.name,
    kind: o.kind,
    urn: o.urn,
    ukprn: o.ukprn,
    phase: o.phase,
    currentMembers: Number(o.member_count ?? 0),
  }));
}

export async function organisationDetails(
  db: DbOrTrx,
  localAuthorityId: string,
  organisationId: string,
) {
  const organisation = await repo.findOrganisation(db, localAuthorityId, organisationId);
  if (!organisation) return null;
  const [members, invitations] = await Promise.all([
    repo.listCurrentMembers(db, organisationId),
    repo.listPendingOrganisationInvitations(db, organisationId),
  ]);
  return {
    organisation: {
      organisationId: organisation.id,
      name: organisation.name,
      kind: organisation.kind,
      urn: organisation.urn,
      ukprn: organisation.ukprn,
      phase: organisation.phase,
      addedAt: organisation.created_at,
    },
    members: members.map((m) => ({
      membershipId: m.id,
      userId: m.user_id,
      name: m.display_name,
      email: m.email,
      jobTitle: m.job_title,
      joinedAt: m.created_at,
    })),
    pendingInvitations: invitations.map((i) => ({ email: i.email, expiresAt: i.expires_at })),
  };
}

export type NewOrganisation = {
  name: string;
  kind: OrganisationKind;
  urn: string | null;
  ukprn: string | null;
  phase: SettingPhase | null;
};

export type AddOrganisationOutcome =
  | { outcome: 'added'; organisationId: string }
  | { outcome: 'duplicate-urn' }
  | { outcome: 'duplicate-ukprn' };

export async function addOrganisation(
  db: Db,
  localAuthorityId: string,
  input: NewOrganisation,
  context: AuditContext,
): Promise<AddOrganisationOutcome> {
  // A phase describes an education setting only.
  const phase = input.kind === 'education_setting' ? input.phase : null;
  try {
    return await db.transaction().execute(async (trx) => {
      if (input.urn && (await repo.organisationWithUrnExists(trx, input.urn))) {
        return { outcome: 'duplicate-urn' as const };
      }
      if (input.ukprn && (await repo.organisationWithUkprnExists(trx, input.ukprn))) {
        return { outcome: 'duplicate-ukprn' as const };
      }
      const organisationId = await repo.insertOrganisation(trx, {
        localAuthorityId,
        name: input.name,
        kind: input.kind,
        urn: input.urn,
        ukprn: input.ukprn,
        phase,
      });
      await recordAudit(trx, context, {
        action: 'organisation added',
        subjectType: 'organisation',
        subjectId: organisationId,
        localAuthorityId,
        details: { kind: input.kind },
      });
      return { outcome: 'added' as const, organisationId };
    });
  } catch (error) {
    // Another request added the same URN or UKPRN between our check and our insert.
    const duplicate = duplicatedIdentifier(error);
    if (duplicate) return { outcome: duplicate };
    throw error;
  }
}

function duplicatedIdentifier(error: unknown): 'duplicate-urn' | 'duplicate-ukprn' | null {
  const { code, constraint, detail, message } = (error ?? {}) as Record<string, unknown>;
  if (code !== '23505') return null;
  const where = [constraint, detail, message].filter((v) => typeof v === 'string').join(' ');
  if (where.includes('ukprn')) return 'duplicate-ukprn';
  if (where.includes('urn')) return 'duplicate-urn';
  return null;
}

export type OrganisationInvitationOutcome =
  { outcome: 'invited'; email: string } | { outcome: 'already-member' } | { outcome: 'not-found' };

export async function inviteToOrganisation(
  db: Db,
  sender: InvitationSender,
  localAuthorityId: string,
  organisationId: string,
  input: { email: string },
  context: AuditContext,
): Promise<OrganisationInvitationOutcome> {
  const email = input.email.trim().toLowerCase();
  const result = await db.transaction().execute(async (trx) => {
    const organisation = await repo.findOrganisation(trx, localAuthorityId, organisationId);
    if (!organisation) return { outcome: 'not-found' as const };
    if (await repo.isCurrentMemberEmail(trx, organisationId, email)) {
      return { outcome: 'already-member' as const };
    }
    const created = await createInvitation(
      trx,
      // The LA is recorded so the audit trail is filed under it; without a staff role it grants nothing.
      { email, organisationId, localAuthorityId },
      context,
    );
    await queueEmail(trx, sender.jobs, {
      kind: 'invitation',
      to: email,
      localAuthorityId,
      data: await invitationMessage(
        trx,
        sender.baseUrl,
        { token: created.token, email },
        organisation.name,
      ),
    });
    return { outcome: 'created' as const };
  });
  if (result.outcome !== 'created') return result;
  return { outcome: 'invited', email };
}

/**
 * Ends someone's membership of an organisation: from then on they no longer see the cases the
 * organisation takes part in (a SENCO who leaves a school), while the history stays.
 */
export async function endOrganisationMembership(
  db: Db,
  localAuthorityId: string,
  organisationId: string,
  membershipId: string,
  context: AuditContext,
): Promise<{ outcome: 'ended'; memberName: string } | { outcome: 'not-found' }> {
  return db.transaction().execute(async (trx) => {
    const organisation = await repo.findOrganisation(trx, localAuthorityId, organisationId);
    if (!organisation) return { outcome: 'not-found' as const };
    const member = await repo.findCurrentMembership(trx, organisationId, membershipId);
    if (!member) return { outcome: 'not-found' as const };
    const userId = await repo.endOrganisationMembership(trx, organisationId, membershipId);
    if (!userId) return { outcome: 'not-found' as const };
    await recordAudit(trx, context, {
      action: 'organisation membership ended',
      subjectType: 'organisation',
      subjectId: organisationId,
      localAuthorityId,
      details: { membershipId, userId },
    });
    return { outcome: 'ended' as const, memberName: member.display_name };
  });
}

/** The LA's messages that could not be sent, newest first. */
export function failedEmailsOf(db: Db, localAuthorityId: string) {
  return listFailedEmails(db, localAuthorityId);
}

/** Queues one of the LA's failed messages again; false when there is no such failed message. */
export function retryEmail(db: Db, jobs: JobQueue, localAuthorityId: string, emailId: string) {
  return retryFailedEmail(db, jobs, localAuthorityId, emailId);
}

/** Queues a test message to an address, filed under the LA. */
export function sendTestMessage(
  db: Db,
  jobs: JobQueue,
  input: { to: string; sentBy: string; localAuthorityId: string },
) {
  return queueTestMessages(db, jobs, { ...input, count: 1 });
}

/** A page of the LA's audit log, or only the refusals. */
export function auditLogOf(
  db: Db,
  localAuthorityId: string,
  page: { refusedOnly: boolean; limit: number; offset: number },
) {
  return listAuditForAuthority(db, localAuthorityId, page);
}
