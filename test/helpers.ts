import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createStorage } from '../src/case/storage.ts';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import { inject } from 'vitest';
import { buildApp } from '../src/app.ts';
import { loadConfig, type Config } from '../src/config.ts';
import { openDatabase, type DatabaseHandle } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import {
  DEMO_ACCOUNTS,
  DEMO_PASSWORD,
  seedDemoData,
  type DemoAccountKey,
} from '../src/features/demo/demo-data.ts';
import type { EmailMessage, Mailer } from '../src/case/email/mailer.ts';

/** The demo data, for feature tests beside their feature (which may not import the demo). */
export { DEMO_PASSWORD, seedDemoData };
import type { RouteRecord } from '../src/web/route-policy.ts';
import { createJobQueue } from '../src/jobs/queue.ts';
import { services, startJobs, type Services } from '../src/services.ts';
import type { WorkerOptions } from '../src/jobs/workers.ts';
import {
  PASSWORD_RESET_REQUEST,
  requestPasswordReset,
  type PasswordResetRequest,
} from '../src/features/auth/password-reset.ts';

/**
 * Each test file gets a fresh database: an in-memory PGlite by default, or a new PostgreSQL
 * database on TEST_DATABASE_URL's server, dropped afterwards. Both start from the migrated copy
 * that test/global-setup.ts made once for the run (migrating again is then a no-op).
 */
