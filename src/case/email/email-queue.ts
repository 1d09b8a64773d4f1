import { sql } from 'kysely';
import type { Db, DbOrTrx } from '../../db/database.ts';
import type { JobQueue } from '../../jobs/queue.ts';
import { PermanentDeliveryError, type Mailer } from './mailer.ts';
import { renderMessage, type MessageData, type MessageKind } from './messages.ts';

/**
 * The email outbox. A message is a row in `email_message` plus a `deliver-email` job, both
 * written in one transaction (the caller's, when it has one), so a change that rolls back sends
 * nothing and one that commits always sends. A worker delivers it through the configured mailer,
 * retrying with back-off; after the last retry the message shows as failed to the LA's admins,
 * who can retry it.
 */
export const DELIVER_EMAIL = 'deliver-email';

/** Back-off from 15 seconds, doubling to at most 30 minutes: about two hours in all. */
export const EMAIL_RETRY = { retryLimit: 10, retryDelay: 15, retryDelayMax: 1800 };

/** How long a delivery job may run before pg-boss gives it to another worker. */
export const DELIVERY_EXPIRY_SECONDS = 300;

/**
 * A claim older than this belongs to a worker that died: the message may be taken back. It is
 * the job's expiry, so a job that pg-boss has given up on can be picked up again at once.
 */
const STALE_CLAIM_SECONDS = DELIVERY_EXPIRY_SECONDS;

/** Messages whose content stops being useful within the hour: never resent by hand. */
export const EXPIRING_KINDS: readonly MessageKind[] = ['security-code', 'password-reset'];

export type Outgoing<K extends MessageKind> = {
  kind: K;
  to: string;
  data: MessageData[K];
  userId?: string | null;
  /**
   * Files the message under an LA, so its admins see it if delivery fails. When not given, the
   * LA is found from the person: the one they work for, or the one running their case.
   */
  localAuthorityId?: string | null;
  listUnsubscribe?: string | null;
};

/** The LA a person belongs to, for filing their messages: staff first, then their cases. */
async function localAuthorityOfUser(trx: DbOrTrx, userId: string): Promise<string | null> {
  const staff = await trx
    .selectFrom('staff_membership')
    .select('local_authority_id')
    .where('user_id', '=', userId)
    .orderBy('local_authority_id')
    .executeTakeFirst();
  if (staff) return staff.local_authority_id;
  const participant = await trx
    .selectFrom('case_participant')
    .innerJoin('case', 'case.id', 'case_participant.case_id')
    .select('case.local_authority_id')
    .where('case_participant.user_id', '=', userId)
    .where('case_participant.ended_at', 'is', null)
    .orderBy('case_participant.added_at', 'desc')
    .executeTakeFirst();
  return participant?.local_authority_id ?? null;
}

