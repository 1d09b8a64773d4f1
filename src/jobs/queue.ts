import { PgBoss, fromKysely, fromPglite } from 'pg-boss';
import type { DatabaseHandle, DbOrTrx } from '../db/database.ts';

/**
 * The job queue: pg-boss on the application's own database, PostgreSQL or embedded PGlite.
 *
 * On PGlite there is one connection for everything. Kysely's driver hands it out one caller at a
 * time, so every pg-boss statement takes it through Kysely too: otherwise a worker's poll could
 * run in the middle of, and be rolled back with, a request's transaction.
 */
export const JOB_SCHEMA = 'pgboss';

export type JobQueue = {
  boss: PgBoss;
  /**
   * Adds a job in the caller's transaction (the transactional outbox): if the transaction rolls
   * back, the job never existed; if it commits, the job runs.
   */
  send(
    trx: DbOrTrx,
    name: string,
    data: object,
    options?: { singletonKey?: string },
  ): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
};

export type QueueOptions = {
  /** Run maintenance and the cron schedules in this process (workers do; tests need not). */
  maintenance: boolean;
  onError?: (error: Error) => void;
};

export function createJobQueue(database: DatabaseHandle, options: QueueOptions): JobQueue {
  const common = {
    schema: JOB_SCHEMA,
    supervise: options.maintenance,
    schedule: options.maintenance,
    application_name: 'pathway-jobs',
    // Workers wake when a job is sent, rather than at their next poll.
    useListenNotify: true,
  };
  let boss: PgBoss;
  if (database.jobs.kind === 'postgres') {
    boss = new PgBoss({
      ...common,
      connectionString: database.jobs.url,
      max: 4,
      // pg-boss's own pool: its errors go to the 'error' event below, never unhandled.
      connectionTimeoutMillis: database.jobs.timeouts.connectMs,
    });
  } else {
    const embedded = fromPglite(database.jobs.client);
    const { db } = database;
    boss = new PgBoss({
      ...common,
      backend: 'pglite',
      db: {
        ...embedded,
        executeSql: (text, values) =>
          db.connection().execute(() => embedded.executeSql(text, values)),
      },
    });
  }
  boss.on('error', (error) => options.onError?.(error));
  let started = false;
  return {
    boss,
    async send(trx, name, data, sendOptions = {}) {
      // Before start, pg-boss would look the queue up on its own connection: on PGlite that waits
      // for the caller's transaction, which waits for this. Refuse instead of hanging.
      if (!started) throw new Error('The job queue has not been started');
      await boss.send(name, data, { ...sendOptions, db: fromKysely(trx) });
    },
    async start() {
      if (started) return;
      await boss.start();
      started = true;
    },
    async stop() {
      if (!started) return;
      started = false;
      await boss.stop({ graceful: true, timeout: 10_000 });
    },
  };
}
