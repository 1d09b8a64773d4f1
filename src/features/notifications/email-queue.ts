import { sql } from 'kysely';
import type { Db, DbOrTrx } from '../../db/database.ts';
import type { JobQueue } from '../../jobs/queue.ts';
import type { Mailer } from './mailer.ts';
import { renderMessage, type MessageData, type MessageKind } from './messages.ts';

/**
 * The email outbox. A message is a row in `email_message` plus a `deliver-email` job, both
 * written in the caller's transaction, so a change that rolls back sends nothing and one that
 * commits always sends. A worker delivers it through the configured mailer, retrying with
 * back-off; after the last retry the message shows as failed to the LA's admins, who can retry.
 */
export const DELIVER_EMAIL = 'deliver-email';

/** Back-off from 15 seconds, doubling to at most 30 minutes: about two hours in all. */
export const EMAIL_RETRY = { retryLimit: 10, retryDelay: 15, retryDelayMax: 1800 };

/** A message claimed by a worker that died is taken back after this long. */
const STALE_CLAIM_MINUTES = 10;

export type Outgoing<K extends MessageKind> = {
  kind: K;
  to: string;
  data: MessageData[K];
  userId?: string | null;
  /** Files the message under an LA, so its admins see it if delivery fails. */
  localAuthorityId?: string | null;
  listUnsubscribe?: string | null;
};

export async function queueEmail<K extends MessageKind>(
  trx: DbOrTrx,
  jobs: JobQueue,
  message: Outgoing<K>,
): Promise<string> {
  const rendered = renderMessage(message.kind, message.data);
  const row = await trx
    .insertInto('email_message')
    .values({
      kind: message.kind,
      to_address: message.to,
      user_id: message.userId ?? null,
      local_authority_id: message.localAuthorityId ?? null,
      subject: rendered.subject,
      body_text: rendered.text,
      body_html: rendered.html,
      list_unsubscribe: message.listUnsubscribe ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await jobs.send(trx, DELIVER_EMAIL, { emailId: row.id });
  return row.id;
}

export type DeliveryAttempt = { emailId: string; retryCount: number; retryLimit: number };
export type DeliveryOutcome = 'sent' | 'skipped' | 'will-retry' | 'failed';

/**
 * Delivers one queued message. The claim (queued → sending) makes a second worker, or a second
 * copy of the job, skip a message already being sent or sent, so each arrives once.
 */
export async function deliverEmail(
  db: Db,
  mailer: Mailer,
  attempt: DeliveryAttempt,
): Promise<DeliveryOutcome> {
  const claimed = await db
    .updateTable('email_message')
    .set({ status: 'sending', claimed_at: new Date(), attempts: sql`attempts + 1` })
    .where('id', '=', attempt.emailId)
    .where((eb) =>
      eb.or([
        eb('status', '=', 'queued'),
        eb.and([
          eb('status', '=', 'sending'),
          eb('claimed_at', '<', sql<Date>`now() - make_interval(mins => ${STALE_CLAIM_MINUTES})`),
        ]),
      ]),
    )
    .returningAll()
    .executeTakeFirst();
  if (!claimed) return 'skipped';
  try {
    await mailer.send({
      to: claimed.to_address,
      subject: claimed.subject,
      text: claimed.body_text,
      html: claimed.body_html,
      listUnsubscribe: claimed.list_unsubscribe,
      reference: claimed.id,
    });
  } catch (error) {
    const last = attempt.retryCount >= attempt.retryLimit;
    await db
      .updateTable('email_message')
      .set({
        status: last ? 'failed' : 'queued',
        last_error: describeFailure(error),
        failed_at: last ? new Date() : null,
        claimed_at: null,
      })
      .where('id', '=', claimed.id)
      .execute();
    return last ? 'failed' : 'will-retry';
  }
  // Sent: the body is no longer needed, and may hold a sign-in code or a reset link.
  await db
    .updateTable('email_message')
    .set({ status: 'sent', sent_at: new Date(), body_text: '', body_html: '', last_error: null })
    .where('id', '=', claimed.id)
    .execute();
  return 'sent';
}

/** The mail service's reason, without anything from the message itself. */
function describeFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\s+/g, ' ').slice(0, 500);
}

export async function listFailedEmails(db: DbOrTrx, localAuthorityId: string) {
  return db
    .selectFrom('email_message')
    .select(['id', 'kind', 'to_address', 'subject', 'attempts', 'last_error', 'failed_at'])
    .where('local_authority_id', '=', localAuthorityId)
    .where('status', '=', 'failed')
    .orderBy('failed_at', 'desc')
    .limit(200)
    .execute();
}

/** Puts a failed message back in the queue. Returns false when there is no such failed message. */
export async function retryFailedEmail(
  db: Db,
  jobs: JobQueue,
  localAuthorityId: string,
  emailId: string,
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable('email_message')
      .set({ status: 'queued', failed_at: null, claimed_at: null })
      .where('id', '=', emailId)
      .where('local_authority_id', '=', localAuthorityId)
      .where('status', '=', 'failed')
      .returning('id')
      .executeTakeFirst();
    if (!row) return false;
    await jobs.send(trx, DELIVER_EMAIL, { emailId });
    return true;
  });
}
