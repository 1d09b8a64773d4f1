import type { Db, DbOrTrx } from '../../db/database.ts';
import type { AuditContext } from '../../audit/audit.ts';
import { label } from '../../domain/labels.ts';
import { FAMILY_ROLES, type AdviserKind } from '../../domain/people.ts';
import type { CaseAudience } from '../../policy/policy.ts';
import { queueEmail } from '../../case/email/email-queue.ts';
import { createInvitation, invitationMessage } from '../../case/invitations.ts';
import type { Notifier } from '../../case/notify.ts';
import {
  listParticipants,
  localAuthorityNameOf,
  participantName,
} from '../../case/participants.ts';
import { lockCase, recordCaseRead, recordChange } from '../../case/record.ts';
import * as repo from './repository.ts';

/**
 * Who takes part in a case: seeing them, inviting and adding people and settings, ending
 * someone's part, and the family's suggestions of someone to add.
 */

type Context = AuditContext & { actorUserId: string };

/** The roles a caseworker invites people to a case with. */
export const INVITABLE_ROLES = [
  'parent_carer',
  'young_person',
  'setting',
  'adviser',
  'independent_supporter',
] as const;
export type InvitableRole = (typeof INVITABLE_ROLES)[number];

/** A participant's role in words, for the timeline and their notice. */
function roleLabel(p: { case_role: string; adviser_kind: string | null }): string {
  return p.adviser_kind ? label('adviserKind', p.adviser_kind) : label('caseRole', p.case_role);
}

/** Every page that shows a case's people writes who saw them to the audit log. */
async function auditRead(db: DbOrTrx, context: AuditContext, caseId: string, la: string) {
  await recordCaseRead(db, context, {
    caseId,
    localAuthorityId: la,
    action: 'viewed who is involved',
  });
}

/**
 * Who takes part in a case, for everyone on it: name and role, and whether they have joined
 * yet. The LA also sees who left and why (history stays), and the family's suggestions.
 */
export async function peopleOnCase(
  db: DbOrTrx,
  caseId: string,
  audience: CaseAudience,
  viewerUserId: string,
) {
  const rows = await listParticipants(db, caseId);
  const shown = rows.filter((p) => audience === 'la' || !p.ended_at);
  const suggestions =
    audience === 'professional'
      ? []
      : (await repo.listSuggestions(db, caseId)).filter(
          (s) => audience === 'la' || s.suggested_by === viewerUserId,
        );
  return {
    participants: shown.map((p) => ({
      id: p.id,
      name: participantName(p),
      isOrganisation: Boolean(p.organisation_id),
      caseRole: p.case_role,
      adviserKind: p.adviser_kind,
      status: p.ended_at ? 'ended' : p.invitation_id ? 'invited' : 'active',
      addedAt: p.added_at,
      endedAt: p.ended_at,
      endReason: audience === 'la' ? p.end_reason : null,
      isFamily: FAMILY_ROLES.includes(p.case_role),
    })),
    suggestions: suggestions.map((s) => ({
      id: s.id,
      name: s.name,
      roleDescription: s.role_description,
      reason: s.reason,
      status: s.status,
      suggestedBy: s.suggested_by_name,
      createdAt: s.created_at,
      decisionNote: s.decision_note,
    })),
  };
}

/**
 * The "who is involved" page: the case's reference and its people. With `audit`, the read is
 * recorded (a page re-shown with a form's errors is not read again).
 */
export async function peoplePage(
  db: DbOrTrx,
  caseId: string,
  audience: CaseAudience,
  viewerUserId: string,
  audit: AuditContext | null,
) {
  const summary = await repo.findCaseForDecision(db, caseId);
  if (!summary) return null;
  const people = await peopleOnCase(db, caseId, audience, viewerUserId);
  if (audit) await auditRead(db, audit, caseId, summary.local_authority_id);
  return { reference: summary.reference, ...people };
}

/** What the invitation form offers: the case's reference and its LA's settings. */
export async function inviteChoices(db: DbOrTrx, caseId: string) {
  const summary = await repo.findCaseForDecision(db, caseId);
  if (!summary) return null;
  const settings = await repo.settingsOfAuthority(db, summary.local_authority_id);
  return { reference: summary.reference, settings };
}

/** A current participant whose part may be ended, by name; reading it is audited. */
export async function participantToEnd(
  db: DbOrTrx,
  caseId: string,
  participantId: string,
  context: AuditContext & { localAuthorityId: string },
): Promise<{ name: string } | null> {
  const people = await listParticipants(db, caseId);
  const participant = people.find((p) => p.id === participantId && !p.ended_at);
  if (!participant) return null;
  await auditRead(db, context, caseId, context.localAuthorityId);
  return { name: participantName(participant) };
}

export type Invitee = {
  role: InvitableRole;
  adviserKind: AdviserKind | null;
  name: string;
  email: string | null;
  organisationId: string | null;
};

export type InviteOutcome =
  | { outcome: 'invited' | 'added'; name: string }
  | { outcome: 'already-on-case' | 'not-a-setting' | 'not-found' | 'account-disabled' };

