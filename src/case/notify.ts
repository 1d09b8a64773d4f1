import type { DbOrTrx } from '../db/database.ts';
import type { JobQueue } from '../jobs/queue.ts';
import { queueEmail } from './email/email-queue.ts';
import type { MessageData, MessageKind } from './email/messages.ts';

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
