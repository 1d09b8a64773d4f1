import { sql } from 'kysely';
import type { EmailMessage } from '../../case/email/mailer.ts';
import type { Db, DbOrTrx } from '../../db/database.ts';
import type { SentReminder } from '../../domain/clock/deadlines.ts';

/** The people with notifications waiting for their daily digest. */
export async function usersAwaitingDigest(db: Db): Promise<string[]> {
  const rows = await db
    .selectFrom('notification')
    .select('user_id')
    .distinct()
    .where('email_state', '=', 'digest')
    .execute();
  return rows.map((r) => r.user_id);
}

/** Takes a person's waiting notifications for one digest (each is taken once). */
export async function takeDigestItems(trx: DbOrTrx, userId: string) {
  return trx
    .updateTable('notification')
    .set({ email_state: 'digested' })
    .where('user_id', '=', userId)
    .where('email_state', '=', 'digest')
    .returning(['title', 'link', 'created_at'])
    .execute();
}

export async function digestRecipient(trx: DbOrTrx, userId: string) {
  return trx
    .selectFrom('app_user')
    .select(['email', 'disabled_at'])
    .where('id', '=', userId)
    .executeTakeFirst();
}

export type EmailFrequency = 'immediate' | 'daily' | 'none';

/** How often the person wants email about their cases (statutory messages always go at once). */
export async function emailFrequencyOf(db: DbOrTrx, userId: string): Promise<EmailFrequency> {
  const row = await db
    .selectFrom('app_user')
    .select('email_frequency')
    .where('id', '=', userId)
    .executeTakeFirstOrThrow();
  return row.email_frequency;
}

export async function setEmailFrequency(
  db: DbOrTrx,
  userId: string,
  frequency: EmailFrequency,
): Promise<void> {
  await db
    .updateTable('app_user')
    .set({ email_frequency: frequency })
    .where('id', '=', userId)
    .execute();
}

export const NOTIFICATIONS_PAGE_SIZE = 25;

export async function unreadCount(db: DbOrTrx, userId: string): Promise<number> {
  const row = await db
    .selectFrom('notification')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('user_id', '=', userId)
    .where('read_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

export async function listNotifications(db: DbOrTrx, userId: string, page: number) {
  const [rows, total] = await Promise.all([
    db
      .selectFrom('notification')
      .select(['id', 'title', 'body', 'created_at', 'read_at', 'statutory'])
      .where('user_id', '=', userId)
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .limit(NOTIFICATIONS_PAGE_SIZE)
      .offset((page - 1) * NOTIFICATIONS_PAGE_SIZE)
      .execute(),
    db
      .selectFrom('notification')
      .select((eb) => eb.fn.countAll<string>().as('count'))
      .where('user_id', '=', userId)
      .executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(total.count) };
}

/** Marks one of the user's notifications read and returns where it leads; null if not theirs. */
export async function openNotification(
  db: DbOrTrx,
  userId: string,
  notificationId: string,
): Promise<string | null> {
  const row = await db
    .updateTable('notification')
    .set({ read_at: sql<Date>`coalesce(read_at, now())` })
    .where('id', '=', notificationId)
    .where('user_id', '=', userId)
    .returning('link')
    .executeTakeFirst();
  return row?.link ?? null;
}

export async function markAllRead(db: DbOrTrx, userId: string): Promise<void> {
  await db
    .updateTable('notification')
    .set({ read_at: new Date() })
    .where('user_id', '=', userId)
    .where('read_at', 'is', null)
    .execute();
}

/** The development outbox: a message kept instead of sent. */
export async function insertOutboxMessage(db: Db, message: EmailMessage): Promise<void> {
  await db
    .insertInto('outbox_message')
    .values({
      to_address: message.to,
      subject: message.subject,
      body_text: message.text,
      body_html: message.html,
      headers: JSON.stringify(
        message.listUnsubscribe ? { 'List-Unsubscribe': `<${message.listUnsubscribe}>` } : {},
      ) as unknown as Record<string, string>,
    })
    .execute();
}

export async function listOutbox(db: Db, limit = 50) {
  return db
    .selectFrom('outbox_message')
    .select(['id', 'to_address', 'subject', 'body_text', 'headers', 'created_at'])
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

/** A batch of open cases after `after` in id order, with the dates their clock needs. */
export async function openCasesAfter(
  db: Db,
  stages: readonly string[],
  after: string,
  limit: number,
) {
  return db
    .selectFrom('case')
    .select([
      'id',
      'reference',
      'local_authority_id',
      'assigned_officer_id',
      'stage',
      'request_received_on',
      'assessment_decided_on',
      'plan_issued_on',
      'last_review_on',
      'closed_on',
    ])
    .where('stage', 'in', stages)
    .where('id', '>', after)
    .orderBy('id')
    .limit(limit)
    .execute();
}

/** The exceptions recorded on these cases. */
export async function exceptionsOfCases(db: Db, caseIds: string[]) {
  return db
    .selectFrom('statutory_exception')
    .select(['case_id', 'limit_name', 'occurred_on', 'reason'])
    .where('case_id', 'in', caseIds)
    .execute();
}

/** Claims a reminder (a step, its due date and threshold) once; undefined when already sent. */
export async function claimReminder(
  trx: DbOrTrx,
  reminder: { caseId: string; limit: string; dueOn: string; threshold: SentReminder },
) {
  return trx
    .insertInto('reminder_sent')
    .values({
      case_id: reminder.caseId,
      limit_name: reminder.limit,
      due_on: reminder.dueOn,
      threshold: reminder.threshold,
    })
    .onConflict((oc) => oc.doNothing())
    .returning('case_id')
    .executeTakeFirst();
}

/** Claims the LA's overdue summary for the day once; undefined when already sent. */
export async function claimOverdueSummary(trx: DbOrTrx, localAuthorityId: string, day: string) {
  return trx
    .insertInto('overdue_summary_sent')
    .values({ local_authority_id: localAuthorityId, summary_on: day })
    .onConflict((oc) => oc.doNothing())
    .returning('local_authority_id')
    .executeTakeFirst();
}
