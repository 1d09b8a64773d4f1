import { ConfigError, loadConfig, type Config } from './config.ts';
import { migrateConfiguredDatabase, openConfiguredDatabase } from './db/configured.ts';
import { isStrayConnectionError } from './db/database.ts';
import { DataDirInUseError } from './db/data-dir-lock.ts';
import { buildApp } from './app.ts';
import { services, startJobs } from './services.ts';
import { purgeExpiredSessions } from './web/session.ts';
import { deleteExpiredDrafts } from './features/requests/service.ts';
import {
  DEMO_ACCOUNTS,
  DEMO_PASSWORD,
  hasAnyLocalAuthority,
  seedDemoData,
} from './features/demo/demo-data.ts';

async function start() {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  let database: ReturnType<typeof openConfiguredDatabase>;
  try {
    // The embedded database's folder is locked here, before migrations or workers touch it.
    database = openConfiguredDatabase(config, 'the Pathway server');
  } catch (error) {
    if (error instanceof DataDirInUseError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const applied = await migrateConfiguredDatabase(config, database);
  const appServices = services(config, database, {
    onJobError: (error) => app.log.error({ err: error }, 'job queue error'),
    // No file, name or address: only why clamd could not answer.
    onScanUnavailable: (reason) =>
      app.log.error({ reason }, 'virus scanner unavailable: uploads are refused until it answers'),
  });
  const app = await buildApp(appServices);
  // A connection the database ends or stops answering is dropped and replaced by the pool; it is
  // logged, and no request is lost for it but the ones using it (they get the error page).
  database.onConnectionError = (error) =>
    app.log.warn({ err: error }, 'database connection failed; the pool will replace it');
  // Nothing stray may end the process unseen. A connection's error that escaped its listener is
  // logged and survived; any other uncaught exception leaves the process in an unknown state, so
  // it is logged and the process exits for its supervisor to restart (see the README).
  process.on('unhandledRejection', (reason) => {
    app.log.error({ err: reason }, 'unhandled promise rejection');
  });
  process.on('uncaughtException', (error) => {
    if (isStrayConnectionError(error)) {
      app.log.error({ err: error }, 'database connection failed outside any request');
      return;
    }
    app.log.fatal({ err: error }, 'uncaught exception: exiting');
    process.exit(1);
  });
  app.log.info(
    {
      node: process.version,
      environment: config.environment,
      database: database.description,
      migrationsApplied: applied,
    },
    `Pathway starting on Node.js ${process.version}`,
  );

  let demoSeeded = false;
  if (
    config.demoData &&
    database.kind === 'embedded' &&
    !(await hasAnyLocalAuthority(database.db))
  ) {
    const { cases } = await seedDemoData(database.db);
    app.log.info({ cases }, 'demo data loaded into the empty embedded database');
    demoSeeded = true;
  }

  await startJobs(appServices, {
    onError: (error, job) => app.log.error({ err: error, job }, 'job failed'),
    onDelivery: (outcome, emailId) => {
      if (outcome === 'will-retry' || outcome === 'failed') {
        app.log.warn({ emailId, outcome }, 'email not delivered');
      }
    },
  });
  app.log.info(
    { workers: config.runWorkers, mailer: appServices.mailer.name },
    config.runWorkers ? 'job workers running in this process' : 'job workers not started here',
  );

  const purge = async () => {
    await purgeExpiredSessions(database.db).catch((error: unknown) =>
      app.log.error({ err: error }, 'could not purge expired sessions'),
    );
    await appServices.rateLimits
      .purgeExpired()
      .catch((error: unknown) =>
        app.log.error({ err: error }, 'could not purge expired rate limits'),
      );
    // Requests not sent within 28 days of their last change are deleted, with their files.
    await deleteExpiredDrafts(database.db, appServices.storage)
      .then((drafts) => drafts > 0 && app.log.info({ drafts }, 'deleted expired request drafts'))
      .catch((error: unknown) =>
        app.log.error({ err: error }, 'could not delete expired request drafts'),
      );
  };
  await purge();
  setInterval(purge, 10 * 60_000).unref();

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down: finishing requests in flight');
    const timer = setTimeout(() => process.exit(1), 10_000);
    timer.unref();
    await app.close();
    await appServices.jobs.stop();
    await database.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  await app.listen({ host: config.host, port: config.port });
  if (config.demoData) {
    const lines = [
      '',
      `Pathway is running at ${config.baseUrl} (demo data${demoSeeded ? ' just loaded' : ''}).`,
      `Sign in with any of these accounts, password "${DEMO_PASSWORD}"; the security code is shown on screen in demo mode:`,
      ...DEMO_ACCOUNTS.map((a) => `  ${a.describes.padEnd(34)} ${a.email}`),
      '',
    ];
    console.log(lines.join('\n'));
  }
}

await start();
