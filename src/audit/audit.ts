import { sql, type ExpressionBuilder, type QueryCreator } from 'kysely';
import type { DbOrTrx } from '../db/database.ts';
import type { Database } from '../db/schema.ts';

/**
 * The append-only record of who saw and changed what. Shaped like HMPPS audit events:
 * what, who, when, subject, correlation id, details. Details never hold personal data beyond ids.
 */
export type AuditContext = {
  actorUserId: string | null;
  correlationId: string | null;
  ipAddress: string | null;
};

export type AuditEvent = {
  action: string;
  subjectType:
    'case' | 'user' | 'organisation' | 'local_authority' | 'session' | 'invitation' | 'request';
  subjectId: string | null;
  localAuthorityId?: string | null;
  details?: Record<string, unknown>;
};

export async function recordAudit(
  db: DbOrTrx,
  context: AuditContext,
  event: AuditEvent,
): Promise<void> {
  await db
    .insertInto('audit_event')
    .values({
      actor_user_id: context.actorUserId,
      correlation_id: context.correlationId,
      ip_address: context.ipAddress,
      action: event.action,
      subject_type: event.subjectType,
      subject_id: event.subjectId,
      local_authority_id: event.localAuthorityId ?? null,
      details: JSON.stringify(event.details ?? {}),
    })
    .execute();
}

export const LIST_VIEW_ACTION = 'saw cases in a list';

/** Who did it, from where, as the first columns of an audit row written by INSERT ... SELECT. */
function contextColumns(context: AuditContext) {
  return [
    sql<string | null>`${context.actorUserId}::uuid`.as('actor_user_id'),
    sql<string | null>`${context.correlationId}::text`.as('correlation_id'),
    sql<string | null>`${context.ipAddress}::text`.as('ip_address'),
  ] as const;
}

/** The cases a list is about to show, as the CTE named `listed`. */
type Listed = { id: string; local_authority_id: string };

/**
 * A list shows each case's child by name, so every case listed is recorded: one row per LA in
 * the list, holding the ids of the cases it showed. A case's access log then shows everyone who
 * saw the child's name, not only who opened the case.
 *
 * This is a data-modifying CTE for the query that reads the list (`listed`): the list and its
 * audit rows are one statement, so a list cannot be read without being recorded, and the
 * record costs no extra round trip.
 */
export function listViewAudit<L extends Listed>(
  creator: QueryCreator<Database & { listed: L }>,
  context: AuditContext,
) {
  // Kysely's builders are invariant in their tables: seen through the two columns used here.
  return (creator as unknown as QueryCreator<Database & { listed: Listed }>)
    .insertInto('audit_event')
    .columns([
      'actor_user_id',
      'correlation_id',
      'ip_address',
      'action',
      'subject_type',
      'local_authority_id',
      'case_ids',
      'details',
    ])
    .expression((eb) =>
      eb
        .selectFrom('listed')
        .select([
          ...contextColumns(context),
          sql<string>`${LIST_VIEW_ACTION}::text`.as('action'),
          sql<string>`'case'`.as('subject_type'),
          'listed.local_authority_id',
          sql<string[]>`array_agg(listed.id)`.as('case_ids'),
          sql<string>`'{}'::jsonb`.as('details'),
        ])
        .groupBy('listed.local_authority_id'),
    );
}

/**
 * "Viewed case", as a data-modifying CTE for the query that reads the case: the case cannot be
 * read without the view being recorded, and the record costs no extra round trip. Nothing is
 * written for a case that does not exist.
 */
export function caseViewAudit(
  creator: QueryCreator<Database>,
  context: AuditContext,
  caseId: string,
) {
  return creator
    .insertInto('audit_event')
    .columns([
      'actor_user_id',
      'correlation_id',
      'ip_address',
      'action',
      'subject_type',
      'subject_id',
      'local_authority_id',
      'details',
    ])
    .expression((eb) =>
      eb
        .selectFrom('case')
        .select([
          ...contextColumns(context),
          sql<string>`'viewed case'`.as('action'),
          sql<string>`'case'`.as('subject_type'),
          sql<string>`${sql.ref('case.id')}::text`.as('subject_id'),
          'case.local_authority_id',
          sql<string>`'{}'::jsonb`.as('details'),
        ])
        .where('case.id', '=', caseId),
    );
}

export type AccessLogEntry = {
  occurredAt: Date;
  action: string;
  actorName: string | null;
  actorEmail: string | null;
  ipAddress: string | null;
  correlationId: string | null;
};

export async function listAuditForSubject(
  db: DbOrTrx,
  subjectType: AuditEvent['subjectType'],
  subjectId: string,
  { limit, offset }: { limit: number; offset: number },
): Promise<{ entries: AccessLogEntry[]; total: number }> {
  const about = (eb: ExpressionBuilder<Database, 'audit_event'>) => {
    const direct = eb.and([
      eb('audit_event.subject_type', '=', subjectType),
      eb('audit_event.subject_id', '=', subjectId),
    ]);
    // A case also appears in the lists that showed it.
    return subjectType === 'case'
      ? eb.or([
          direct,
          eb('audit_event.case_ids', '@>', sql<string[]>`ARRAY[${subjectId}]::uuid[]`),
        ])
      : direct;
  };
  const rows = await db
    .selectFrom('audit_event')
    .leftJoin('app_user', 'app_user.id', 'audit_event.actor_user_id')
    .select([
      'audit_event.occurred_at',
      'audit_event.action',
      'app_user.display_name',
      'app_user.email',
      'audit_event.ip_address',
      'audit_event.correlation_id',
    ])
    .where(about)
    .orderBy('audit_event.occurred_at', 'desc')
    .orderBy('audit_event.id', 'desc')
    .limit(limit)
    .offset(offset)
    .execute();
  const { count } = await db
    .selectFrom('audit_event')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where(about)
    .executeTakeFirstOrThrow();
  return {
    total: Number(count),
    entries: rows.map((r) => ({
      occurredAt: r.occurred_at,
      action: r.action,
      actorName: r.display_name,
      actorEmail: r.email,
      ipAddress: r.ip_address,
      correlationId: r.correlation_id,
    })),
  };
}
