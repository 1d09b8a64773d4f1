import type { PgBoss } from 'pg-boss';
import type { Db } from '../db/database.ts';
import { todayInEngland } from '../domain/clock/calendar-date.ts';
import type { JobQueue } from './queue.ts';
import {
  DELIVER_EMAIL,
  DELIVERY_EXPIRY_SECONDS,
  EMAIL_RETRY,
  deliverEmail,
  markFailed,
  shouldRetry,
  type DeliveryOutcome,
} from '../case/email/email-queue.ts';
import type { Mailer } from '../case/email/mailer.ts';
import type { Notifier } from '../case/notify.ts';
import { sendDigests } from '../features/notifications/service.ts';
import { sendOverdueSummaries, sweepReminders } from '../features/notifications/reminders.ts';
import { sweepAdviceReminders } from '../features/advice/reminders.ts';
import {
  PASSWORD_RESET_REQUEST,
  requestPasswordReset,
  type PasswordResetRequest,
} from '../features/auth/password-reset.ts';

/**
 * The queues, their workers and their schedules. Any number of processes may run these at once:
 * pg-boss hands each job to one worker, the email claim skips a message already sent, and the
 * sweeps record what they sent under primary keys.
 */
export const REMINDER_SWEEP = 'reminder-sweep';
export const OVERDUE_SUMMARY = 'overdue-summary';
export const DAILY_DIGEST = 'daily-digest';

export const SCHEDULES = [
  // Hourly: a step that becomes due soon is reminded about within the hour.
  { name: REMINDER_SWEEP, cron: '10 * * * *' },
  { name: OVERDUE_SUMMARY, cron: '0 8 * * *' },
  { name: DAILY_DIGEST, cron: '0 7 * * *' },
] as const;

export type WorkerOptions = {
  /** Overrides the email retry timing (tests use seconds, not minutes). */
  emailRetry?: { retryLimit: number; retryDelay: number; retryDelayMax?: number };
  /** How often an idle worker looks for email when no notification arrives. */
  pollingIntervalSeconds?: number;
  onDelivery?: (outcome: DeliveryOutcome, emailId: string) => void;
  onError?: (error: unknown, job: string) => void;
  /** Today in England; tests pass a fixed day. */
  today?: () => string;
};

/** Creates every queue (idempotent), so a web process can send before any worker has started. */
export async function createQueues(boss: PgBoss, options: WorkerOptions = {}): Promise<void> {
  const retry = options.emailRetry ?? EMAIL_RETRY;
  const existing = new Set((await boss.getQueues()).map((q) => q.name));
  const queues: [string, Parameters<PgBoss['createQueue']>[1]][] = [
    [
      DELIVER_EMAIL,
      { ...retry, retryBackoff: true, notify: true, expireInSeconds: DELIVERY_EXPIRY_SECONDS },
    ],
    [REMINDER_SWEEP, { policy: 'singleton', retryLimit: 3, retryDelay: 60 }],
    [OVERDUE_SUMMARY, { policy: 'singleton', retryLimit: 3, retryDelay: 60 }],
    [DAILY_DIGEST, { policy: 'singleton', retryLimit: 3, retryDelay: 60 }],
    // A request names an email: gone a minute after it is done, or after an hour undone (the
    // link it would make lasts an hour).
    [
      PASSWORD_RESET_REQUEST,
      { retryLimit: 3, retryDelay: 5, deleteAfterSeconds: 60, retentionSeconds: 3_600 },
    ],
  ];
  for (const [name, queueOptions] of queues) {
    if (existing.has(name)) {
      if (name === DELIVER_EMAIL) await boss.updateQueue(name, { ...retry, retryBackoff: true });
    } else {
      await boss.createQueue(name, queueOptions);
    }
  }
}

export async function startWorkers(
  jobs: JobQueue,
  db: Db,
  mailer: Mailer,
  notifier: Notifier,
  options: WorkerOptions = {},
): Promise<void> {
  const { boss } = jobs;
  await createQueues(boss, options);
  const today = options.today ?? (() => todayInEngland());
  const deliveryOptions = {
    batchSize: 10,
    includeMetadata: true,
    perJobResults: true,
    burstWhenBatchFull: true,
    pollingIntervalSeconds: options.pollingIntervalSeconds ?? 2,
    // Retries are not announced by NOTIFY (they fall due later), so this poll is what finds them.
    notifyPollingIntervalSeconds: options.pollingIntervalSeconds ?? 5,
  } as const;
  await boss.work<{ emailId: string }, unknown, typeof deliveryOptions>(
    DELIVER_EMAIL,
    deliveryOptions,
    // The messages of a batch go out side by side: a mail service answers each in its own time.
    async (batch) => {
      const results = await Promise.all(
        batch.map(async (job) => {
          let outcome: DeliveryOutcome;
          try {
            outcome = await deliverEmail(db, mailer, {
              emailId: job.data.emailId,
              retryCount: job.retryCount,
              retryLimit: job.retryLimit,
            });
          } catch (error) {
            // The database, not the mail service: retry, and on the last try make it visible.
            options.onError?.(error, DELIVER_EMAIL);
            outcome = 'will-retry';
            if (job.retryCount >= job.retryLimit) {
              await markFailed(db, job.data.emailId, null, 'Delivery could not be recorded').catch(
                (markError: unknown) => options.onError?.(markError, DELIVER_EMAIL),
              );
              outcome = 'failed';
            }
          }
          options.onDelivery?.(outcome, job.data.emailId);
          return {
            id: job.id,
            // A failed message is finished with: pg-boss must not run it again.
            status: shouldRetry(outcome)
              ? 'failed'
              : outcome === 'failed'
                ? 'deadletter'
                : 'completed',
          } as const;
        }),
      );
      return results;
    },
  );
  await boss.work<PasswordResetRequest>(
    PASSWORD_RESET_REQUEST,
    { pollingIntervalSeconds: options.pollingIntervalSeconds ?? 2 },
    async (batch) => {
      for (const job of batch) {
        try {
          await requestPasswordReset(db, jobs, notifier.baseUrl, job.data);
        } catch (error) {
          options.onError?.(error, PASSWORD_RESET_REQUEST);
          throw error;
        }
      }
    },
  );
  const sweep = (name: string, run: () => Promise<number>) =>
    boss.work(name, async () => {
      try {
        return { count: await run() };
      } catch (error) {
        options.onError?.(error, name);
        throw error;
      }
    });
  // The case's steps and the advice asked for: one sweep's failure does not stop the other's.
  await sweep(REMINDER_SWEEP, async () => {
    const day = today();
    const results = await Promise.allSettled([
      sweepReminders(db, notifier, day),
      sweepAdviceReminders(db, notifier, day),
    ]);
    const failed = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
    if (failed.length > 0) throw new AggregateError(failed, 'The reminder sweep failed');
    return results.reduce((sum, r) => sum + (r.status === 'fulfilled' ? r.value : 0), 0);
  });
  await sweep(OVERDUE_SUMMARY, () => sendOverdueSummaries(db, notifier, today()));
  await sweep(DAILY_DIGEST, () => sendDigests(db, notifier));
  for (const schedule of SCHEDULES) {
    // A schedule missed while no worker ran (a deploy at 07:00) still runs once.
    await boss.schedule(schedule.name, schedule.cron, null, {
      tz: 'Europe/London',
      missed: 'once',
    });
  }
  // A sweep now, so a process that starts after a gap catches up at once (it is idempotent).
  await boss.send(REMINDER_SWEEP, {});
}