export async function createTestDatabase(): Promise<DatabaseHandle> {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) {
    const snapshotFile = providedOrNull('pgliteSnapshot');
    const handle = openDatabase({
      kind: 'embedded',
      dataDir: null,
      ...(snapshotFile ? { snapshot: new Blob([readFileSync(snapshotFile)]) } : {}),
    });
    await migrateToLatest(handle.db);
    return handle;
  }
  const name = `pathway_test_${randomBytes(6).toString('hex')}`;
  const template = providedOrNull('postgresTemplate');
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`);
  await admin.end();
  const testUrl = new URL(url);
  testUrl.pathname = `/${name}`;
  const handle = openDatabase({ kind: 'postgres', url: testUrl.toString(), poolSize: 4 });
  await migrateToLatest(handle.db);
  return {
    ...handle,
    async close() {
      await handle.close();
      const cleanup = new pg.Client({ connectionString: url });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleanup.end();
    },
  };
}

/** What the global setup provided, or null outside a run that had it (a suite of its own). */
function providedOrNull(key: 'pgliteSnapshot' | 'postgresTemplate'): string | null {
  try {
    return inject(key) ?? null;
  } catch {
    return null;
  }
}

export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DEMO_DATA: 'true',
    ...overrides,
  });
}

export type MemoryMailer = Mailer & {
  messages: EmailMessage[];
  lastTo(address: string): EmailMessage | undefined;
};

export function memoryMailer(): MemoryMailer {
  const messages: EmailMessage[] = [];
  return {
    name: 'memory',
    messages,
    async send(message) {
      messages.push(message);
    },
    lastTo(address) {
      return messages.filter((m) => m.to === address).at(-1);
    },
  };
}

export type TestApp = {
  app: FastifyInstance;
  services: Services;
  database: DatabaseHandle;
  mailer: MemoryMailer;
  routes: RouteRecord[];
  close(): Promise<void>;
};

export async function buildTestApp(
  options: {
    demo?: boolean;
    config?: Record<string, string>;
    mailer?: Mailer;
    /** Run the job workers in the test process (off by default: tests read the queue). */
    workers?: WorkerOptions | false;
  } = {},
): Promise<TestApp> {
  const database = await createTestDatabase();
  if (options.demo ?? true) await seedDemoData(database.db);
  const mailer = memoryMailer();
  // Uploaded documents go to a folder of this test's own, removed when it closes.
  const storageRoot = mkdtempSync(path.join(os.tmpdir(), 'pathway-documents-'));
  const appServices = services(testConfig(options.config), database, {
    mailer: options.mailer ?? mailer,
    storage: createStorage({ kind: 'local', root: storageRoot }),
    // No maintenance or cron in tests: they run the sweeps themselves.
    jobs: createJobQueue(database, { maintenance: false }),
  });
  await startJobs(appServices, {
    workers: Boolean(options.workers),
    ...(options.workers || {}),
  });
  const routes: RouteRecord[] = [];
  const app = await buildApp(appServices, {
    routeRegistry: routes,
    logger: process.env.DEBUG_LOG ? true : false,
  });
  await app.ready();
  return {
    app,
    services: appServices,
    database,
    mailer,
    routes,
    async close() {
      await app.close();
      await appServices.jobs.stop();
      await database.close();
      rmSync(storageRoot, { recursive: true, force: true });
    },
  };
}

export type QueuedEmail = { to: string; kind: string; subject: string; text: string; html: string };

/** The emails queued so far (the outbox rows a worker would deliver), oldest first. */
export async function queuedEmails(testApp: TestApp, to?: string): Promise<QueuedEmail[]> {
  let query = testApp.database.db
    .selectFrom('email_message')
    .select(['to_address', 'kind', 'subject', 'body_text', 'body_html'])
    .orderBy('created_at')
    .orderBy('id');
  if (to) query = query.where('to_address', '=', to);
  const rows = await query.execute();
  return rows.map((r) => ({
    to: r.to_address,
    kind: r.kind,
    subject: r.subject,
    text: r.body_text,
    html: r.body_html,
  }));
}

export async function lastQueuedTo(testApp: TestApp, to: string): Promise<QueuedEmail | undefined> {
  return (await queuedEmails(testApp, to)).at(-1);
}

/** A browser-like client: keeps cookies and reads each form's CSRF token. */
export class Browser {
  cookies = new Map<string, string>();
  lastCsrf: string | null = null;
  private readonly app: FastifyInstance;
  /** The address the requests come from (light-my-request's default unless given). */
  readonly remoteAddress: string;
  constructor(app: FastifyInstance, remoteAddress = '127.0.0.1') {
    this.app = app;
    this.remoteAddress = remoteAddress;
  }

  get cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private keep(response: LightMyRequestResponse) {
    for (const cookie of response.cookies) {
      if (cookie.value === '' || (cookie.expires && cookie.expires.getTime() < Date.now())) {
        this.cookies.delete(cookie.name);
      } else {
        this.cookies.set(cookie.name, cookie.value);
      }
    }
    const match = /name="_csrf" value="([^"]+)"/.exec(response.body);
    if (match) this.lastCsrf = match[1]!;
    return response;
  }

  async get(url: string, headers: Record<string, string> = {}) {
    return this.keep(
      await this.app.inject({
        method: 'GET',
        url,
        remoteAddress: this.remoteAddress,
        headers: { cookie: this.cookieHeader, ...headers },
      }),
    );
  }

  /** Posts a form the way a browser does, with the CSRF token from the last page unless one is given. */
  async post(
    url: string,
    form: Record<string, string> = {},
    options: { csrf?: string | null } = {},
  ) {
    const csrf = options.csrf === undefined ? this.lastCsrf : options.csrf;
    const body = new URLSearchParams({ ...(csrf ? { _csrf: csrf } : {}), ...form }).toString();
    return this.keep(
      await this.app.inject({
        method: 'POST',
        url,
        payload: body,
        remoteAddress: this.remoteAddress,
        headers: { cookie: this.cookieHeader, 'content-type': 'application/x-www-form-urlencoded' },
      }),
    );
  }
}

/** Posts a multipart form with one file, as a browser's file upload does. */
export async function uploadFile(
  browser: Browser,
  app: FastifyInstance,
  url: string,
  file: { field: string; filename: string; data: Buffer; contentType?: string },
  /** The form's other fields, sent before the file. */
  fields: Record<string, string> = {},
) {
  const boundary = `----pathway${randomBytes(8).toString('hex')}`;
  const parts: Buffer[] = [];
  const entries = { ...(browser.lastCsrf ? { _csrf: browser.lastCsrf } : {}), ...fields };
  for (const [name, value] of Object.entries(entries)) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
      ),
    );
  }
  parts.push(
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="${file.field}"; filename="${file.filename}"\r\nContent-Type: ${file.contentType ?? 'application/octet-stream'}\r\n\r\n`,
    ),
    file.data,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  );
  const response = await app.inject({
    method: 'POST',
    url,
    payload: Buffer.concat(parts),
    headers: {
      cookie: browser.cookieHeader,
      'content-type': `multipart/form-data; boundary=${boundary}`,
    },
  });
  const match = /name="_csrf" value="([^"]+)"/.exec(response.body);
  if (match) browser.lastCsrf = match[1]!;
  return response;
}

