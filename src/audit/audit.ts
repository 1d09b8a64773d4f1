import { sql, type ExpressionBuilder } from 'kysely';
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
  subjectType: 'case' | 'user' | 'organisation' | 'local_authority' | 'session' | 'invitation';
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

/**
 * A list shows each case's child by name, so every case listed is recorded: one row per LA in
 * the list, holding the ids of the cases it showed. A case's access log then shows everyone who
 * saw the child's name, not only who opened the case.
 */
export async function recordCaseListView(
  db: DbOrTrx,
  context: AuditContext,
  cases: { id: string; local_authority_id: string }[],
): Promise<void> {
  if (cases.length === 0) return;
  const byAuthority = Map.groupBy(cases, (c) => c.local_authority_id);
  await db
    .insertInto('audit_event')
    .values(
      [...byAuthority].map(([localAuthorityId, listed]) => ({
        actor_user_id: context.actorUserId,
        correlation_id: context.correlationId,
        ip_address: context.ipAddress,
        action: LIST_VIEW_ACTION,
        subject_type: 'case',
        subject_id: null,
        local_authority_id: localAuthorityId,
        case_ids: listed.map((c) => c.id),
        details: '{}',
      })),
    )
    .execute();
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
