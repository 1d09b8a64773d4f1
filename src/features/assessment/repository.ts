import type { DbOrTrx } from '../../db/database.ts';
import type { CalendarDate } from '../../domain/clock/calendar-date.ts';
import { FAMILY_ROLES } from '../../domain/people.ts';
import type { NoticeParty } from '../../domain/pathway/decisions.ts';

/** Everyone who takes or took part in a case, with how they joined and left. */
export async function findParticipant(db: DbOrTrx, caseId: string, participantId: string) {
  return db
    .selectFrom('case_participant')
    .selectAll()
    .where('case_id', '=', caseId)
    .where('id', '=', participantId)
    .executeTakeFirst();
}

/** The case with what letters and notices need: its LA, its people's names, its officer. */
export async function findCaseForDecision(db: DbOrTrx, caseId: string) {
  return db
    .selectFrom('case')
    .innerJoin('local_authority', 'local_authority.id', 'case.local_authority_id')
    .leftJoin('app_user as officer', 'officer.id', 'case.assigned_officer_id')
    .select([
      'case.id',
      'case.reference',
      'case.local_authority_id',
      'case.child_first_name',
      'case.child_last_name',
      'case.stage',
      'case.request_received_on',
      'case.plan_issued_on',
      'case.last_review_on',
      'case.assigned_officer_id',
      'local_authority.name as local_authority_name',
      'local_authority.sendiass_name',
      'local_authority.sendiass_url',
      'officer.display_name as officer_name',
    ])
    .where('case.id', '=', caseId)
    .executeTakeFirst();
}

export async function familyNames(
  db: DbOrTrx,
  caseId: string,
): Promise<{ name: string; role: string }[]> {
  const rows = await db
    .selectFrom('case_participant')
    .innerJoin('app_user', 'app_user.id', 'case_participant.user_id')
    .select(['app_user.display_name', 'case_participant.case_role'])
    .where('case_participant.case_id', '=', caseId)
    .where('case_participant.ended_at', 'is', null)
    .where('case_participant.case_role', 'in', FAMILY_ROLES)
    .orderBy('case_participant.added_at')
    .execute();
  return rows.map((r) => ({ name: r.display_name, role: r.case_role }));
}

/**
 * Which of the reg 4(2) parties take part in the case with someone on Pathway to tell: the
 * setting (an education setting with current members, or its SENCO added as a person), health
 * (a health team, or a health adviser) and the council's social care (a team, or an adviser).
 */
export async function noticePartiesOnCase(db: DbOrTrx, caseId: string): Promise<NoticeParty[]> {
  const rows = await db
    .selectFrom('case_participant')
    .leftJoin('organisation', 'organisation.id', 'case_participant.organisation_id')
    .select(['case_participant.adviser_kind', 'case_participant.case_role', 'organisation.kind'])
    .where('case_participant.case_id', '=', caseId)
    .where('case_participant.ended_at', 'is', null)
    .where((eb) =>
      eb.or([
        eb('case_participant.user_id', 'is not', null),
        eb.exists(
          eb
            .selectFrom('organisation_membership')
            .select('organisation_membership.user_id')
            .whereRef(
              'organisation_membership.organisation_id',
              '=',
              'case_participant.organisation_id',
            )
            .where('organisation_membership.ended_at', 'is', null),
        ),
      ]),
    )
    .execute();
  const parties = new Set<NoticeParty>();
  for (const r of rows) {
    if (r.kind === 'education_setting' || r.case_role === 'setting') parties.add('setting');
    if (r.kind === 'health_team' || r.adviser_kind === 'health') parties.add('health');
    if (r.kind === 'social_care_team' || r.adviser_kind === 'social_care')
      parties.add('social_care');
  }
  return [...parties];
}