export function demoEmail(key: DemoAccountKey): string {
  return DEMO_ACCOUNTS.find((a) => a.key === key)!.email;
}

/** Signs in with password and emailed code, as a person would. */
/** The code most recently emailed to this address. */
export async function lastEmailedCode(testApp: TestApp, email: string): Promise<string> {
  const code = /Your security code is (\d{6})/.exec(
    (await lastQueuedTo(testApp, email))?.text ?? '',
  )?.[1];
  if (!code) throw new Error(`No security code was emailed to ${email}`);
  return code;
}

/** Signs in with password and emailed code, as a person would, in the given browser. */
export async function signInWith(
  testApp: TestApp,
  browser: Browser,
  email: string,
  password = DEMO_PASSWORD,
): Promise<Browser> {
  await browser.get('/sign-in');
  const passwordStep = await browser.post('/sign-in', { email, password });
  if (passwordStep.statusCode !== 303)
    throw new Error(`Password step failed: ${passwordStep.statusCode}`);
  await browser.get('/sign-in/security-code');
  const codeStep = await browser.post('/sign-in/security-code', {
    code: await lastEmailedCode(testApp, email),
  });
  if (codeStep.statusCode !== 303)
    throw new Error(`Code step failed: ${codeStep.statusCode} ${codeStep.body.slice(0, 200)}`);
  return browser;
}

export async function signIn(
  testApp: TestApp,
  email: string,
  password = DEMO_PASSWORD,
): Promise<Browser> {
  return signInWith(testApp, new Browser(testApp.app), email, password);
}

export async function signInAs(testApp: TestApp, key: DemoAccountKey): Promise<Browser> {
  return signIn(testApp, demoEmail(key));
}

/** The id of the LA with this DfE code. */
export async function authorityIdOf(testApp: TestApp, code: string): Promise<string> {
  const row = await testApp.database.db
    .selectFrom('local_authority')
    .select('id')
    .where('code', '=', code)
    .executeTakeFirstOrThrow();
  return row.id;
}

/** The id of the account with this email address. */
export async function userIdOf(testApp: TestApp, email: string): Promise<string> {
  const row = await testApp.database.db
    .selectFrom('app_user')
    .select('id')
    .where('email', '=', email)
    .executeTakeFirstOrThrow();
  return row.id;
}

/** The id of the case whose reference matches this LIKE pattern, e.g. 'DEM-%-0001'. */
export async function caseIdOf(testApp: TestApp, reference: string): Promise<string> {
  const row = await testApp.database.db
    .selectFrom('case')
    .select('id')
    .where('reference', 'like', reference)
    .executeTakeFirstOrThrow();
  return row.id;
}

/**
 * Runs the queued forgot-password requests, as a worker does after the form has answered (tests
 * run without workers).
 */
export async function runPasswordResetRequests(testApp: TestApp): Promise<void> {
  const { boss } = testApp.services.jobs;
  const jobs = await boss.fetch<PasswordResetRequest>(PASSWORD_RESET_REQUEST, { batchSize: 100 });
  for (const job of jobs) {
    await requestPasswordReset(
      testApp.database.db,
      testApp.services.jobs,
      testApp.services.config.baseUrl,
      job.data,
    );
    await boss.complete(PASSWORD_RESET_REQUEST, job.id);
  }
}
