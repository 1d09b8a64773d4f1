import { sql } from 'kysely';
import { jsonArrayFrom } from 'kysely/helpers/postgres';
import type { DbOrTrx } from '../../db/database.ts';
import { precompiledByForm } from '../../db/precompiled.ts';
import { caseViewAudit, listViewAudit, type AuditContext } from '../../audit/audit.ts';
import { closureDaysJson } from '../../case/calendar.ts';
import { participantsQuery } from '../../case/participants.ts';

export type TrayFilter = {
  localAuthorityIds: string[];
  stage?: string | undefined;
  /** A user id, or 'unassigned'. */
  officer?: string | undefined;
  /** Any of these officers (found by name); none matches when empty. */
  officerIds?: string[] | undefined;
  /** Next step due before this date (exclusive). */
  dueBefore?: string | undefined;
  /** Next step due on or after this date. */
  dueFrom?: string | undefined;
  limit: number;
  offset: number;
};

/**
 * The tray counts at most this many cases: beyond it the number says "more than", and filters
 * narrow the list. Counting a large LA's every case on every page view would cost more than the
 * page itself.
 */
export const TRAY_COUNT_LIMIT = 1_000;

/**
 * The caseworker's tray in one round trip: a page of the LA's cases, soonest due first (cases
 * with nothing due last), how many match (counted up to TRAY_COUNT_LIMIT), and the audit of the
 * cases shown.
 */
export async function listTray(db: DbOrTrx, filter: TrayFilter, audit: AuditContext) {
  const [result] = await trayQuery(db, {
    localAuthorityIds: filter.localAuthorityIds,
    stage: filter.stage,
    unassigned: filter.officer === 'unassigned',
    officer: filter.officer === 'unassigned' ? undefined : filter.officer,
    officerIds: filter.officerIds,
    dueBefore: filter.dueBefore,
    dueFrom: filter.dueFrom,
    limit: filter.limit,
    offset: filter.offset,
    audit,
  });
  const counted = Number(result!.total);
  return {
    rows: result!.rows,
    total: Math.min(counted, TRAY_COUNT_LIMIT),
    more: counted > TRAY_COUNT_LIMIT,
  };
}

/**
 * The tray's one statement, compiled once for each combination of filters: caseworkers load it
 * all day, and building it with Kysely cost more than a tenth of the page.
 */
const trayQuery = precompiledByForm(
  (
    db,
    filter: Omit<TrayFilter, 'officer'> & {
      /** Only cases with no officer (then `officer` is not given). */
      unassigned: boolean;
      officer?: string | undefined;
      audit: AuditContext;
    },
  ) => {
    let matching = db
      .selectFrom('case')
      .where('case.local_authority_id', 'in', filter.localAuthorityIds);
    if (filter.stage !== undefined) matching = matching.where('case.stage', '=', filter.stage);
    if (filter.unassigned) {
      matching = matching.where('case.assigned_officer_id', 'is', null);
    } else if (filter.officer !== undefined) {
      matching = matching.where('case.assigned_officer_id', '=', filter.officer);
    }
    if (filter.officerIds) {
      matching =
        filter.officerIds.length > 0
          ? matching.where('case.assigned_officer_id', 'in', filter.officerIds)
          : matching.where(sql<boolean>`false`);
    }
    if (filter.dueBefore !== undefined) {
      matching = matching.where('case.next_step_due_on', '<', filter.dueBefore);
    }
    if (filter.dueFrom !== undefined) {
      matching = matching.where('case.next_step_due_on', '>=', filter.dueFrom);
    }
    return db
      .with('listed', () =>
        matching
          .leftJoin('app_user as officer', 'officer.id', 'case.assigned_officer_id')
          .select([
            'case.id',
            'case.local_authority_id',
            'case.reference',
            'case.child_first_name',
            'case.child_last_name',
            'case.stage',
            'case.next_step_due_on',
            'officer.display_name as officer_name',
          ])
          .orderBy('case.next_step_due_on', (ob) => ob.asc().nullsLast())
          .orderBy('case.reference', 'asc')
          .limit(filter.limit)
          .offset(filter.offset),
      )
      .with('logged', (creator) => listViewAudit(creator, filter.audit))
      .selectNoFrom((eb) => [
        jsonArrayFrom(
          eb
            .selectFrom('listed')
            .selectAll()
            .orderBy('listed.next_step_due_on', (ob) => ob.asc().nullsLast())
            .orderBy('listed.reference', 'asc'),
        ).as('rows'),
        eb
          .selectFrom(
            matching
              .select('case.id')
              .limit(TRAY_COUNT_LIMIT + 1)
              .as('capped'),
          )
          .select((inner) => inner.fn.countAll<string>().as('count'))
          .as('total'),
      ]);
  },
);

/**
 * The cases a person takes part in, directly or through an organisation, across every LA, with
 * each LA's closure days (for its clock); the cases shown are audited in the same statement.
 */
export async function listCasesOfParticipant(
  db: DbOrTrx,
  userId: string,
  organisationIds: string[],
  audit: AuditContext,
) {
  const rows = await casesOfParticipantQuery(db, { userId, organisationIds, audit });
  return rows.map((r) => ({ ...r, closures: r.closures.map((c) => c.closed_on) }));
}

