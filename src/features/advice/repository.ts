import { sql, type QueryCreator } from 'kysely';
import { jsonArrayFrom } from 'kysely/helpers/postgres';
import type { DbOrTrx } from '../../db/database.ts';
import type { AdviceType, Database } from '../../db/schema.ts';
import { listViewAudit, type AuditContext } from '../../audit/audit.ts';

/** Every query about advice requests, their versions and exceptions. */

/** The case facts the advice pages need. */
export async function findCase(db: DbOrTrx, caseId: string) {
  return db
    .selectFrom('case')
    .innerJoin('local_authority', 'local_authority.id', 'case.local_authority_id')
    .select([
      'case.id',
      'case.reference',
      'case.stage',
      'case.local_authority_id',
      'case.child_first_name',
      'case.child_last_name',
      'case.child_date_of_birth',
      'case.assigned_officer_id',
      'local_authority.name as local_authority_name',
    ])
    .where('case.id', '=', caseId)
    .executeTakeFirst();
}

/** The advice asked for on a case, with each request's adviser, versions and exceptions. */
export async function listRequestsOfCase(db: DbOrTrx, caseId: string) {
  const rows = await db
    .selectFrom('advice_request')
    .leftJoin('case_participant', 'case_participant.id', 'advice_request.participant_id')
    .leftJoin('app_user', 'app_user.id', 'case_participant.user_id')
    .leftJoin('organisation', 'organisation.id', 'case_participant.organisation_id')
    .select([
      'advice_request.id',
      'advice_request.advice_type',
      'advice_request.status',
      'advice_request.requested_on',
      'advice_request.due_on',
      'advice_request.sufficient_evidence',
      'advice_request.sufficient_agreed_with',
      'advice_request.created_at',
      'case_participant.case_role',
      'case_participant.adviser_kind',
      'case_participant.invited_name',
      'case_participant.ended_at as participant_ended_at',
      'app_user.display_name as user_name',
      'organisation.name as organisation_name',
    ])
    .select((eb) => [
      jsonArrayFrom(
        eb
          .selectFrom('advice_submission')
          .leftJoin('case_document', 'case_document.id', 'advice_submission.document_id')
          .leftJoin('app_user as submitter', 'submitter.id', 'advice_submission.submitted_by')
          .select([
            'advice_submission.version',
            'advice_submission.document_id',
            sql<string>`advice_submission.submitted_at`.as('submitted_at'),
            'submitter.display_name as submitted_by_name',
            'case_document.visibility',
            'case_document.file_name',
          ])
          .whereRef('advice_submission.advice_request_id', '=', 'advice_request.id')
          .orderBy('advice_submission.version'),
      ).as('submissions'),
      jsonArrayFrom(
        eb
          .selectFrom('advice_exception')
          .select([
            'advice_exception.reason',
            'advice_exception.details',
            'advice_exception.occurred_on',
          ])
          .whereRef('advice_exception.advice_request_id', '=', 'advice_request.id')
          .orderBy('advice_exception.recorded_at'),
      ).as('exceptions'),
    ])
    .where('advice_request.case_id', '=', caseId)
    .orderBy('advice_request.created_at')
    .orderBy('advice_request.id')
    .execute();
  return rows;
}

/**
 * The types a case has asked for already (any request not withdrawn), read under the case's
 * lock so two caseworkers cannot ask for the same advice twice.
 */
export async function openRequestsOfCase(db: DbOrTrx, caseId: string) {
  return db
    .selectFrom('advice_request')
    .select(['advice_type', 'status', 'participant_id'])
    .where('case_id', '=', caseId)
    .where('status', '<>', 'withdrawn')
    .execute();
}

