import type { Db, DbOrTrx } from '../../db/database.ts';
import type { AdviceType } from '../../db/schema.ts';
import type { AuditContext } from '../../audit/audit.ts';
import { formatLongDate, type CalendarDate } from '../../domain/clock/calendar-date.ts';
import { OPEN_STAGES } from '../../domain/pathway/stages.ts';
import { VISIBLE_TO, type Actor, type CaseAudience } from '../../policy/policy.ts';
import { lockCase, recordCaseRead, recordChange } from '../../case/record.ts';
import {
  listParticipants,
  localAuthorityNameOf,
  participantName,
} from '../../case/participants.ts';
import { createInvitation, INVITATION_DAYS, invitationLink } from '../../case/invitations.ts';
import { queueEmail } from '../../case/email/email-queue.ts';
import type { Notifier } from '../../case/notify.ts';
import {
  ADVICE_TYPE_LABELS,
  ADVICE_PERIOD,
  adviceDueOn,
  type AdviceExceptionReason,
  adviceTag,
  proposedAdviceTypes,
  suggestedAdviser,
} from '../../domain/advice/advice-types.ts';
import type { AdviceChoice } from './request-form.ts';
import * as repo from './repository.ts';

/** The stages of a case still open: advice matters on them. */

type Named = {
  user_name: string | null;
  organisation_name: string | null;
  invited_name: string | null;
};

/** A participant as people know them: a person, an organisation, or someone invited by name. */
export function displayName(p: Named): string {
  return participantName(p, 'Not named');
}

function participantsView(rows: Awaited<ReturnType<typeof listParticipants>>) {
  return rows.map((p) => ({
    id: p.id,
    // Someone invited who has not registered is named as such (the kernel's naming rule).
    name:
      p.user_name !== null || p.organisation_name !== null
        ? participantName(p)
        : `${participantName(p, 'Someone')}, not registered yet`,
    caseRole: p.case_role,
    adviserKind: p.adviser_kind,
    facts: {
      id: p.id,
      caseRole: p.case_role,
      adviserKind: p.adviser_kind,
      organisationKind: p.organisation_kind,
    },
  }));
}

/**
 * The caseworker's advice page: the advice asked for so far, and while the case is being
 * assessed, the advice still to ask for with the case's participants to ask.
 */
export async function advicePage(
  db: DbOrTrx,
  caseId: string,
  today: CalendarDate,
  /** Null when the page is shown again with a form's errors: that view is not a new one. */
  context: AuditContext | null,
) {
  const found = await repo.findCase(db, caseId);
  if (!found) return null;
  const [requests, participantRows, familyAskedFor] = await Promise.all([
    repo.listRequestsOfCase(db, caseId),
    listParticipants(db, caseId, 'current'),
    repo.acceptedSuggestionsOf(db, caseId),
  ]);
  if (context) {
    await recordCaseRead(db, context, {
      caseId,
      localAuthorityId: found.local_authority_id,
      action: 'viewed advice requests',
    });
  }
  const participants = participantsView(participantRows);
  const inAssessment = found.stage === 'assessment';
  const proposed = inAssessment
    ? proposedAdviceTypes(
        requests.map((r) => ({ type: r.advice_type, status: r.status })),
        found.child_date_of_birth,
        today,
      )
    : [];
  return {
    case: {
      id: found.id,
      reference: found.reference,
      childName: `${found.child_first_name} ${found.child_last_name}`,
      stage: found.stage,
      inAssessment,
    },
    requests: requests.map((r) => {
      const tag = adviceTag(
        { status: r.status, dueOn: r.due_on, exceptions: r.exceptions.length },
        today,
      );
      return {
        id: r.id,
        type: r.advice_type,
        adviserName: r.status === 'sufficient' ? null : displayName(r),
        adviserCaseRole: r.case_role,
        adviserKind: r.adviser_kind,
        adviserEnded: r.participant_ended_at !== null,
        status: r.status,
        requestedOn: r.requested_on,
        dueOn: r.due_on,
        tag,
        sufficientEvidence: r.sufficient_evidence,
        sufficientAgreedWith: r.sufficient_agreed_with,
        versions: r.submissions.map((s) => ({
          version: s.version,
          submittedAt: new Date(s.submitted_at),
          submittedBy: s.submitted_by_name,
          documentId: s.document_id,
          fileName: s.file_name,
        })),
        exceptions: r.exceptions.map((e) => ({
          reason: e.reason,
          details: e.details,
          occurredOn: e.occurred_on,
        })),
      };
    }),
    proposed: proposed.map((type) => ({
      type,
      suggestedParticipantId: suggestedAdviser(
        type,
        participants.map((p) => p.facts),
      ),
    })),
    participants: participants.map(({ id, name, caseRole, adviserKind }) => ({
      id,
      name,
      caseRole,
      adviserKind,
    })),
    /** Advice the family reasonably asked for (reg 6(1)(h)): ask it as "other" advice. */
    familyAskedFor: familyAskedFor.map((f) => ({
      name: f.name,
      role: f.role_description,
      reason: f.reason,
    })),
  };
}