export async function findDecision(db: DbOrTrx, caseId: string, question: 'assess' | 'issue_plan') {
  return db
    .selectFrom('case_decision')
    .innerJoin('app_user as recommender', 'recommender.id', 'case_decision.recommended_by')
    .leftJoin('app_user as decider', 'decider.id', 'case_decision.decided_by')
    .selectAll('case_decision')
    .select([
      'recommender.display_name as recommended_by_name',
      'decider.display_name as decided_by_name',
    ])
    .where('case_decision.case_id', '=', caseId)
    .where('case_decision.question', '=', question)
    .executeTakeFirst();
}

export async function listSuggestions(db: DbOrTrx, caseId: string) {
  return db
    .selectFrom('participant_suggestion')
    .innerJoin('app_user', 'app_user.id', 'participant_suggestion.suggested_by')
    .selectAll('participant_suggestion')
    .select('app_user.display_name as suggested_by_name')
    .where('participant_suggestion.case_id', '=', caseId)
    .orderBy('participant_suggestion.created_at', 'desc')
    .execute();
}

export async function findUserByEmail(db: DbOrTrx, email: string) {
  return db
    .selectFrom('app_user')
    .select(['id', 'display_name', 'disabled_at'])
    .where('email', '=', email)
    .executeTakeFirst();
}

export async function settingsOfAuthority(db: DbOrTrx, localAuthorityId: string) {
  return db
    .selectFrom('organisation')
    .select(['id', 'name', 'urn'])
    .where('local_authority_id', '=', localAuthorityId)
    .where('kind', '=', 'education_setting')
    .orderBy('name')
    .execute();
}

/**
 * The addresses of the family invited to a case who have not registered yet (the invitation
 * sent when the case was opened from their request, or one a caseworker sent since).
 */
export async function pendingFamilyInvitations(db: DbOrTrx, caseId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('invitation')
    .select('invitation.email')
    .distinct()
    .where('invitation.case_id', '=', caseId)
    .where('invitation.case_role', 'in', FAMILY_ROLES)
    .where('invitation.used_at', 'is', null)
    .where('invitation.expires_at', '>', new Date())
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('case_participant')
            .select('case_participant.id')
            .whereRef('case_participant.invitation_id', '=', 'invitation.id')
            .where('case_participant.ended_at', 'is not', null),
        ),
      ),
    )
    .execute();
  return rows.map((r) => r.email);
}

