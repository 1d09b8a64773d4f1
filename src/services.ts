import { createStorage, type DocumentStorage } from './case/storage.ts';
import type { Config } from './config.ts';
import type { DatabaseHandle } from './db/database.ts';
import { createJobQueue, type JobQueue } from './jobs/queue.ts';
import { createRateLimits } from './db/rate-limits.ts';
import { adviceOfCase } from './features/advice/service.ts';
import { viewCase } from './features/cases/service.ts';
import { contributionsOfCase } from './features/contributions/service.ts';
import { createMailer } from './features/notifications/mailer.ts';
import type { Mailer } from './case/email/mailer.ts';
import type { Notifier } from './case/notify.ts';
import { EMAIL_RETRY } from './case/email/email-queue.ts';
import { createQueues, startWorkers, type WorkerOptions } from './jobs/workers.ts';
import { createClamdScanner, parseClamdUrl, type VirusScanner } from './web/upload-checks/clamd.ts';

/** The composition root: everything a route needs, built once. Tests pass their own parts. */
export function services(
  config: Config,
  database: DatabaseHandle,
  overrides: {
    mailer?: Mailer;
    jobs?: JobQueue;
    storage?: DocumentStorage;
    onJobError?: (error: Error) => void;
    /** Told why, when clamd is configured but cannot answer (uploads are then refused). */
    onScanUnavailable?: (reason: string) => void;
  } = {},
) {
  const jobs =
    overrides.jobs ??
    createJobQueue(database, {
      maintenance: config.runWorkers,
      onError: overrides.onJobError,
    });
  const notifier: Notifier = {
    jobs,
    baseUrl: config.baseUrl,
    unsubscribeSecret: `unsubscribe:${config.sessionSecret}`,
  };
  return {
    config,
    db: database.db,
    database,
    mailer: overrides.mailer ?? createMailer(config, database.db),
    jobs,
    notifier,
    storage: overrides.storage ?? createStorage({ kind: 'local', root: config.storageDir }),
    scanner: (config.clamdUrl
      ? createClamdScanner({
          address: parseClamdUrl(config.clamdUrl),
          timeoutMs: config.clamdTimeoutSeconds * 1000,
          onUnavailable: overrides.onScanUnavailable,
        })
      : null) as VirusScanner | null,
    /** Rate limits and sign-in throttles, in the database: shared by every process. */
    rateLimits: createRateLimits(database.db, config.sessionSecret),
    /**
     * What features tell of a case, for pages that show it whole (the family's journey, a
     * decision's page): wired here, in the composition root, so no feature imports another.
     */
    caseReads: { overview: viewCase, advice: adviceOfCase, contributions: contributionsOfCase },
  };
}

export type Services = ReturnType<typeof services>;

/**
 * Starts the job queue (installing or upgrading its tables), makes sure every queue exists, and,
 * unless workers run as separate processes, starts this process's workers.
 */
export async function startJobs(
  s: Services,
  options: WorkerOptions & { workers?: boolean } = {},
): Promise<void> {
  const withRetry: WorkerOptions = {
    emailRetry: { ...EMAIL_RETRY, retryDelay: s.config.emailRetryDelaySeconds },
    ...options,
  };
  await s.jobs.start();
  await createQueues(s.jobs.boss, withRetry);
  if (options.workers ?? s.config.runWorkers) {
    await startWorkers(s.jobs, s.db, s.mailer, s.notifier, withRetry);
  }
}