export async function insertRequest(
  db: DbOrTrx,
  request: {
    caseId: string;
    type: AdviceType;
    participantId: string | null;
    status: 'requested' | 'sufficient';
    requestedOn: string | null;
    dueOn: string | null;
    requestedBy: string;
    sufficientEvidence: string | null;
    sufficientAgreedWith: string | null;
  },
): Promise<string> {
  const { id } = await db
    .insertInto('advice_request')
    .values({
      case_id: request.caseId,
      advice_type: request.type,
      participant_id: request.participantId,
      status: request.status,
      requested_on: request.requestedOn,
      due_on: request.dueOn,
      requested_by: request.requestedBy,
      sufficient_evidence: request.sufficientEvidence,
      sufficient_agreed_with: request.sufficientAgreedWith,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return id;
}

/**
 * The people who answer for a participant: the person, or every current member of the
 * organisation. Nobody yet for someone invited who has not registered.
 */
export async function adviserUserIds(db: DbOrTrx, participantId: string): Promise<string[]> {
  const participant = await db
    .selectFrom('case_participant')
    .select(['user_id', 'organisation_id', 'ended_at'])
    .where('id', '=', participantId)
    .executeTakeFirst();
  if (!participant || participant.ended_at) return [];
  if (participant.user_id) return [participant.user_id];
  if (!participant.organisation_id) return [];
  const members = await db
    .selectFrom('organisation_membership')
    .select('user_id')
    .distinct()
    .where('organisation_id', '=', participant.organisation_id)
    .where('ended_at', 'is', null)
    .orderBy('user_id')
    .execute();
  return members.map((m) => m.user_id);
}

/**
 * The unused invitation of a participant invited by email who has not registered yet (no
 * account, no organisation), locked for the caller's transaction; null for anyone else.
 */
export async function pendingInvitationOf(db: DbOrTrx, participantId: string) {
  const row = await db
    .selectFrom('case_participant')
    .innerJoin('invitation', 'invitation.id', 'case_participant.invitation_id')
    .select(['invitation.id', 'invitation.email', 'invitation.case_id', 'invitation.case_role'])
    .where('case_participant.id', '=', participantId)
    .where('case_participant.ended_at', 'is', null)
    .where('case_participant.user_id', 'is', null)
    .where('invitation.used_at', 'is', null)
    .forUpdate()
    .executeTakeFirst();
  return row ?? null;
}

/**
 * Points an invited participant at a new invitation and closes the one it replaces, so only
 * the newest link works and registering through it claims this participant.
 */
export async function replaceInvitation(
  db: DbOrTrx,
  ids: { participantId: string; oldInvitationId: string; newInvitationId: string },
) {
  await db
    .updateTable('invitation')
    .set({ expires_at: new Date() })
    .where('id', '=', ids.oldInvitationId)
    .execute();
  await db
    .updateTable('case_participant')
    .set({ invitation_id: ids.newInvitationId })
    .where('id', '=', ids.participantId)
    .execute();
}

/** One advice request on a case, with everything its form shows. */
export async function findRequest(db: DbOrTrx, caseId: string, adviceId: string) {
  return db
    .selectFrom('advice_request')
    .innerJoin('case', 'case.id', 'advice_request.case_id')
    .innerJoin('local_authority', 'local_authority.id', 'case.local_authority_id')
    .leftJoin('case_participant', 'case_participant.id', 'advice_request.participant_id')
    .leftJoin('app_user', 'app_user.id', 'case_participant.user_id')
    .leftJoin('organisation', 'organisation.id', 'case_participant.organisation_id')
    .select([
      'advice_request.id',
      'advice_request.case_id',
      'advice_request.advice_type',
      'advice_request.status',
      'advice_request.requested_on',
      'advice_request.due_on',
      'advice_request.draft',
      'advice_request.draft_saved_at',
      'advice_request.sufficient_evidence',
      'advice_request.sufficient_agreed_with',
      'case.reference',
      'case.local_authority_id',
      'case.child_first_name',
      'case.child_last_name',
      'case.assigned_officer_id',
      'local_authority.name as local_authority_name',
      'case_participant.user_id as participant_user_id',
      'case_participant.organisation_id as participant_organisation_id',
      'case_participant.ended_at as participant_ended_at',
      'case_participant.invited_name',
      'app_user.display_name as user_name',
      'organisation.name as organisation_name',
    ])
    .select((eb) => [
      jsonArrayFrom(
        eb
          .selectFrom('advice_submission')
          .leftJoin('case_document', 'case_document.id', 'advice_submission.document_id')
          .leftJoin('app_user as submitter', 'submitter.id', 'advice_submission.submitted_by')
          .select([
            'advice_submission.id',
            'advice_submission.version',
            'advice_submission.answers',
            'advice_submission.document_id',
            sql<string>`advice_submission.submitted_at`.as('submitted_at'),
            'submitter.display_name as submitted_by_name',
            'case_document.visibility',
            'case_document.file_name',
          ])
          .whereRef('advice_submission.advice_request_id', '=', 'advice_request.id')
          .orderBy('advice_submission.version'),
      ).as('submissions'),
      jsonArrayFrom(
        eb
          .selectFrom('advice_exception')
          .innerJoin('app_user as recorder', 'recorder.id', 'advice_exception.recorded_by')
          .select([
            'advice_exception.reason',
            'advice_exception.details',
            'advice_exception.occurred_on',
            'recorder.display_name as recorded_by_name',
          ])
          .whereRef('advice_exception.advice_request_id', '=', 'advice_request.id')
          .orderBy('advice_exception.recorded_at'),
      ).as('exceptions'),
    ])
    .where('advice_request.id', '=', adviceId)
    .where('advice_request.case_id', '=', caseId)
    .executeTakeFirst();
}

/** Locks the request for the rest of the transaction, so versions are numbered one at a time. */
export async function lockRequest(db: DbOrTrx, adviceId: string) {
  return db
    .selectFrom('advice_request')
    .select(['id', 'status'])
    .where('id', '=', adviceId)
    .forUpdate()
    .executeTakeFirst();
}

export async function nextVersion(db: DbOrTrx, adviceId: string): Promise<number> {
  const row = await db
    .selectFrom('advice_submission')
    .select((eb) => eb.fn.max('version').as('latest'))
    .where('advice_request_id', '=', adviceId)
    .executeTakeFirstOrThrow();
  return Number(row.latest ?? 0) + 1;
}

export async function insertSubmission(
  db: DbOrTrx,
  submission: {
    adviceId: string;
    version: number;
    answers: Record<string, unknown>;
    documentId: string | null;
    submittedBy: string;
  },
) {
  await db
    .insertInto('advice_submission')
    .values({
      advice_request_id: submission.adviceId,
      version: submission.version,
      answers: JSON.stringify(submission.answers),
      document_id: submission.documentId,
      submitted_by: submission.submittedBy,
    })
    .execute();
}

/** Submitted: the draft is spent (the next version starts from the submitted answers). */
export async function markSubmitted(db: DbOrTrx, adviceId: string) {
  await db
    .updateTable('advice_request')
    .set({ status: 'submitted', draft: '{}', draft_saved_at: null, updated_at: new Date() })
    .where('id', '=', adviceId)
    .execute();
}

export async function saveDraft(db: DbOrTrx, adviceId: string, draft: Record<string, unknown>) {
  const now = new Date();
  await db
    .updateTable('advice_request')
    .set({ draft: JSON.stringify(draft), draft_saved_at: now, updated_at: now })
    .where('id', '=', adviceId)
    .execute();
}

export async function insertException(
  db: DbOrTrx,
  exception: {
    adviceId: string;
    reason: 'missed_appointment' | 'absence' | 'exceptional_circumstances';
    details: string;
    occurredOn: string;
    recordedBy: string;
  },
) {
  await db
    .insertInto('advice_exception')
    .values({
      advice_request_id: exception.adviceId,
      reason: exception.reason,
      details: exception.details,
      occurred_on: exception.occurredOn,
      recorded_by: exception.recordedBy,
    })
    .execute();
}

/** At most this many requests on one person's list; the oldest due go first. */
export const TASKS_LIMIT = 500;

/**
 * The advice requests a person answers for, in person or through an organisation, across
 * every LA, with the audit of the cases listed (the list shows each child's name) written by
 * the same statement.
 */
export async function listTasks(
  db: DbOrTrx,
  who: { userId: string; organisationIds: string[]; openStages: readonly string[] },
  audit: AuditContext,
) {
  const { userId, organisationIds, openStages } = who;
  const rows = await db
    .with('tasks', (creator) =>
      creator
        .selectFrom('advice_request')
        .innerJoin('case_participant', 'case_participant.id', 'advice_request.participant_id')
        .innerJoin('case', 'case.id', 'advice_request.case_id')
        .innerJoin('local_authority', 'local_authority.id', 'case.local_authority_id')
        .select([
          'advice_request.id',
          'advice_request.case_id',
          'advice_request.advice_type',
          'advice_request.status',
          'advice_request.due_on',
          'case.local_authority_id',
          'case.reference',
          'case.child_first_name',
          'case.child_last_name',
          'local_authority.name as local_authority_name',
        ])
        .select((eb) => [
          eb
            .selectFrom('advice_exception')
            .select((inner) => inner.fn.countAll<string>().as('n'))
            .whereRef('advice_exception.advice_request_id', '=', 'advice_request.id')
            .as('exceptions'),
          eb
            .selectFrom('advice_submission')
            .select((inner) => inner.fn.max('advice_submission.version').as('v'))
            .whereRef('advice_submission.advice_request_id', '=', 'advice_request.id')
            .as('latest_version'),
        ])
        // Advice still to give, and advice given on cases still open (for a new version).
        .where((eb) =>
          eb.or([
            eb('advice_request.status', '=', 'requested'),
            eb.and([
              eb('advice_request.status', '=', 'submitted'),
              eb('case.stage', 'in', openStages),
            ]),
          ]),
        )
        .where('case_participant.ended_at', 'is', null)
        .where((eb) =>
          eb.or([
            eb('case_participant.user_id', '=', userId),
            ...(organisationIds.length > 0
              ? [eb('case_participant.organisation_id', 'in', organisationIds)]
              : []),
          ]),
        )
        .orderBy((eb) =>
          eb.case().when('advice_request.status', '=', 'requested').then(0).else(1).end(),
        )
        .orderBy('advice_request.due_on', (ob) => ob.asc().nullsLast())
        .orderBy('case.reference')
        .limit(TASKS_LIMIT),
    )
    .with('listed', (creator) =>
      creator
        .selectFrom('tasks')
        .select(['tasks.case_id as id', 'tasks.local_authority_id'])
        .distinct(),
    )
    // Kysely's builders are invariant in their tables: seen through the one the audit reads.
    .with('logged', (creator) =>
      listViewAudit(
        creator as unknown as QueryCreator<
          Database & { listed: { id: string; local_authority_id: string } }
        >,
        audit,
      ),
    )
    .selectFrom('tasks')
    .selectAll('tasks')
    .orderBy((eb) => eb.case().when('tasks.status', '=', 'requested').then(0).else(1).end())
    .orderBy('tasks.due_on', (ob) => ob.asc().nullsLast())
    .orderBy('tasks.reference')
    .execute();
  return rows;
}

/** Requests not yet answered whose due date is before `dueBefore`, on cases at `stages`. */
export async function listUnansweredDueBefore(
  db: DbOrTrx,
  dueBefore: string,
  stages: readonly string[],
) {
  return (
    db
      .selectFrom('advice_request')
      .innerJoin('case', 'case.id', 'advice_request.case_id')
      .select([
        'advice_request.id',
        'advice_request.case_id',
        'advice_request.participant_id',
        'advice_request.due_on',
        'case.reference',
        'case.local_authority_id',
        'case.assigned_officer_id',
      ])
      .select((eb) =>
        eb
          .exists(
            eb
              .selectFrom('advice_exception')
              .select('advice_exception.id')
              .whereRef('advice_exception.advice_request_id', '=', 'advice_request.id'),
          )
          .as('has_exception'),
      )
      .where('advice_request.status', '=', 'requested')
      .where('advice_request.due_on', '<', dueBefore)
      .where('case.stage', 'in', stages)
      // Once the overdue reminder is sent there is nothing more to send: such requests, which
      // only grow in number, are not read again every hour.
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('advice_reminder_sent')
              .select('advice_reminder_sent.threshold')
              .whereRef('advice_reminder_sent.advice_request_id', '=', 'advice_request.id')
              .where('advice_reminder_sent.threshold', '=', 'overdue'),
          ),
        ),
      )
      .orderBy('advice_request.due_on')
      .orderBy('advice_request.id')
      .execute()
  );
}