/**
 * Adds someone to a case. A setting takes part as an organisation, so every SENCO there sees
 * the case. A person with an account is added at once and told; anyone else is invited by email
 * and joins when they register through the link (the participant row exists from now, so advice
 * can be asked of them straight away).
 */
export async function inviteToCase(
  db: Db,
  notifier: Notifier,
  caseId: string,
  invitee: Invitee,
  context: Context,
): Promise<InviteOutcome> {
  return db.transaction().execute(async (trx) => {
    const found = await lockCase(trx, caseId);
    if (!found) return { outcome: 'not-found' as const };
    const current = (await listParticipants(trx, caseId)).filter((p) => !p.ended_at);
    const path = `/cases/${caseId}`;
    const change = { caseId, localAuthorityId: found.local_authority_id };
    const added = (name: string, how: string) => ({
      kind: 'participant_added',
      summary: `${name} ${how} (${roleLabel({ case_role: invitee.role, adviser_kind: invitee.adviserKind })})`,
    });

    if (invitee.role === 'setting') {
      const settings = await repo.settingsOfAuthority(trx, found.local_authority_id);
      const setting = settings.find((s) => s.id === invitee.organisationId);
      if (!setting) return { outcome: 'not-a-setting' as const };
      if (current.some((p) => p.organisation_id === setting.id)) {
        return { outcome: 'already-on-case' as const };
      }
      await repo.insertParticipant(trx, {
        caseId,
        organisationId: setting.id,
        caseRole: 'setting',
        addedBy: context.actorUserId,
      });
      await recordChange(trx, notifier, context, {
        ...change,
        events: [added(setting.name, 'added to the case')],
        audit: {
          action: 'added a participant',
          details: { organisationId: setting.id, role: 'setting' },
        },
        notify: [
          {
            to: await repo.currentMembersOf(trx, setting.id),
            kind: 'case-update',
            title: `${found.reference}: your setting was added to the case`,
            body: 'Everyone at your setting who uses Pathway can now see it.',
            path,
            statutory: false,
            email: {
              reference: found.reference,
              what: 'your setting was added to the case',
              link: `${notifier.baseUrl}${path}`,
            },
          },
        ],
      });
      return { outcome: 'added' as const, name: setting.name };
    }

    const email = invitee.email!;
    const user = await repo.findUserByEmail(trx, email);
    if (user) {
      if (user.disabled_at) return { outcome: 'account-disabled' as const };
      if (current.some((p) => p.user_id === user.id)) {
        return { outcome: 'already-on-case' as const };
      }
      await repo.insertParticipant(trx, {
        caseId,
        userId: user.id,
        caseRole: invitee.role,
        adviserKind: invitee.adviserKind,
        addedBy: context.actorUserId,
      });
      await recordChange(trx, notifier, context, {
        ...change,
        events: [added(user.display_name, 'added to the case')],
        audit: { action: 'added a participant', details: { userId: user.id, role: invitee.role } },
        notify: [
          {
            to: [user.id],
            kind: 'case-update',
            title: `${found.reference}: you were added to the case`,
            body: `Your role: ${roleLabel({ case_role: invitee.role, adviser_kind: invitee.adviserKind })}.`,
            path,
            statutory: false,
            email: {
              reference: found.reference,
              what: 'you have been added to the case',
              link: `${notifier.baseUrl}${path}`,
            },
          },
        ],
      });
      // The person chosen, as the people page and the timeline name them: the account's name.
      return { outcome: 'added' as const, name: user.display_name };
    }

    const pending = await repo.findInvitedParticipant(trx, caseId, email);
    const stillOpen = pending && !pending.used_at && pending.expires_at.getTime() > Date.now();
    if (stillOpen) return { outcome: 'already-on-case' as const };
    const invitation = await createInvitation(
      trx,
      { email, caseId, caseRole: invitee.role },
      context,
    );
    const { token } = invitation;
    if (pending) {
      // Their invitation ran out: a new one on the same row, so advice already asked of them
      // reaches them when they register.
      await repo.reinviteParticipant(trx, pending.id, invitation.id, invitee.name);
    } else {
      await repo.insertParticipant(trx, {
        caseId,
        invitationId: invitation.id,
        invitedName: invitee.name,
        caseRole: invitee.role,
        adviserKind: invitee.adviserKind,
        addedBy: context.actorUserId,
      });
    }
    await recordChange(trx, notifier, context, {
      ...change,
      events: [added(invitee.name, pending ? 'invited by email again' : 'invited by email')],
      audit: {
        action: 'invited a participant',
        details: { invitationId: invitation.id, role: invitee.role },
      },
    });
    const authorityName = await localAuthorityNameOf(trx, found.local_authority_id);
    await queueEmail(trx, notifier.jobs, {
      kind: 'invitation',
      to: email,
      localAuthorityId: found.local_authority_id,
      data: await invitationMessage(
        trx,
        notifier.baseUrl,
        { token, email },
        `case ${found.reference} at ${authorityName}`,
      ),
    });
    return { outcome: 'invited' as const, name: invitee.name };
  });
}

