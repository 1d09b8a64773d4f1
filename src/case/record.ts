import type { DbOrTrx } from '../db/database.ts';
import { recordAudit, type AuditContext } from '../audit/audit.ts';
import type { MessageData, MessageKind } from './email/messages.ts';
import { notifyUser, type Notifier } from './notify.ts';
import { familyOfCase, professionalsOfCase } from './participants.ts';

/**
 * The case record: every change to a case is written in the caller's transaction, under the
 * case's lock (`lockCase`), by one function (`recordChange`): its timeline events (what everyone
 * on the case reads), its audit row (who did it, from where) and its notifications (in the hub,
 * and by email at once or in a digest). A change that rolls back leaves none of them.
 */

/** Locks the case row for the rest of the transaction, so facts are recorded one at a time. */
export async function lockCase(db: DbOrTrx, caseId: string) {
  return db
    .selectFrom('case')
    .select(['id', 'local_authority_id', 'reference', 'stage', 'assigned_officer_id'])
    .where('id', '=', caseId)
    .forUpdate()
    .executeTakeFirst();
}

/** Who hears of a change: the family, the professionals on the case, or the people named. */
export type Recipients = 'family' | 'professionals' | readonly string[];

/** One notification of a change, to each of its recipients. */
export type NotifyOf = {
  [K in MessageKind]: {
    to: Recipients;
    kind: K;
    /** Shown in the hub's list and as a line of the digest: no personal data. */
    title: string;
    body: string;
    /** Where it leads in the hub, such as /cases/ID. */
    path: string;
    /** Statutory messages are emailed at once, whatever the person chose. */
    statutory: boolean;
    email: MessageData[K];
  };
}[MessageKind];

/** A timeline event: what happened, in words everyone on the case may read. */
export type CaseEventOf = { kind: string; summary: string };

export type CaseChange = {
  caseId: string;
  localAuthorityId: string;
  events?: readonly CaseEventOf[];
  /** The audit row, against the case. */
  audit?: { action: string; details?: Record<string, unknown> };
  notify?: readonly NotifyOf[];
};

/**
 * Records one change to a case in the caller's transaction, under the case's lock (taken here if
 * the caller has not taken it already: locking twice in one transaction costs nothing): its
 * timeline events (by the context's actor), its audit row, then its notifications, in that
 * order. Returns the people each notification went to, in the order given.
 */
export async function recordChange(
  trx: DbOrTrx,
  /** Null for a change that notifies no one. */
  notifier: Notifier | null,
  context: AuditContext,
  change: CaseChange,
): Promise<{ notified: string[][] }> {
  if (!(await lockCase(trx, change.caseId))) {
    throw new Error('A change was recorded against a case that does not exist');
  }
  for (const event of change.events ?? []) {
    await insertCaseEvent(trx, {
      caseId: change.caseId,
      kind: event.kind,
      summary: event.summary,
      actorUserId: context.actorUserId,
    });
  }
  if (change.audit) {
    await recordAudit(trx, context, {
      action: change.audit.action,
      subjectType: 'case',
      subjectId: change.caseId,
      localAuthorityId: change.localAuthorityId,
      ...(change.audit.details ? { details: change.audit.details } : {}),
    });
  }
  const notified: string[][] = [];
  for (const notice of change.notify ?? []) {
    if (!notifier) throw new Error('A change that notifies people needs a notifier');
    const userIds = await recipientsOf(trx, change.caseId, notice.to);
    for (const userId of userIds) {
      await notifyUser(trx, notifier, {
        userId,
        kind: notice.kind,
        caseId: change.caseId,
        localAuthorityId: change.localAuthorityId,
        title: notice.title,
        body: notice.body,
        path: notice.path,
        statutory: notice.statutory,
        email: notice.email,
      } as Parameters<typeof notifyUser>[2]);
    }
    notified.push(userIds);
  }
  return { notified };
}

async function recipientsOf(trx: DbOrTrx, caseId: string, to: Recipients): Promise<string[]> {
  if (to === 'family') return familyOfCase(trx, caseId);
  if (to === 'professionals') return professionalsOfCase(trx, caseId);
  return [...to];
}

/** A read of a child's record, audited against the case (it changes nothing on it). */
export async function recordCaseRead(
  db: DbOrTrx,
  context: AuditContext,
  read: {
    caseId: string;
    localAuthorityId: string;
    action: string;
    details?: Record<string, unknown>;
  },
): Promise<void> {
  await recordAudit(db, context, {
    action: read.action,
    subjectType: 'case',
    subjectId: read.caseId,
    localAuthorityId: read.localAuthorityId,
    ...(read.details ? { details: read.details } : {}),
  });
}

/** A timeline event: written only by `recordChange`. */
async function insertCaseEvent(
  db: DbOrTrx,
  event: { caseId: string; kind: string; summary: string; actorUserId: string | null },
) {
  await db
    .insertInto('case_event')
    .values({
      case_id: event.caseId,
      kind: event.kind,
      summary: event.summary,
      actor_user_id: event.actorUserId,
      details: '{}',
    })
    .execute();
}
