/**
 * One port for delivering email, with three adapters chosen by configuration (`MAILER`).
 * Services never call it directly: they queue messages (see email-queue.ts) and a worker
 * delivers them. Bodies name a case by its reference and say what to do; they never carry a
 * child's name, date of birth or needs (the hub shows those after sign-in).
 */
export type EmailMessage = {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Only for optional messages (the daily digest): where to stop them. */
  listUnsubscribe?: string | null;
  /** Our id for the message, so a provider's record can be traced back to it. */
  reference?: string;
};

/** The mail service refused the message for good (an SMTP 5xx, a Notify 400): no retry helps. */
export class PermanentDeliveryError extends Error {}

/** Every send gives up well inside a delivery job's expiry (5 minutes). */
export const SEND_TIMEOUT_MS = 60_000;

export interface Mailer {
  readonly name: 'outbox' | 'smtp' | 'notify' | 'memory';
  send(message: EmailMessage): Promise<void>;
}