export async function queueEmail<K extends MessageKind>(
  db: DbOrTrx,
  jobs: JobQueue,
  message: Outgoing<K>,
): Promise<string> {
  // The row and its job commit together or not at all.
  if (!db.isTransaction) {
    return db.transaction().execute((trx) => queueEmail(trx, jobs, message));
  }
  const rendered = renderMessage(message.kind, message.data);
  const localAuthorityId =
    message.localAuthorityId ??
    (message.userId ? await localAuthorityOfUser(db, message.userId) : null);
  const row = await db
    .insertInto('email_message')
    .values({
      kind: message.kind,
      to_address: message.to,
      user_id: message.userId ?? null,
      local_authority_id: localAuthorityId,
      subject: rendered.subject,
      body_text: rendered.text,
      body_html: rendered.html,
      list_unsubscribe: message.listUnsubscribe ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await jobs.send(db, DELIVER_EMAIL, { emailId: row.id });
  return row.id;
}

export type DeliveryAttempt = { emailId: string; retryCount: number; retryLimit: number };
/**
 * `in-flight`: another attempt holds a fresh claim on the message (a worker that may yet finish,
 * or a job pg-boss retried early); this attempt fails so pg-boss tries again later.
 */
export type DeliveryOutcome = 'sent' | 'skipped' | 'in-flight' | 'will-retry' | 'failed';

/** Whether pg-boss should run the job again. */
export function shouldRetry(outcome: DeliveryOutcome): boolean {
  return outcome === 'will-retry' || outcome === 'in-flight';
}

/**
 * Delivers one queued message. The claim (queued → sending, stamped with the time) means a second
 * worker, or a second copy of the job, cannot send a message already being sent or sent, so each
 * arrives once; every later update names the claim, so a late attempt cannot undo a newer one.
 */
export async function deliverEmail(
  db: Db,
  mailer: Mailer,
  attempt: DeliveryAttempt,
): Promise<DeliveryOutcome> {
  const last = attempt.retryCount >= attempt.retryLimit;
  const claimedAt = new Date();
  const claimed = await db
    .updateTable('email_message')
    .set({ status: 'sending', claimed_at: claimedAt, attempts: sql`attempts + 1` })
    .where('id', '=', attempt.emailId)
    .where((eb) =>
      eb.or([
        eb('status', '=', 'queued'),
        eb.and([
          eb('status', '=', 'sending'),
          eb('claimed_at', '<', sql<Date>`now() - make_interval(secs => ${STALE_CLAIM_SECONDS})`),
        ]),
      ]),
    )
    .returningAll()
    .executeTakeFirst();
  if (!claimed) {
    const current = await db
      .selectFrom('email_message')
      .select('status')
      .where('id', '=', attempt.emailId)
      .executeTakeFirst();
    if (current?.status !== 'sending') return 'skipped';
    if (!last) return 'in-flight';
    // The last attempt, and the message is still held: say so, rather than leave it unseen.
    await markFailed(db, attempt.emailId, null, 'Delivery did not finish: the worker stopped');
    return 'failed';
  }
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
    const permanent = error instanceof PermanentDeliveryError;
    if (last || permanent) {
      await markFailed(db, claimed.id, claimedAt, describeFailure(error));
      return 'failed';
    }
    await db
      .updateTable('email_message')
      .set({ status: 'queued', last_error: describeFailure(error), claimed_at: null })
      .where('id', '=', claimed.id)
      .where('claimed_at', '=', claimedAt)
      .execute();
    return 'will-retry';
  }
  // Sent: the body is no longer needed, and may hold a sign-in code or a reset link.
  await db
    .updateTable('email_message')
    .set({ status: 'sent', sent_at: new Date(), body_text: '', body_html: '', last_error: null })
    .where('id', '=', claimed.id)
    .where('claimed_at', '=', claimedAt)
    .execute();
  return 'sent';
}

/**
 * Marks a message failed, for the LA's admins to see. A code or a reset link is out of date by
 * the time anyone could resend it, so its body is removed rather than kept.
 */
export async function markFailed(
  db: Db,
  emailId: string,
  claimedAt: Date | null,
  reason: string,
): Promise<void> {
  let update = db
    .updateTable('email_message')
    .set((eb) => ({
      status: 'failed',
      last_error: reason,
      failed_at: new Date(),
      claimed_at: null,
      body_text: eb
        .case()
        .when('kind', 'in', EXPIRING_KINDS)
        .then('')
        .else(eb.ref('body_text'))
        .end(),
      body_html: eb
        .case()
        .when('kind', 'in', EXPIRING_KINDS)
        .then('')
        .else(eb.ref('body_html'))
        .end(),
    }))
    .where('id', '=', emailId)
    .where('status', 'in', ['queued', 'sending']);
  if (claimedAt) update = update.where('claimed_at', '=', claimedAt);
  await update.execute();
}

/** The mail service's reason, without anything from the message itself. */
function describeFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\s+/g, ' ').slice(0, 500);
}

export async function listFailedEmails(db: DbOrTrx, localAuthorityId: string) {
  const rows = await db
    .selectFrom('email_message')
    .select(['id', 'kind', 'to_address', 'subject', 'attempts', 'last_error', 'failed_at'])
    .where('local_authority_id', '=', localAuthorityId)
    .where('status', '=', 'failed')
    .orderBy('failed_at', 'desc')
    .limit(200)
    .execute();
  return rows.map((r) => ({
    ...r,
    retryable: !EXPIRING_KINDS.includes(r.kind as MessageKind),
  }));
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
      .where('kind', 'not in', EXPIRING_KINDS)
      .returning('id')
      .executeTakeFirst();
    if (!row) return false;
    await jobs.send(trx, DELIVER_EMAIL, { emailId });
    return true;
  });
}