/** Closes the advice still asked for on a case (the decision was made without it). */
export async function withdrawUnansweredAdvice(db: DbOrTrx, caseId: string): Promise<number> {
  const result = await db
    .updateTable('advice_request')
    .set({ status: 'withdrawn', updated_at: new Date() })
    .where('case_id', '=', caseId)
    .where('status', '=', 'requested')
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

// ---- Writes of the participants' capability ---------------------------------------------------

/** A person, an organisation, or someone invited by email, added to a case. */
export async function insertParticipant(
  db: DbOrTrx,
  values: {
    caseId: string;
    caseRole: string;
    addedBy: string;
    userId?: string;
    organisationId?: string;
    invitationId?: string;
    invitedName?: string;
    adviserKind?: string | null;
  },
) {
  await db
    .insertInto('case_participant')
    .values({
      case_id: values.caseId,
      case_role: values.caseRole,
      added_by: values.addedBy,
      user_id: values.userId ?? null,
      organisation_id: values.organisationId ?? null,
      invitation_id: values.invitationId ?? null,
      invited_name: values.invitedName ?? null,
      adviser_kind: values.adviserKind ?? null,
    })
    .execute();
}

/** The current members of an organisation (every SENCO of a setting). */
export async function currentMembersOf(db: DbOrTrx, organisationId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('organisation_membership')
    .select('user_id')
    .where('organisation_id', '=', organisationId)
    .where('ended_at', 'is', null)
    .execute();
  return rows.map((r) => r.user_id);
}

/** A current participant of the case invited at this address, with their invitation's state. */
export async function findInvitedParticipant(db: DbOrTrx, caseId: string, email: string) {
  return db
    .selectFrom('case_participant')
    .innerJoin('invitation', 'invitation.id', 'case_participant.invitation_id')
    .select(['case_participant.id', 'invitation.expires_at', 'invitation.used_at'])
    .where('case_participant.case_id', '=', caseId)
    .where('case_participant.ended_at', 'is', null)
    .where('invitation.email', '=', email)
    .executeTakeFirst();
}

/** A new invitation on an invited participant's row (theirs ran out). */
export async function reinviteParticipant(
  db: DbOrTrx,
  participantId: string,
  invitationId: string,
  invitedName: string,
) {
  await db
    .updateTable('case_participant')
    .set({ invitation_id: invitationId, invited_name: invitedName })
    .where('id', '=', participantId)
    .execute();
}

/** An invitation not yet used stops working. */
export async function closeInvitation(db: DbOrTrx, invitationId: string) {
  await db
    .updateTable('invitation')
    .set({ used_at: new Date() })
    .where('id', '=', invitationId)
    .where('used_at', 'is', null)
    .execute();
}

export async function endParticipant(
  db: DbOrTrx,
  participantId: string,
  endedBy: string,
  reason: string,
) {
  await db
    .updateTable('case_participant')
    .set({ ended_at: new Date(), ended_by: endedBy, end_reason: reason })
    .where('id', '=', participantId)
    .execute();
}

/** Withdraws the advice still asked of a participant; how many requests were withdrawn. */
export async function withdrawAdviceAskedOf(db: DbOrTrx, participantId: string): Promise<number> {
  const result = await db
    .updateTable('advice_request')
    .set({ status: 'withdrawn', updated_at: new Date() })
    .where('participant_id', '=', participantId)
    .where('status', '=', 'requested')
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function insertSuggestion(
  db: DbOrTrx,
  values: {
    caseId: string;
    suggestedBy: string;
    name: string;
    roleDescription: string;
    email: string | null;
    reason: string;
  },
) {
  await db
    .insertInto('participant_suggestion')
    .values({
      case_id: values.caseId,
      suggested_by: values.suggestedBy,
      name: values.name,
      role_description: values.roleDescription,
      email: values.email,
      reason: values.reason,
    })
    .execute();
}

/** Records the answer to a suggestion still open; who suggested it, or undefined. */
export async function decideOpenSuggestion(
  db: DbOrTrx,
  caseId: string,
  suggestionId: string,
  decision: { status: 'added' | 'declined'; note: string; decidedBy: string },
) {
  return db
    .updateTable('participant_suggestion')
    .set({
      status: decision.status,
      decision_note: decision.note,
      decided_by: decision.decidedBy,
      decided_at: new Date(),
    })
    .where('id', '=', suggestionId)
    .where('case_id', '=', caseId)
    .where('status', '=', 'open')
    .returning('suggested_by')
    .executeTakeFirst();
}

// ---- Writes of the decisions' capability ------------------------------------------------------

export type RecommendationValues = {
  information_considered: string;
  recommendation: 'yes' | 'no';
  recommendation_reasons: string;
  recommended_by: string;
  recommended_at: Date;
};

/** Records or revises the recommendation on a case's question. */
export async function saveRecommendation(
  db: DbOrTrx,
  existingId: string | null,
  caseId: string,
  question: 'assess' | 'issue_plan',
  values: RecommendationValues,
) {
  if (existingId) {
    await db.updateTable('case_decision').set(values).where('id', '=', existingId).execute();
  } else {
    await db
      .insertInto('case_decision')
      .values({ case_id: caseId, question, ...values })
      .execute();
  }
}

export async function recordDecisionOutcome(
  db: DbOrTrx,
  decisionId: string,
  values: {
    outcome: 'yes' | 'no';
    reasons: string;
    supportOffered: string | null;
    decidedBy: string;
    decidedOn: CalendarDate;
    letterDocumentId: string | null;
  },
) {
  await db
    .updateTable('case_decision')
    .set({
      outcome: values.outcome,
      reasons: values.reasons,
      support_offered: values.supportOffered,
      decided_by: values.decidedBy,
      decided_on: values.decidedOn,
      decided_at: new Date(),
      letter_document_id: values.letterDocumentId,
    })
    .where('id', '=', decisionId)
    .execute();
}
