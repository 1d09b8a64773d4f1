import type { Db, DbOrTrx } from '../../db/database.ts';
import { queueEmail } from '../../case/email/email-queue.ts';
import type { Notifier } from '../../case/notify.ts';
import { unsubscribePath } from '../../web/secrets.ts';
import * as repo from './repository.ts';

export { NOTIFICATIONS_PAGE_SIZE, type EmailFrequency } from './repository.ts';

/**
 * Sends each person who chose a daily email one digest of what is waiting. Each notification is
 * taken for a digest once (its state moves from 'digest' to 'digested' in the transaction that
 * queues the email), so running this twice, or on two workers, sends one digest.
 */
export async function sendDigests(db: Db, notifier: Notifier): Promise<number> {
  const users = await repo.usersAwaitingDigest(db);
  let sent = 0;
  for (const user_id of users) {
    const queued = await db.transaction().execute(async (trx) => {
      const items = await repo.takeDigestItems(trx, user_id);
      const user = await repo.digestRecipient(trx, user_id);
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

/** How often the person wants email about their cases (statutory messages always go at once). */
export function emailFrequencyOf(db: DbOrTrx, userId: string): Promise<repo.EmailFrequency> {
  return repo.emailFrequencyOf(db, userId);
}

export function setEmailFrequency(
  db: DbOrTrx,
  userId: string,
  frequency: repo.EmailFrequency,
): Promise<void> {
  return repo.setEmailFrequency(db, userId, frequency);
}

/** A page of the person's notifications, newest first, and how many they have. */
export function listNotifications(db: DbOrTrx, userId: string, page: number) {
  return repo.listNotifications(db, userId, page);
}

/** Marks one of the user's notifications read and returns where it leads; null if not theirs. */
export function openNotification(db: DbOrTrx, userId: string, notificationId: string) {
  return repo.openNotification(db, userId, notificationId);
}

export function markAllRead(db: DbOrTrx, userId: string): Promise<void> {
  return repo.markAllRead(db, userId);
}

/** The development outbox's newest messages. */
export function listOutbox(db: Db) {
  return repo.listOutbox(db);
}
