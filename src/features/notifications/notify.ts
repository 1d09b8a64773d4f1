import { createHmac } from 'node:crypto';
import { sql } from 'kysely';
import type { Db, DbOrTrx } from '../../db/database.ts';
import type { JobQueue } from '../../jobs/queue.ts';
import { safeEqual } from '../auth/secrets.ts';
import { queueEmail } from './email-queue.ts';
import type { MessageData, MessageKind } from './messages.ts';

/**
 * In-app notifications, with the email that goes with each: at once, or in the person's daily
 * digest if they chose one. Statutory deadline messages always go at once. Written in the
 * caller's transaction, like the change that causes them.
 */
export type NotificationInput<K extends MessageKind> = {
  userId: string;
  kind: K;
  caseId?: string | null;
  localAuthorityId?: string | null;
  /** Shown in the hub's list, and as a line of the digest. No personal data: it may be emailed. */
  title: string;
  body: string;
  /** A path in the hub, such as /cases/ID. */
  path: string;
  statutory: boolean;
  email: MessageData[K];
};

export type Notifier = {
  jobs: JobQueue;
  baseUrl: string;
  /** Signs the one-click unsubscribe links in digests. */
  unsubscribeSecret: string;
};

/**
 * The digest's one-click unsubscribe link (RFC 8058): the person's id and a MAC over it, so it
 * works without signing in and names nobody else. It can only stop optional emails.
 */
export function unsubscribePath(secret: string, userId: string): string {
  return `/unsubscribe/${userId}.${unsubscribeMac(secret, userId)}`;
}

function unsubscribeMac(secret: string, userId: string): string {
  return createHmac('sha256', secret).update(`unsubscribe:${userId}`).digest('base64url');
}

/** The user an unsubscribe token names, or null when it is not one of ours. */
export function userOfUnsubscribeToken(secret: string, token: string): string | null {
  const match = /^([0-9a-f-]{36})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match) return null;
  return safeEqual(unsubscribeMac(secret, match[1]!), match[2]!) ? match[1]! : null;
}

export async function notifyUser<K extends MessageKind>(
  trx: DbOrTrx,
  notifier: Notifier,
  input: NotificationInput<K>,
): Promise<void> {
  const user = await trx
    .selectFrom('app_user')
    .select(['email', 'email_frequency', 'disabled_at'])
    .where('id', '=', input.userId)
    .executeTakeFirst();
  if (!user) return;
  // Statutory messages always go at once; others as the person chose: at once, daily, or not.
  const emailNow = !user.disabled_at && (input.statutory || user.email_frequency === 'immediate');
  const emailState = emailNow
    ? 'sent'
    : user.disabled_at || user.email_frequency === 'none'
      ? 'none'
      : 'digest';
  await trx
    .insertInto('notification')
    .values({
      user_id: input.userId,
      kind: input.kind,
      case_id: input.caseId ?? null,
      local_authority_id: input.localAuthorityId ?? null,
      title: input.title,
      body: input.body,
      link: input.path,
      statutory: input.statutory,
      email_state: emailState,
    })
    .execute();
  if (emailNow) {
    await queueEmail(trx, notifier.jobs, {
      kind: input.kind,
      to: user.email,
      data: input.email,
      userId: input.userId,
      localAuthorityId: input.localAuthorityId ?? null,
    });
  }
}

/**
 * Sends each person who chose a daily email one digest of what is waiting. Each notification is
 * taken for a digest once (its state moves from 'digest' to 'digested' in the transaction that
 * queues the email), so running this twice, or on two workers, sends one digest.
 */
export async function sendDigests(db: Db, notifier: Notifier): Promise<number> {
  const users = await db
    .selectFrom('notification')
    .select('user_id')
    .distinct()
    .where('email_state', '=', 'digest')
    .execute();
  let sent = 0;
  for (const { user_id } of users) {
    const queued = await db.transaction().execute(async (trx) => {
      const items = await trx
        .updateTable('notification')
        .set({ email_state: 'digested' })
        .where('user_id', '=', user_id)
        .where('email_state', '=', 'digest')
        .returning(['title', 'link', 'created_at'])
        .execute();
      const user = await trx
        .selectFrom('app_user')
        .select(['email', 'disabled_at'])
        .where('id', '=', user_id)
        .executeTakeFirst();
      if (items.length === 0 || !user || user.disabled_at) return false;
      items.sort((a, b) => a.created_at.getTime() - b.created_at.getTime());
      await queueEmail(trx, notifier.jobs, {
        kind: 'digest',
        to: user.email,
        userId: user_id,
        data: {
          items: items.map((i) => ({ title: i.title, link: `${notifier.baseUrl}${i.link}` })),
          preferencesLink: `${notifier.baseUrl}/account/notifications`,
        },
        listUnsubscribe: `${notifier.baseUrl}${unsubscribePath(notifier.unsubscribeSecret, user_id)}`,
      });
      return true;
    });
    if (queued) sent += 1;
  }
  return sent;
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
