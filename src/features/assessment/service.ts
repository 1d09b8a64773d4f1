import type { Db, DbOrTrx } from '../../db/database.ts';
import { recordAudit, type AuditContext } from '../../audit/audit.ts';
import { todayInEngland, type CalendarDate } from '../../domain/clock/calendar-date.ts';
import { computeClock } from '../../domain/clock/statutory-dates.ts';
import {
  ADVISER_KIND_LABELS,
  CASE_ROLE_LABELS,
  FAMILY_ROLES,
  labelFor,
  type AdviserKind,
} from '../../domain/people.ts';
import { nextStep, type Stage } from '../../domain/pathway/stages.ts';
import type { CaseAudience } from '../../policy/policy.ts';
import { calendarOf } from '../../case/calendar.ts';
import { createInvitation, invitationMessage } from '../../case/invitations.ts';
import {
  familyOfCase,
  localAuthorityNameOf,
  professionalsOfCase,
} from '../../case/participants.ts';
import { insertCaseEvent, lockCase } from '../../case/record.ts';
import { addLetterDocument, withStoredFile } from '../../case/documents.ts';
import { letterPdf, type Letter } from '../../case/letter-pdf.ts';
import type { DocumentStorage } from '../../case/storage.ts';
import { queueEmail } from '../../case/email/email-queue.ts';
import { notifyUser, type Notifier } from '../../case/notify.ts';
import { assessingLetter, noPlanLetter, notAssessingLetter, type LetterFacts } from './letters.ts';
import { escapeHtml } from '../../web/html.ts';
import * as repo from './repository.ts';
import type { NoticeParty } from './repository.ts';

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

function participantName(p: {
  user_name: string | null;
  organisation_name: string | null;
  invited_name: string | null;
}): string {
  return p.user_name ?? p.organisation_name ?? p.invited_name ?? 'Someone invited';
}