/**
 * Ends someone's part in a case (a professional leaves it): they lose access at once, an
 * unused invitation stops working, and the history of what they did stays.
 */
export async function endParticipation(
  db: Db,
  notifier: Notifier,
  caseId: string,
  participantId: string,
  reason: string,
  context: Context,
): Promise<'ended' | 'not-found'> {
  return db.transaction().execute(async (trx) => {
    const found = await lockCase(trx, caseId);
    if (!found) return 'not-found' as const;
    const participant = await repo.findParticipant(trx, caseId, participantId);
    if (!participant || participant.ended_at) return 'not-found' as const;
    // The invitation first, then the participant: registration claims them in that order too.
    if (participant.invitation_id) {
      await repo.closeInvitation(trx, participant.invitation_id);
    }
    await repo.endParticipant(trx, participantId, context.actorUserId, reason);
    // Advice still asked of them is withdrawn, so it can be asked of someone else and nobody is
    // chased for it; advice they gave stays.
    const withdrawn = await repo.withdrawAdviceAskedOf(trx, participantId);
    const [named] = (await listParticipants(trx, caseId)).filter((p) => p.id === participantId);
    await recordChange(trx, notifier, context, {
      caseId,
      localAuthorityId: found.local_authority_id,
      events: [
        {
          kind: 'participant_ended',
          summary: `${named ? participantName(named) : 'A participant'} no longer takes part in the case`,
        },
      ],
      audit: {
        action: 'ended a participant’s access',
        details: { participantId, adviceWithdrawn: withdrawn },
      },
    });
    return 'ended' as const;
  });
}

export type Suggestion = {
  name: string;
  roleDescription: string;
  email: string | null;
  reason: string;
};

/**
 * The family asks for someone to be added, to give advice they reasonably ask for (reg 6(1)(h))
 * or to support them; the case's officer is told and decides.
 */
export async function suggestParticipant(
  db: Db,
  notifier: Notifier,
  caseId: string,
  suggestion: Suggestion,
  context: Context,
): Promise<'suggested' | 'not-found'> {
  return db.transaction().execute(async (trx) => {
    const found = await repo.findCaseForDecision(trx, caseId);
    if (!found) return 'not-found' as const;
    await repo.insertSuggestion(trx, {
      caseId,
      suggestedBy: context.actorUserId,
      ...suggestion,
    });
    const path = `/cases/${caseId}/people`;
    await recordChange(trx, notifier, context, {
      caseId,
      localAuthorityId: found.local_authority_id,
      events: [
        {
          kind: 'participant_suggested',
          summary: 'The family asked for someone to be added to the case',
        },
      ],
      audit: { action: 'asked for someone to be added' },
      // The case's officer decides; a case with none yet is seen in the LA's tray.
      notify: found.assigned_officer_id
        ? [
            {
              to: [found.assigned_officer_id],
              kind: 'case-update',
              title: `${found.reference}: the family asked for someone to be added`,
              body: 'Decide whether to add them.',
              path,
              statutory: false,
              email: {
                reference: found.reference,
                what: 'the family asked for someone to be added to the case',
                link: `${notifier.baseUrl}${path}`,
              },
            },
          ]
        : [],
    });
    return 'suggested' as const;
  });
}

/** The caseworker's answer to a family's suggestion; the family is told either way. */
export async function decideSuggestion(
  db: Db,
  notifier: Notifier,
  caseId: string,
  suggestionId: string,
  decision: { status: 'added' | 'declined'; note: string },
  context: Context,
): Promise<'decided' | 'not-found'> {
  return db.transaction().execute(async (trx) => {
    const found = await lockCase(trx, caseId);
    if (!found) return 'not-found' as const;
    const updated = await repo.decideOpenSuggestion(trx, caseId, suggestionId, {
      ...decision,
      decidedBy: context.actorUserId,
    });
    if (!updated) return 'not-found' as const;
    const what =
      decision.status === 'added'
        ? 'the council agreed to add the person you asked for'
        : 'the council decided not to add the person you asked for';
    const path = `/cases/${caseId}/people`;
    await recordChange(trx, notifier, context, {
      caseId,
      localAuthorityId: found.local_authority_id,
      events: [
        {
          kind: 'participant_suggestion_decided',
          summary: `The council ${decision.status === 'added' ? 'agreed to add' : 'decided not to add'} someone the family asked for`,
        },
      ],
      audit: {
        action: 'decided on a request to add someone',
        details: { suggestionId, status: decision.status },
      },
      notify: [
        {
          to: [updated.suggested_by],
          kind: 'case-update',
          title: `${found.reference}: ${what}`,
          body: 'Sign in to see the reason.',
          path,
          statutory: false,
          email: { reference: found.reference, what, link: `${notifier.baseUrl}${path}` },
        },
      ],
    });
    return 'decided' as const;
  });
}