export type AdvicePage = NonNullable<Awaited<ReturnType<typeof advicePage>>>;

export type SendOutcome =
  | { ok: true; requested: number; sufficient: number }
  | { ok: false; problem: 'not-found' | 'not-assessment' | 'not-participant' }
  | { ok: false; problem: 'already-asked'; type: AdviceType };

/**
 * Sends the caseworker's choices in one transaction: each request is due 6 weeks from today,
 * goes on the case's timeline and the audit log, and reaches its adviser (the person, or every
 * current member of the organisation). Someone invited who has not registered gets a new
 * invitation link with the request, and finds it waiting when they register.
 */
export async function sendAdviceRequests(
  db: Db,
  notifier: Notifier,
  caseId: string,
  choices: readonly AdviceChoice[],
  today: CalendarDate,
  context: AuditContext & { actorUserId: string },
): Promise<SendOutcome> {
  return db.transaction().execute(async (trx): Promise<SendOutcome> => {
    const found = await lockCase(trx, caseId);
    if (!found) return { ok: false, problem: 'not-found' };
    if (found.stage !== 'assessment') return { ok: false, problem: 'not-assessment' };
    const open = await repo.openRequestsOfCase(trx, caseId);
    const participants = await listParticipants(trx, caseId, 'current');
    for (const choice of choices) {
      const clash = open.find(
        (r) =>
          r.advice_type === choice.type &&
          (choice.type !== 'other' ||
            (choice.kind === 'ask' && r.participant_id === choice.participantId)),
      );
      if (clash) return { ok: false, problem: 'already-asked', type: choice.type };
      if (choice.kind === 'ask' && !participants.some((p) => p.id === choice.participantId)) {
        return { ok: false, problem: 'not-participant' };
      }
    }
    const dueOn = adviceDueOn(today);
    let requested = 0;
    for (const choice of choices) {
      const label = ADVICE_TYPE_LABELS[choice.type];
      if (choice.kind === 'sufficient') {
        const adviceId = await repo.insertRequest(trx, {
          caseId,
          type: choice.type,
          participantId: null,
          status: 'sufficient',
          requestedOn: null,
          dueOn: null,
          requestedBy: context.actorUserId,
          sufficientEvidence: choice.evidence,
          sufficientAgreedWith: choice.agreedWith,
        });
        await recordChange(trx, notifier, context, {
          caseId,
          localAuthorityId: found.local_authority_id,
          events: [
            {
              kind: 'advice_sufficient',
              summary: `${label}: advice already given was agreed to be sufficient`,
            },
          ],
          audit: {
            action: 'recorded advice as already given and sufficient',
            details: { adviceId, type: choice.type },
          },
        });
        continue;
      }
      const participant = participants.find((p) => p.id === choice.participantId)!;
      const adviceId = await repo.insertRequest(trx, {
        caseId,
        type: choice.type,
        participantId: participant.id,
        status: 'requested',
        requestedOn: today,
        dueOn,
        requestedBy: context.actorUserId,
        sufficientEvidence: null,
        sufficientAgreedWith: null,
      });
      requested += 1;
      const path = `/cases/${caseId}/advice/${adviceId}`;
      await recordChange(trx, notifier, context, {
        caseId,
        localAuthorityId: found.local_authority_id,
        events: [
          {
            kind: 'advice_requested',
            summary: `${label} asked for from ${displayName(participant)}, due ${formatLongDate(dueOn)}`,
          },
        ],
        audit: {
          action: 'asked for advice',
          details: { adviceId, type: choice.type, participantId: participant.id, dueOn },
        },
        notify: [
          {
            to: await repo.adviserUserIds(trx, participant.id),
            kind: 'advice-requested',
            title: `${found.reference}: advice asked for, due ${formatLongDate(dueOn)}`,
            body: label,
            path,
            statutory: true,
            email: { reference: found.reference, dueOn, link: `${notifier.baseUrl}${path}` },
          },
        ],
      });
      await inviteToAdvise(trx, notifier, participant.id, { ...found, dueOn }, context);
    }
    return { ok: true, requested, sufficient: choices.length - requested };
  });
}

/**
 * Someone invited to the case by email who has not registered yet would otherwise hear nothing
 * of the advice asked of them while their 6 weeks run: they get a new invitation link (the
 * old one stops working, so only one link claims their place) with the request and its date.
 */
async function inviteToAdvise(
  trx: DbOrTrx,
  notifier: Notifier,
  participantId: string,
  found: { reference: string; local_authority_id: string; dueOn: CalendarDate },
  context: AuditContext & { actorUserId: string },
) {
  const pending = await repo.pendingInvitationOf(trx, participantId);
  if (!pending || !pending.case_id || !pending.case_role) return;
  const invitation = await createInvitation(
    trx,
    { email: pending.email, caseId: pending.case_id, caseRole: pending.case_role },
    context,
  );
  await repo.replaceInvitation(trx, {
    participantId,
    oldInvitationId: pending.id,
    newInvitationId: invitation.id,
  });
  const authorityName = await localAuthorityNameOf(trx, found.local_authority_id);
  await queueEmail(trx, notifier.jobs, {
    kind: 'advice-invitation',
    to: pending.email,
    localAuthorityId: found.local_authority_id,
    data: {
      reference: found.reference,
      localAuthorityName: authorityName,
      dueOn: found.dueOn,
      link: invitationLink(notifier.baseUrl, invitation.token),
      days: INVITATION_DAYS,
    },
  });
}