function roleLabel(p: { case_role: string; adviser_kind: string | null }): string {
  return p.adviser_kind
    ? labelFor(ADVISER_KIND_LABELS, p.adviser_kind)
    : labelFor(CASE_ROLE_LABELS, p.case_role);
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
  const rows = await repo.listParticipants(db, caseId);
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
      role: roleLabel(p),
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
    const current = (await repo.listParticipants(trx, caseId)).filter((p) => !p.ended_at);
    const path = `/cases/${caseId}`;
    const event = async (name: string, how: string) => {
      await insertCaseEvent(trx, {
        caseId,
        kind: 'participant_added',
        summary: `${name} ${how} (${roleLabel({ case_role: invitee.role, adviser_kind: invitee.adviserKind })})`,
        actorUserId: context.actorUserId,
      });
    };

    if (invitee.role === 'setting') {
      const settings = await repo.settingsOfAuthority(trx, found.local_authority_id);
      const setting = settings.find((s) => s.id === invitee.organisationId);
      if (!setting) return { outcome: 'not-a-setting' as const };
      if (current.some((p) => p.organisation_id === setting.id)) {
        return { outcome: 'already-on-case' as const };
      }
      await trx
        .insertInto('case_participant')
        .values({
          case_id: caseId,
          organisation_id: setting.id,
          case_role: 'setting',
          added_by: context.actorUserId,
        })
        .execute();
      await event(setting.name, 'added to the case');
      await recordAudit(trx, context, {
        action: 'added a participant',
        subjectType: 'case',
        subjectId: caseId,
        localAuthorityId: found.local_authority_id,
        details: { organisationId: setting.id, role: 'setting' },
      });
      const members = await trx
        .selectFrom('organisation_membership')
        .select('user_id')
        .where('organisation_id', '=', setting.id)
        .where('ended_at', 'is', null)
        .execute();
      for (const member of members) {
        await notifyUser(trx, notifier, {
          userId: member.user_id,
          kind: 'case-update',
          caseId,
          localAuthorityId: found.local_authority_id,
          title: `${found.reference}: your setting was added to the case`,
          body: 'Everyone at your setting who uses Pathway can now see it.',
          path,
          statutory: false,
          email: {
            reference: found.reference,
            what: 'your setting was added to the case',
            link: `${notifier.baseUrl}${path}`,
          },
        });
      }
      return { outcome: 'added' as const, name: setting.name };
    }

    const email = invitee.email!;
    const user = await repo.findUserByEmail(trx, email);
    if (user) {
      if (user.disabled_at) return { outcome: 'account-disabled' as const };
      if (current.some((p) => p.user_id === user.id)) {
        return { outcome: 'already-on-case' as const };
      }
      await trx
        .insertInto('case_participant')
        .values({
          case_id: caseId,
          user_id: user.id,
          case_role: invitee.role,
          adviser_kind: invitee.adviserKind,
          added_by: context.actorUserId,
        })
        .execute();
      await event(user.display_name, 'added to the case');
      await recordAudit(trx, context, {
        action: 'added a participant',
        subjectType: 'case',
        subjectId: caseId,
        localAuthorityId: found.local_authority_id,
        details: { userId: user.id, role: invitee.role },
      });
      await notifyUser(trx, notifier, {
        userId: user.id,
        kind: 'case-update',
        caseId,
        localAuthorityId: found.local_authority_id,
        title: `${found.reference}: you were added to the case`,
        body: `Your role: ${roleLabel({ case_role: invitee.role, adviser_kind: invitee.adviserKind })}.`,
        path,
        statutory: false,
        email: {
          reference: found.reference,
          what: 'you have been added to the case',
          link: `${notifier.baseUrl}${path}`,
        },
      });
      // The name the caseworker typed, not the account's: the page does not say who has one.
      return { outcome: 'added' as const, name: invitee.name };
    }

    const pending = await trx
      .selectFrom('case_participant')
      .innerJoin('invitation', 'invitation.id', 'case_participant.invitation_id')
      .select(['case_participant.id', 'invitation.expires_at', 'invitation.used_at'])
      .where('case_participant.case_id', '=', caseId)
      .where('case_participant.ended_at', 'is', null)
      .where('invitation.email', '=', email)
      .executeTakeFirst();
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
      await trx
        .updateTable('case_participant')
        .set({ invitation_id: invitation.id, invited_name: invitee.name })
        .where('id', '=', pending.id)
        .execute();
    } else {
      await trx
        .insertInto('case_participant')
        .values({
          case_id: caseId,
          invitation_id: invitation.id,
          invited_name: invitee.name,
          case_role: invitee.role,
          adviser_kind: invitee.adviserKind,
          added_by: context.actorUserId,
        })
        .execute();
    }
    await event(invitee.name, pending ? 'invited by email again' : 'invited by email');
    await recordAudit(trx, context, {
      action: 'invited a participant',
      subjectType: 'case',
      subjectId: caseId,
      localAuthorityId: found.local_authority_id,
      details: { invitationId: invitation.id, role: invitee.role },
    });
    const authorityName = await localAuthorityNameOf(trx, found.local_authority_id);
    await queueEmail(trx, notifier.jobs, {
      kind: 'invitation',
      to: email,
      localAuthorityId: found.local_authority_id,
      data: invitationMessage(
        notifier.baseUrl,
        token,
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
      await trx
        .updateTable('invitation')
        .set({ used_at: new Date() })
        .where('id', '=', participant.invitation_id)
        .where('used_at', 'is', null)
        .execute();
    }
    await trx
      .updateTable('case_participant')
      .set({ ended_at: new Date(), ended_by: context.actorUserId, end_reason: reason })
      .where('id', '=', participantId)
      .execute();
    // Advice still asked of them is withdrawn, so it can be asked of someone else and nobody is
    // chased for it; advice they gave stays.
    const withdrawn = await trx
      .updateTable('advice_request')
      .set({ status: 'withdrawn', updated_at: new Date() })
      .where('participant_id', '=', participantId)
      .where('status', '=', 'requested')
      .executeTakeFirst();
    const [named] = (await repo.listParticipants(trx, caseId)).filter(
      (p) => p.id === participantId,
    );
    await insertCaseEvent(trx, {
      caseId,
      kind: 'participant_ended',
      summary: `${named ? participantName(named) : 'A participant'} no longer takes part in the case`,
      actorUserId: context.actorUserId,
    });
    await recordAudit(trx, context, {
      action: 'ended a participant’s access',
      subjectType: 'case',
      subjectId: caseId,
      localAuthorityId: found.local_authority_id,
      details: { participantId, adviceWithdrawn: Number(withdrawn.numUpdatedRows) },
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
    await trx
      .insertInto('participant_suggestion')
      .values({
        case_id: caseId,
        suggested_by: context.actorUserId,
        name: suggestion.name,
        role_description: suggestion.roleDescription,
        email: suggestion.email,
        reason: suggestion.reason,
      })
      .execute();
    await insertCaseEvent(trx, {
      caseId,
      kind: 'participant_suggested',
      summary: 'The family asked for someone to be added to the case',
      actorUserId: context.actorUserId,
    });
    await recordAudit(trx, context, {
      action: 'asked for someone to be added',
      subjectType: 'case',
      subjectId: caseId,
      localAuthorityId: found.local_authority_id,
    });
    if (found.assigned_officer_id) {
      const path = `/cases/${caseId}/people`;
      await notifyUser(trx, notifier, {
        userId: found.assigned_officer_id,
        kind: 'case-update',
        caseId,
        localAuthorityId: found.local_authority_id,
        title: `${found.reference}: the family asked for someone to be added`,
        body: 'Decide whether to add them.',
        path,
        statutory: false,
        email: {
          reference: found.reference,
          what: 'the family asked for someone to be added to the case',
          link: `${notifier.baseUrl}${path}`,
        },
      });
    }
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
    const updated = await trx
      .updateTable('participant_suggestion')
      .set({
        status: decision.status,
        decision_note: decision.note,
        decided_by: context.actorUserId,
        decided_at: new Date(),
      })
      .where('id', '=', suggestionId)
      .where('case_id', '=', caseId)
      .where('status', '=', 'open')
      .returning('suggested_by')
      .executeTakeFirst();
    if (!updated) return 'not-found' as const;
    const what =
      decision.status === 'added'
        ? 'the council agreed to add the person you asked for'
        : 'the council decided not to add the person you asked for';
    await insertCaseEvent(trx, {
      caseId,
      kind: 'participant_suggestion_decided',
      summary: `The council ${decision.status === 'added' ? 'agreed to add' : 'decided not to add'} someone the family asked for`,
      actorUserId: context.actorUserId,
    });
    await recordAudit(trx, context, {
      action: 'decided on a request to add someone',
      subjectType: 'case',
      subjectId: caseId,
      localAuthorityId: found.local_authority_id,
      details: { suggestionId, status: decision.status },
    });
    const path = `/cases/${caseId}/people`;
    await notifyUser(trx, notifier, {
      userId: updated.suggested_by,
      kind: 'case-update',
      caseId,
      localAuthorityId: found.local_authority_id,
      title: `${found.reference}: ${what}`,
      body: 'Sign in to see the reason.',
      path,
      statutory: false,
      email: { reference: found.reference, what, link: `${notifier.baseUrl}${path}` },
    });
    return 'decided' as const;
  });
}

// ---------------------------------------------------------------------------------------------
// Decisions

export type Question = 'assess' | 'issue_plan';

/** The stage a case must be at for each decision, and where each answer takes it. */
export const QUESTIONS: Record<
  Question,
  {
    from: Stage;
    yes: Stage;
    no: Stage;
    title: string;
    yesText: string;
    noText: string;
    decidedYes: string;
    decidedNo: string;
  }
> = {
  assess: {
    from: 'request_received',
    yes: 'assessment',
    no: 'not_assessing',
    title: 'Decision whether to assess',
    yesText: 'Carry out an EHC needs assessment',
    noText: 'Do not carry out an assessment',
    decidedYes: 'decided to carry out an EHC needs assessment',
    decidedNo: 'decided not to carry out an EHC needs assessment',
  },
  issue_plan: {
    from: 'assessment',
    yes: 'draft_plan',
    no: 'no_plan',
    title: 'Decision whether to issue a plan',
    yesText: 'Issue an EHC plan (write the draft plan)',
    noText: 'Do not issue an EHC plan',
    decidedYes: 'decided to issue an EHC plan: a draft plan comes next',
    decidedNo: 'decided not to issue an EHC plan',
  },
};

export async function decisionOf(db: DbOrTrx, caseId: string, question: Question) {
  const found = await repo.findCaseForDecision(db, caseId);
  if (!found) return null;
  const decision = await repo.findDecision(db, caseId, question);
  return { case: found, decision: decision ?? null };
}

export type Recommendation = {
  informationConsidered: string;
  recommendation: 'yes' | 'no';
  reasons: string;
};

/** The caseworker's recommendation; it may be revised until the decision is made. */
export async function recommend(
  db: Db,
  caseId: string,
  question: Question,
  input: Recommendation,
  context: Context,
): Promise<'recorded' | 'wrong-stage' | 'already-decided' | 'not-found'> {
  return db.transaction().execute(async (trx) => {
    const found = await lockCase(trx, caseId);
    if (!found) return 'not-found' as const;
    const facts = await repo.findCaseForDecision(trx, caseId);
    const existing = await repo.findDecision(trx, caseId, question);
    if (existing?.outcome) return 'already-decided' as const;
    if (facts!.stage !== QUESTIONS[question].from) return 'wrong-stage' as const;
    const values = {
      information_considered: input.informationConsidered,
      recommendation: input.recommendation,
      recommendation_reasons: input.reasons,
      recommended_by: context.actorUserId,
      recommended_at: new Date(),
    };
    if (existing) {
      await trx.updateTable('case_decision').set(values).where('id', '=', existing.id).execute();
    } else {
      await trx
        .insertInto('case_decision')
        .values({ case_id: caseId, question, ...values })
        .execute();
    }
    await insertCaseEvent(trx, {
      caseId,
      kind: 'decision_recommended',
      summary: `${QUESTIONS[question].title}: recommendation recorded for the decision maker`,
      actorUserId: context.actorUserId,
    });
    await recordAudit(trx, context, {
      action: 'recorded a recommendation',
      subjectType: 'case',
      subjectId: caseId,
      localAuthorityId: found.local_authority_id,
      details: { question, recommendation: input.recommendation },
    });
    return 'recorded' as const;
  });
}

export type Decision = {
  outcome: 'yes' | 'no';
  reasons: string;
  /** For a refusal: the support that follows. */
  supportOffered: string | null;
};

const NOTICE_PARTIES: readonly NoticeParty[] = ['the setting', 'health', 'social care'];

/** "a", "a and b", "a, b and c". */
export function listInWords(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

export type DecideOutcome =
  | {
      outcome: 'decided';
      letterDocumentId: string | null;
      /** How many of the family were told; 0 means the letter must go another way (post). */
      familyTold: number;
      /** The reg 4(2) parties with no one on the case to tell: to be told another way. */
      partiesNotTold: NoticeParty[];
    }
  | {
      outcome:
        | 'no-recommendation'
        | 'wrong-stage'
        | 'already-decided'
        | 'not-found'
        | 'recommended-by-you';
    };

/** The letter a decision sends, or null when the decision needs none (agreeing to issue). */
function letterFor(question: Question, outcome: 'yes' | 'no', facts: LetterFacts): Letter | null {
  if (question === 'assess') {
    return outcome === 'yes' ? assessingLetter(facts) : notAssessingLetter(facts);
  }
  return outcome === 'no' ? noPlanLetter(facts) : null;
}

/**
 * The decision maker's decision, with reasons. In one transaction: the decision, the letter
 * (HTML and PDF, kept on the case for the LA and the family), the case's new stage and dates,
 * the timeline, the audit, and notices to the family (with the appeal deadline for a refusal)
 * and to the professionals on the case (reg 4(2) and reg 10 parties).
 */
export async function decide(
  db: Db,
  storage: DocumentStorage,
  notifier: Notifier,
  caseId: string,
  question: Question,
  input: Decision,
  context: Context & { actorName: string },
  today: CalendarDate = todayInEngland(),
): Promise<DecideOutcome> {
  const spec = QUESTIONS[question];
  const before = await decisionOf(db, caseId, question);
  if (!before) return { outcome: 'not-found' };
  if (before.decision?.outcome) return { outcome: 'already-decided' };
  if (before.case.stage !== spec.from) return { outcome: 'wrong-stage' };
  if (!before.decision) return { outcome: 'no-recommendation' };
  // Two people: the one who recommends does not also decide.
  if (before.decision.recommended_by === context.actorUserId) {
    return { outcome: 'recommended-by-you' };
  }
  const found = before.case;
  const calendar = await calendarOf(db, found.local_authority_id);
  const family = await repo.familyNames(db, caseId);
  const clock = computeClock(
    { requestReceived: found.request_received_on, decisionLetter: today },
    calendar,
  );
  const facts: LetterFacts = {
    localAuthorityName: found.local_authority_name,
    sendiassName: found.sendiass_name,
    sendiassUrl: found.sendiass_url,
    caseReference: found.reference,
    childName: `${found.child_first_name} ${found.child_last_name}`,
    familyNames: family.map((f) => f.name),
    forYoungPerson: family.some((f) => f.role === 'young_person'),
    requestReceivedOn: found.request_received_on,
    decidedOn: today,
    decisionMakerName: context.actorName,
    officerName: found.officer_name,
    informationConsidered: before.decision.information_considered,
    reasons: input.reasons,
    supportOffered: input.supportOffered,
    appealDeadline: clock.appealDeadline!,
    decisionToIssueDue: clock.noPlanNoticeDue!,
    finalPlanDue: clock.finalPlanDue!,
  };
  const letter = letterFor(question, input.outcome, facts);
  const pdf = letter ? await letterPdf(letter) : null;
  const html = letter ? letterHtml(letter) : null;
  let familyTold = 0;
  const record = async (storageKey: string | null) =>
    db.transaction().execute(async (trx): Promise<DecideOutcome> => {
      await lockCase(trx, caseId);
      const current = await repo.findDecision(trx, caseId, question);
      const caseNow = await repo.findCaseForDecision(trx, caseId);
      if (!current || current.outcome) return { outcome: 'already-decided' };
      if (caseNow!.stage !== spec.from) return { outcome: 'wrong-stage' };
      const letterDocumentId =
        letter && storageKey
          ? await addLetterDocument(
              trx,
              {
                caseId,
                kind: 'letter',
                title: `Decision letter: ${letter.subject}`,
                authorName: `${context.actorName}, ${found.local_authority_name}`,
                authorUserId: context.actorUserId,
                documentDate: today,
                visibility: 'la_and_family',
                visibilityReason: null,
                addedBy: context.actorUserId,
              },
              {
                html: html!,
                pdf: pdf!,
                fileName: `${found.reference}-${question === 'assess' ? 'assessment' : 'plan'}-decision.pdf`,
                storageKey,
              },
            )
          : null;
      await trx
        .updateTable('case_decision')
        .set({
          outcome: input.outcome,
          reasons: input.reasons,
          support_offered: input.outcome === 'no' ? input.supportOffered : null,
          decided_by: context.actorUserId,
          decided_on: today,
          decided_at: new Date(),
          letter_document_id: letterDocumentId,
        })
        .where('id', '=', current.id)
        .execute();
      const stage = input.outcome === 'yes' ? spec.yes : spec.no;
      const next = nextStep(
        {
          stage,
          requestReceivedOn: found.request_received_on,
          planIssuedOn: found.plan_issued_on,
          lastReviewOn: found.last_review_on,
        },
        calendar,
      );
      await trx
        .updateTable('case')
        .set({
          stage,
          ...(question === 'assess' ? { assessment_decided_on: today } : {}),
          ...(input.outcome === 'no' ? { closed_on: today } : {}),
          next_step_due_on: next?.dueOn ?? null,
          updated_at: new Date(),
        })
        .where('id', '=', caseId)
        .execute();
      const decided = input.outcome === 'yes' ? spec.decidedYes : spec.decidedNo;
      if (question === 'issue_plan') {
        // The assessment is over: advice still not given is no longer asked for, so it leaves
        // the advisers' tasks and their reminders stop.
        const closed = await repo.withdrawUnansweredAdvice(trx, caseId);
        if (closed > 0) {
          await insertCaseEvent(trx, {
            caseId,
            kind: 'advice_withdrawn',
            summary: `${closed} ${closed === 1 ? 'advice request' : 'advice requests'} not answered by the decision ${closed === 1 ? 'was' : 'were'} closed`,
            actorUserId: context.actorUserId,
          });
        }
      }
      await insertCaseEvent(trx, {
        caseId,
        kind: question === 'assess' ? 'assessment_decided' : 'plan_decided',
        summary: `The council ${decided}`,
        actorUserId: context.actorUserId,
      });
      await recordAudit(trx, context, {
        action: 'recorded a decision',
        subjectType: 'case',
        subjectId: caseId,
        localAuthorityId: found.local_authority_id,
        details: { question, outcome: input.outcome, letterDocumentId },
      });
      const appealBy = input.outcome === 'no' ? facts.appealDeadline : null;
      const letterPath = letterDocumentId
        ? `/cases/${caseId}/documents/${letterDocumentId}`
        : `/cases/${caseId}/journey`;
      const family = await familyOfCase(trx, caseId);
      // A family invited but not yet registered still hears of the decision, by email to the
      // address they were invited at; the letter waits for them in the hub.
      const invited = await repo.pendingFamilyInvitations(trx, caseId);
      for (const to of invited) {
        await queueEmail(trx, notifier.jobs, {
          kind: 'decision-letter',
          to,
          localAuthorityId: found.local_authority_id,
          data: {
            reference: found.reference,
            decision: decided,
            appealBy,
            link: `${notifier.baseUrl}${letterPath}`,
          },
        });
      }
      familyTold = family.length + invited.length;
      for (const userId of family) {
        await notifyUser(trx, notifier, {
          userId,
          kind: 'decision-letter',
          caseId,
          localAuthorityId: found.local_authority_id,
          title: `${found.reference}: the council has ${decided}`,
          body: letterDocumentId ? 'Read the letter.' : 'See what happens next.',
          path: letterPath,
          statutory: true,
          email: {
            reference: found.reference,
            decision: decided,
            appealBy,
            link: `${notifier.baseUrl}${letterPath}`,
          },
        });
      }
      const casePath = `/cases/${caseId}`;
      for (const userId of await professionalsOfCase(trx, caseId)) {
        await notifyUser(trx, notifier, {
          userId,
          kind: 'case-update',
          caseId,
          localAuthorityId: found.local_authority_id,
          title: `${found.reference}: the council has ${decided}`,
          body: 'Sign in to see what happens next.',
          path: casePath,
          statutory: false,
          email: {
            reference: found.reference,
            what: `the council has ${decided}`,
            link: `${notifier.baseUrl}${casePath}`,
          },
        });
      }
      // The reg 4(2) parties not on Pathway are told another way: the timeline says so, and
      // so does the decision maker's confirmation.
      const onCase = await repo.noticePartiesOnCase(trx, caseId);
      const partiesNotTold = NOTICE_PARTIES.filter((party) => !onCase.includes(party));
      if (partiesNotTold.length > 0) {
        await insertCaseEvent(trx, {
          caseId,
          kind: 'notice_to_do',
          summary: `To do: tell ${listInWords(partiesNotTold)} of the decision: they do not take part in this case on Pathway (reg 4(2))`,
          actorUserId: context.actorUserId,
        });
      }
      return { outcome: 'decided', letterDocumentId, familyTold, partiesNotTold };
    });
  if (!pdf) return record(null);
  return withStoredFile(storage, pdf, async (storageKey) => {
    const outcome = await record(storageKey);
    // A decision recorded meanwhile by someone else: this letter was never kept.
    if (outcome.outcome !== 'decided') throw new DecisionRaced(outcome);
    return outcome;
  }).catch((error: unknown) => {
    if (error instanceof DecisionRaced) return error.outcome;
    throw error;
  });
}

class DecisionRaced extends Error {
  readonly outcome: DecideOutcome;
  constructor(outcome: DecideOutcome) {
    super('The decision was recorded by someone else first');
    this.outcome = outcome;
  }
}

/** The letter as the HTML kept on the case and shown in the hub (GOV.UK typography). */
export function letterHtml(letter: Letter): string {
  const lines = (items: string[]) => items.map(escapeHtml).join('<br>');
  const blocks = letter.blocks
    .map((block) => {
      if (block.kind === 'heading')
        return `<h2 class="govuk-heading-m">${escapeHtml(block.text)}</h2>`;
      if (block.kind === 'paragraph') return `<p class="govuk-body">${escapeHtml(block.text)}</p>`;
      return `<ul class="govuk-list govuk-list--bullet">${block.items.map((item) => `<li>${escapeHtml(item)}</li>`).join('')}</ul>`;
    })
    .join('\n');
  return [
    `<p class="govuk-body app-letter__from">${lines(letter.from)}</p>`,
    `<p class="govuk-body">${lines(letter.to)}</p>`,
    `<p class="govuk-body">${escapeHtml(letter.date)}<br>Our reference: ${escapeHtml(letter.reference)}</p>`,
    `<h1 class="govuk-heading-l">${escapeHtml(letter.subject)}</h1>`,
    blocks,
    `<p class="govuk-body">${lines(letter.signOff)}</p>`,
  ].join('\n');
}
