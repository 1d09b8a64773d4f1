import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/app.ts';
import { createJobQueue } from '../src/jobs/queue.ts';
import { services, startJobs } from '../src/services.ts';
import {
  Browser,
  buildTestApp,
  memoryMailer,
  queuedEmails,
  signInAs,
  testConfig,
  type TestApp,
} from './helpers.ts';

/**
 * Issue 14, finding 6: rate limits are kept in the database, so every process shares them and a
 * restart does not forget them.
 */

let first: TestApp;
const others: { app: FastifyInstance; stop(): Promise<void> }[] = [];

beforeAll(async () => {
  first = await buildTestApp({ demo: false });
});
afterAll(async () => {
  for (const other of others) await other.stop();
  await first?.close();
});

/** Another Pathway process on the same database (or the same one started again). */
async function anotherProcess(): Promise<FastifyInstance> {
  const appServices = services(testConfig(), first.database, {
    mailer: memoryMailer(),
    jobs: createJobQueue(first.database, { maintenance: false }),
  });
  await startJobs(appServices, { workers: false });
  const app = await buildApp(appServices, { logger: false });
  await app.ready();
  others.push({
    app,
    async stop() {
      await app.close();
      await appServices.jobs.stop();
    },
  });
  return app;
}

async function startRequests(browser: Browser, times: number): Promise<number[]> {
  await browser.get('/request-an-assessment');
  const statuses: number[] = [];
  for (let i = 0; i < times; i++) {
    statuses.push((await browser.post('/request-an-assessment/start')).statusCode);
  }
  return statuses;
}

describe('rate limits kept in the database', () => {
  it('are shared by two processes and kept when a process starts again', async () => {
    // The request form allows 30 starts an hour from one address.
    const second = await anotherProcess();
    const fromFirst = await startRequests(new Browser(first.app, '192.0.2.7'), 20);
    expect(fromFirst.every((s) => s === 303)).toBe(true);
    const fromSecond = await startRequests(new Browser(second, '192.0.2.7'), 10);
    expect(fromSecond.every((s) => s === 303)).toBe(true);
    // The 31st start, on either process, is refused.
    expect((await startRequests(new Browser(second, '192.0.2.7'), 1))[0]).toBe(429);
    expect((await startRequests(new Browser(first.app, '192.0.2.7'), 1))[0]).toBe(429);
    // A process started afresh on the same database remembers.
    const restarted = await anotherProcess();
    const afterRestart = await startRequests(new Browser(restarted, '192.0.2.7'), 1);
    expect(afterRestart[0]).toBe(429);
    // Another address is not affected.
    expect((await startRequests(new Browser(restarted, '192.0.2.8'), 1))[0]).toBe(303);
  });

  it('keep sign-in throttles across processes', async () => {
    const second = await anotherProcess();
    const email = 'someone.unknown@example.com';
    const answers: number[] = [];
    for (const app of [first.app, second, first.app, second, first.app, second, first.app]) {
      const browser = new Browser(app, '192.0.2.9');
      await browser.get('/sign-in');
      answers.push((await browser.post('/sign-in', { email, password: 'guess-guess' })).statusCode);
    }
    expect(answers.slice(0, 5)).toEqual([400, 400, 400, 400, 400]);
    expect(answers.at(-1)).toBe(429);
  });

  it('forget what has expired when purged, and keep a wait still running', async () => {
    const db = first.database.db;
    const past = new Date(Date.now() - 60_000);
    const future = new Date(Date.now() + 60_000);
    await db
      .insertInto('rate_limit')
      .values([
        { key: 'test:expired', count: 3, expires_at: past },
        { key: 'test:live', count: 3, expires_at: future },
        { key: 'test:still-waiting', count: 9, expires_at: past, blocked_until: future },
      ])
      .execute();
    expect(await first.services.rateLimits.purgeExpired()).toBeGreaterThanOrEqual(1);
    const left = await db
      .selectFrom('rate_limit')
      .select('key')
      .where('key', 'like', 'test:%')
      .orderBy('key')
      .execute();
    expect(left.map((r) => r.key)).toEqual(['test:live', 'test:still-waiting']);
  });

  it('store no email or address in clear', async () => {
    const rows = await first.database.db.selectFrom('rate_limit').select('key').execute();
    expect(rows.length).toBeGreaterThan(0);
    for (const { key } of rows) {
      expect(key).not.toMatch(/@|192\.0\.2/);
    }
  });
});

describe('forms that send email', () => {
  it('are limited per address, with a GOV.UK page in plain English', async () => {
    const withDemo = await buildTestApp();
    try {
      const admin = await signInAs(withDemo, 'admin');
      await admin.get('/admin/messages');
      const statuses: number[] = [];
      let last = await admin.post('/admin/messages/test', { email: 'ops@example.com' });
      statuses.push(last.statusCode);
      for (let i = 0; i < 11; i++) {
        await admin.get('/admin/messages');
        last = await admin.post('/admin/messages/test', { email: 'ops@example.com' });
        statuses.push(last.statusCode);
      }
      expect(statuses.slice(0, 10).every((s) => s === 303)).toBe(true);
      expect(statuses.slice(10)).toEqual([429, 429]);
      expect(last.body).toContain('You have sent this form too many times');
      expect(last.body).toContain('What you entered has not been sent');
      expect(last.headers['retry-after']).toBeDefined();
      expect((await queuedEmails(withDemo, 'ops@example.com')).length).toBe(10);
    } finally {
      await withDemo.close();
    }
  });
});