/**
 * Records why an adviser's 6 weeks did not bind (reg 13(3)); the due date stays, a late answer
 * shows as excused and the reminders stop.
 */
export async function recordAdviceException(
  db: Db,
  ids: { caseId: string; adviceId: string },
  exception: { reason: AdviceExceptionReason; details: string; occurredOn: string },
  context: AuditContext & { actorUserId: string },
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    // Locked as the reminder sweep locks it, so a reminder cannot pass an exception being written.
    if (!(await repo.lockRequest(trx, ids.adviceId))) return false;
    const found = await repo.findRequest(trx, ids.caseId, ids.adviceId);
    if (!found || found.status === 'sufficient') return false;
    await repo.insertException(trx, {
      adviceId: found.id,
      reason: exception.reason,
      details: exception.details,
      occurredOn: exception.occurredOn,
      recordedBy: context.actorUserId,
    });
    await recordChange(trx, null, context, {
      caseId: found.case_id,
      localAuthorityId: found.local_authority_id,
      events: [
        {
          kind: 'advice_exception_recorded',
          summary: `Exception recorded to the ${ADVICE_PERIOD} for ${ADVICE_TYPE_LABELS[found.advice_type].toLowerCase()}`,
        },
      ],
      audit: {
        action: 'recorded an exception to an adviser’s time limit',
        details: { adviceId: found.id, reason: exception.reason },
      },
    });
    return true;
  });
}

/** The request an exception is for, to head its form; null when there is none to record. */
export async function exceptionTarget(db: DbOrTrx, ids: { caseId: string; adviceId: string }) {
  const found = await repo.findRequest(db, ids.caseId, ids.adviceId);
  if (!found || found.status === 'sufficient') return null;
  return {
    caseId: found.case_id,
    adviceId: found.id,
    reference: found.reference,
    localAuthorityId: found.local_authority_id,
    type: found.advice_type,
    adviserName: displayName(found),
    dueOn: found.due_on,
  };
}

/** The advice requests a person answers for, across every LA (the list is audited). */
export async function tasksOf(
  db: DbOrTrx,
  actor: Actor,
  today: CalendarDate,
  context: AuditContext,
) {
  const rows = await repo.listTasks(
    db,
    { userId: actor.userId, organisationIds: actor.organisationIds, openStages: OPEN_STAGES },
    context,
  );
  return rows.map((r) => {
    const exceptions = Number(r.exceptions ?? 0);
    const tag = adviceTag({ status: r.status, dueOn: r.due_on, exceptions }, today);
    return {
      id: r.id,
      caseId: r.case_id,
      reference: r.reference,
      localAuthorityName: r.local_authority_name,
      childName: `${r.child_first_name} ${r.child_last_name}`,
      type: r.advice_type,
      dueOn: r.due_on,
      tag,
      exceptions,
      latestVersion: r.latest_version === null ? null : Number(r.latest_version),
    };
  });
}

export type CaseAdvice = {
  id: string;
  type: AdviceType;
  adviserName: string | null;
  status: 'requested' | 'submitted' | 'sufficient' | 'withdrawn';
  requestedOn: CalendarDate | null;
  dueOn: CalendarDate | null;
  submittedAt: Date | null;
  /** The latest version's document, when this audience may see it. */
  documentId: string | null;
  exceptionCount: number;
};

/** The advice on a case, for the family's journey page and anyone else who follows the case. */
export async function adviceOfCase(
  db: DbOrTrx,
  caseId: string,
  audience: CaseAudience,
): Promise<CaseAdvice[]> {
  const rows = await repo.listForJourney(db, caseId);
  const visible: readonly string[] = VISIBLE_TO[audience];
  return rows.map((r) => ({
    id: r.id,
    type: r.advice_type,
    adviserName: r.status === 'sufficient' ? null : displayName(r),
    status: r.status,
    requestedOn: r.requested_on,
    dueOn: r.due_on,
    submittedAt: r.submitted_at ? new Date(r.submitted_at) : null,
    documentId:
      r.document_id && r.visibility && visible.includes(r.visibility) ? r.document_id : null,
    exceptionCount: Number(r.exceptions ?? 0),
  }));
}

/** The exception's form names the case, the advice and the adviser: its view is audited. */
export async function exceptionFormViewed(
  db: DbOrTrx,
  context: AuditContext,
  target: { caseId: string; localAuthorityId: string; adviceId: string },
): Promise<void> {
  await recordCaseRead(db, context, {
    caseId: target.caseId,
    localAuthorityId: target.localAuthorityId,
    action: 'viewed an advice request',
    details: { adviceId: target.adviceId, page: 'exception' },
  });
}
