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
    | 'case'
    | 'user'
    | 'organisation'
    | 'local_authority'
    | 'session'
    | 'invitation'
    | 'request'
    /** A page or form refused without a case to name: the route is in the details. */
    | 'route';
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

export const REFUSED_ACCESS_ACTION = 'refused access';

/** Why access was refused: the route's policy, a post without a valid CSRF token, or a thing not visible to the actor. */
export type RefusalReason = 'policy' | 'csrf' | 'not-visible' | 'forbidden';

/** What a refusal's row holds in its details: never the request's body, query or personal data. */
export type RefusalDetails = {
  method: string;
  /** The route's pattern (`/cases/:caseId`), not the address asked for. */
  route: string;
  status: number;
  reason: RefusalReason;
  /** The actor's staff roles, and `professional` for a member of an organisation. */
  roles: string[];
};

export type Refusal = RefusalDetails & {
  /** The case refused, when one exists; its LA owns the row. */
  case: { caseId: string; localAuthorityId: string } | null;
  /** Without a case, the LAs the actor works for each get a row (none: one row with no LA). */
  actorLocalAuthorityIds: string[];
};

/**
 * One refused request, in one statement: a row for the case's LA, or, without a case, one for
 * each LA the actor works for, so that each LA's administrators see their own staff's attempts.
 */
export async function recordRefusal(
  db: DbOrTrx,
  context: AuditContext,
  refusal: Refusal,
): Promise<void> {
  const { case: refusedCase, actorLocalAuthorityIds, ...details } = refusal;
  const owners: (string | null)[] = refusedCase
    ? [refusedCase.localAuthorityId]
    : actorLocalAuthorityIds.length > 0
      ? [...new Set(actorLocalAuthorityIds)]
      : [null];
  await db
    .insertInto('audit_event')
    .values(
      owners.map((localAuthorityId) => ({
        actor_user_id: context.actorUserId,
        correlation_id: context.correlationId,
        ip_address: context.ipAddress,
        action: REFUSED_ACCESS_ACTION,
        subject_type: refusedCase ? 'case' : 'route',
        subject_id: refusedCase?.caseId ?? null,
        local_authority_id: localAuthorityId,
        details: JSON.stringify(details),
      })),
    )
    .execute();
}

function refusalIn(action: string, details: unknown): RefusalDetails | null {
  if (action !== REFUSED_ACCESS_ACTION || !details || typeof details !== 'object') return null;
  const d = details as Partial<RefusalDetails>;
  return {
    method: String(d.method ?? ''),
    route: String(d.route ?? ''),
    status: Number(d.status ?? 0),
    reason: (d.reason ?? 'forbidden') as RefusalReason,
    roles: Array.isArray(d.roles) ? d.roles.map(String) : [],
  };
}

export type AccessLogEntry = {
  occurredAt: Date;
  action: string;
  actorName: string | null;
  actorEmail: string | null;
  ipAddress: string | null;
  correlationId: string | null;
  /** For a refused attempt: what was asked for and why it was refused. */
  refusal: RefusalDetails | null;
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
      'audit_event.details',
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
      refusal: refusalIn(r.action, r.details),
    })),
  };
}

export type AuthorityAuditEntry = AccessLogEntry & {
  /** The case named, when the row is about one (its reference, for the LA's own cases). */
  caseId: string | null;
  caseReference: string | null;
  /** How many cases a list showed, for "saw cases in a list". */
  casesListed: number | null;
};

/** Counting stops here: a busy LA's full log has millions of rows. */
export const AUDIT_COUNT_CAP = 10_000;

/**
 * An LA's audit log, newest first, for its administrators; or only its refusals (read through
 * their own partial index, migration 0012). Ordered by id, which follows time and is indexed.
 */
export async function listAuditForAuthority(
  db: DbOrTrx,
  localAuthorityId: string,
  { refusedOnly, limit, offset }: { refusedOnly: boolean; limit: number; offset: number },
): Promise<{ entries: AuthorityAuditEntry[]; total: number; capped: boolean }> {
  const base = db
    .selectFrom('audit_event')
    .where('audit_event.local_authority_id', '=', localAuthorityId)
    .$if(refusedOnly, (q) => q.where('audit_event.action', '=', REFUSED_ACCESS_ACTION));
  const rows = await base
    .leftJoin('app_user', 'app_user.id', 'audit_event.actor_user_id')
    .leftJoin('case', (join) =>
      join
        .on('audit_event.subject_type', '=', 'case')
        .on(sql`${sql.ref('case.id')}::text`, '=', sql.ref('audit_event.subject_id'))
        .onRef('case.local_authority_id', '=', 'audit_event.local_authority_id'),
    )
    .select([
      'audit_event.occurred_at',
      'audit_event.action',
      'app_user.display_name',
      'app_user.email',
      'audit_event.ip_address',
      'audit_event.correlation_id',
      'audit_event.details',
      'case.id as case_id',
      'case.reference',
      sql<number | null>`cardinality(${sql.ref('audit_event.case_ids')})`.as('cases_listed'),
    ])
    .orderBy('audit_event.id', 'desc')
    .limit(limit)
    .offset(offset)
    .execute();
  const { count } = await db
    .selectFrom(
      base
        .select(sql<number>`1`.as('one'))
        .limit(AUDIT_COUNT_CAP + 1)
        .as('counted'),
    )
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .executeTakeFirstOrThrow();
  const total = Number(count);
  return {
    total: Math.min(total, AUDIT_COUNT_CAP),
    capped: total > AUDIT_COUNT_CAP,
    entries: rows.map((r) => ({
      occurredAt: r.occurred_at,
      action: r.action,
      actorName: r.display_name,
      actorEmail: r.email,
      ipAddress: r.ip_address,
      correlationId: r.correlation_id,
      refusal: refusalIn(r.action, r.details),
      caseId: r.case_id,
      caseReference: r.reference,
      casesListed: r.cases_listed === null ? null : Number(r.cases_listed),
    })),
  };
}