/**
 * Locks a request about to be reminded of (not its case), and reads it again: whether it is
 * still unanswered, has an exception, and the stage of its case, as they are now. A submission
 * and an exception lock the request too, so neither can come between this and the reminder.
 */
export async function lockForReminder(db: DbOrTrx, adviceId: string) {
  return db
    .selectFrom('advice_request')
    .innerJoin('case', 'case.id', 'advice_request.case_id')
    .select([
      'advice_request.id',
      'advice_request.status',
      'advice_request.due_on',
      'advice_request.participant_id',
      'case.stage',
    ])
    .select((eb) =>
      eb
        .exists(
          eb
            .selectFrom('advice_exception')
            .select('advice_exception.id')
            .whereRef('advice_exception.advice_request_id', '=', 'advice_request.id'),
        )
        .as('has_exception'),
    )
    .where('advice_request.id', '=', adviceId)
    .forUpdate('advice_request')
    .executeTakeFirst();
}

/** Claims one reminder: true only for the first sweep to get here (the row is its record). */
export async function claimReminder(
  db: DbOrTrx,
  adviceId: string,
  threshold: 'due-in-7-days' | 'due-tomorrow' | 'overdue',
): Promise<boolean> {
  const claimed = await db
    .insertInto('advice_reminder_sent')
    .values({ advice_request_id: adviceId, threshold })
    .onConflict((oc) => oc.doNothing())
    .returning('advice_request_id')
    .executeTakeFirst();
  return Boolean(claimed);
}