/** The family's and professionals' "Your cases" statement, compiled once for each form. */
const casesOfParticipantQuery = precompiledByForm(
  (db, values: { userId: string; organisationIds: string[]; audit: AuditContext }) =>
    db
      .with('listed', (creator) =>
        creator
          .selectFrom('case')
          .innerJoin('local_authority', 'local_authority.id', 'case.local_authority_id')
          .select([
            'case.id',
            'case.local_authority_id',
            'case.reference',
            'case.child_first_name',
            'case.child_last_name',
            'case.stage',
            'case.request_received_on',
            'case.plan_issued_on',
            'case.last_review_on',
            'case.next_step_due_on',
            'local_authority.name as local_authority_name',
          ])
          .where((eb) =>
            eb(
              'case.id',
              'in',
              eb
                .selectFrom('case_participant')
                .select('case_participant.case_id')
                .where('case_participant.ended_at', 'is', null)
                .where((inner) =>
                  inner.or([
                    inner('case_participant.user_id', '=', values.userId),
                    ...(values.organisationIds.length > 0
                      ? [inner('case_participant.organisation_id', 'in', values.organisationIds)]
                      : []),
                  ]),
                ),
            ),
          )
          .orderBy('case.next_step_due_on', (ob) => ob.asc().nullsLast())
          .orderBy('case.reference')
          .limit(500),
      )
      .with('logged', (creator) => listViewAudit(creator, values.audit))
      .selectFrom('listed')
      .selectAll('listed')
      .select((eb) => closureDaysJson(db, eb.ref('listed.local_authority_id')).as('closures'))
      .orderBy('listed.next_step_due_on', (ob) => ob.asc().nullsLast())
      .orderBy('listed.reference'),
);

/**
 * Everything the case page shows, in one query: the case, its people, its timeline (newest
 * 200), its exceptions to time limits and its LA's closure days (for the clock), with the
 * audit of the view. Times inside the JSON parts come back as ISO strings.
 */
export async function findCaseOverview(db: DbOrTrx, caseId: string, audit: AuditContext) {
  const [found] = await caseOverviewQuery(db, { caseId, audit });
  if (!found) return null;
  return {
    ...found,
    events: found.events.map((e) => ({ ...e, occurred_at: new Date(e.occurred_at) })),
    exceptions: found.exceptions.map((e) => ({ ...e, recorded_at: new Date(e.recorded_at) })),
    closures: found.closures.map((c) => c.closed_on),
  };
}

/** The case page's statement, compiled once. */
const caseOverviewQuery = precompiledByForm(
  (db, { caseId, audit }: { caseId: string; audit: AuditContext }) =>
    db
      .with('logged', (creator) => caseViewAudit(creator, audit, caseId))
      .selectFrom('case')
      .innerJoin('local_authority', 'local_authority.id', 'case.local_authority_id')
      .leftJoin('app_user as officer', 'officer.id', 'case.assigned_officer_id')
      .select([
        'case.id',
        'case.reference',
        'case.local_authority_id',
        'case.child_first_name',
        'case.child_last_name',
        'case.child_date_of_birth',
        'case.stage',
        'case.request_received_on',
        'case.assessment_decided_on',
        'case.plan_issued_on',
        'case.last_review_on',
        'case.closed_on',
        'case.next_step_due_on',
        'local_authority.name as local_authority_name',
        'officer.display_name as officer_name',
      ])
      .select((eb) => [
        eb
          .selectFrom('case_decision')
          .select('case_decision.decided_on')
          .whereRef('case_decision.case_id', '=', 'case.id')
          .where('case_decision.question', '=', 'issue_plan')
          .where('case_decision.outcome', 'is not', null)
          .limit(1)
          .as('plan_decided_on'),
        jsonArrayFrom(
          participantsQuery(db, eb.ref('case.id')).where('case_participant.ended_at', 'is', null),
        ).as('participants'),
        jsonArrayFrom(
          eb
            .selectFrom('case_event')
            .leftJoin('app_user', 'app_user.id', 'case_event.actor_user_id')
            .select([
              'case_event.id',
              'case_event.kind',
              'case_event.summary',
              sql<string>`case_event.occurred_at`.as('occurred_at'),
              'app_user.display_name as actor_name',
            ])
            .whereRef('case_event.case_id', '=', 'case.id')
            .orderBy('case_event.occurred_at', 'desc')
            .orderBy('case_event.id', 'desc')
            .limit(200),
        ).as('events'),
        jsonArrayFrom(
          eb
            .selectFrom('statutory_exception')
            .innerJoin('app_user', 'app_user.id', 'statutory_exception.recorded_by')
            .select([
              'statutory_exception.id',
              'statutory_exception.limit_name',
              'statutory_exception.reason',
              'statutory_exception.details',
              'statutory_exception.occurred_on',
              sql<string>`statutory_exception.recorded_at`.as('recorded_at'),
              'app_user.display_name as recorded_by_name',
            ])
            .whereRef('statutory_exception.case_id', '=', 'case.id')
            .orderBy('statutory_exception.recorded_at'),
        ).as('exceptions'),
        closureDaysJson(db, eb.ref('case.local_authority_id')).as('closures'),
        jsonArrayFrom(
          eb
            .selectFrom('assessment_request')
            .select([
              'assessment_request.id',
              'assessment_request.reference',
              'assessment_request.channel',
              'assessment_request.received_on',
            ])
            .select((inner) =>
              inner
                .selectFrom('request_document')
                .select((count) => count.fn.countAll<string>().as('n'))
                .whereRef('request_document.request_id', '=', 'assessment_request.id')
                .as('documents'),
            )
            .whereRef('assessment_request.case_id', '=', 'case.id')
            .orderBy('assessment_request.received_at'),
        ).as('requests'),
      ])
      .where('case.id', '=', caseId),
);

export async function insertException(
  db: DbOrTrx,
  exception: {
    caseId: string;
    limit: string;
    reason: string;
    details: string;
    occurredOn: string;
    recordedBy: string;
  },
) {
  await db
    .insertInto('statutory_exception')
    .values({
      case_id: exception.caseId,
      limit_name: exception.limit,
      reason: exception.reason,
      details: exception.details,
      occurred_on: exception.occurredOn,
      recorded_by: exception.recordedBy,
    })
    .execute();
}