/** Each request on a case for the family's journey page, with its latest version. */
export async function listForJourney(db: DbOrTrx, caseId: string) {
  return db
    .selectFrom('advice_request')
    .leftJoin('case_participant', 'case_participant.id', 'advice_request.participant_id')
    .leftJoin('app_user', 'app_user.id', 'case_participant.user_id')
    .leftJoin('organisation', 'organisation.id', 'case_participant.organisation_id')
    .leftJoinLateral(
      (eb) =>
        eb
          .selectFrom('advice_submission')
          .leftJoin('case_document', 'case_document.id', 'advice_submission.document_id')
          .select([
            'advice_submission.submitted_at',
            'advice_submission.document_id',
            'case_document.visibility',
          ])
          .whereRef('advice_submission.advice_request_id', '=', 'advice_request.id')
          .orderBy('advice_submission.version', 'desc')
          .limit(1)
          .as('latest'),
      (join) => join.onTrue(),
    )
    .select([
      'advice_request.id',
      'advice_request.advice_type',
      'advice_request.status',
      'advice_request.requested_on',
      'advice_request.due_on',
      'case_participant.invited_name',
      'app_user.display_name as user_name',
      'organisation.name as organisation_name',
      'latest.submitted_at',
      'latest.document_id',
      'latest.visibility',
    ])
    .select((eb) =>
      eb
        .selectFrom('advice_exception')
        .select((inner) => inner.fn.countAll<string>().as('n'))
        .whereRef('advice_exception.advice_request_id', '=', 'advice_request.id')
        .as('exceptions'),
    )
    .where('advice_request.case_id', '=', caseId)
    .orderBy('advice_request.created_at')
    .orderBy('advice_request.id')
    .execute();
}

/** The people the family asked to add and the caseworker agreed to (reg 6(1)(h)). */
export async function acceptedSuggestionsOf(db: DbOrTrx, caseId: string) {
  return db
    .selectFrom('participant_suggestion')
    .select(['id', 'name', 'role_description', 'reason'])
    .where('case_id', '=', caseId)
    .where('status', '=', 'added')
    .orderBy('created_at')
    .execute();
}
