import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { KyselyPlugin, RootOperationNode } from 'kysely';
import type * as Argon2 from '@node-rs/argon2';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../app.ts';
import type { DatabaseHandle } from '../../db/database.ts';
import { createJobQueue } from '../../jobs/queue.ts';
import { services, startJobs } from '../../services.ts';
import {
  Browser,
  createTestDatabase,
  seedDemoData,
  demoEmail,
  memoryMailer,
  testConfig,
} from '../../../test/helpers.ts';

/**
 * Issue 14, finding 4 (timing): known and unknown emails cost the same, because they do the same
 * work. Timing a handler in a unit test would be flaky on a shared machine; instead this records
 * every statement the app sends to the database and every argon2 verification, and requires the
 * two to be identical for a known and an unknown email. (`bench/sign-in-timing.ts` measures the
 * medians themselves.)
 */

const argon2Verifications = vi.hoisted(() => ({ count: 0 }));
vi.mock('@node-rs/argon2', async (importOriginal) => {
  const original = await importOriginal<typeof Argon2>();
  return {
    ...original,
    verify: (...args: Parameters<typeof original.verify>) => {
      argon2Verifications.count++;
      return original.verify(...args);
    },
  };
});

/** What a statement does and to which table, e.g. "SelectQueryNode app_user". */
function describeStatement(node: RootOperationNode): string {
  if (node.kind === 'RawNode') {
    const text = (node as unknown as { sqlFragments: string[] }).sqlFragments.join('?');
    return `RawNode ${text.replace(/\s+/g, ' ').trim().slice(0, 60)}`;
  }
  const table = /"kind":"IdentifierNode","name":"(\w+)"/.exec(JSON.stringify(node))?.[1];
  return `${node.kind} ${table ?? '?'}`;
}

const statements: string[] = [];
const recorder: KyselyPlugin = {
  transformQuery({ node }) {
    statements.push(describeStatement(node));
    return node;
  },
  async transformResult({ result }) {
    return result;
  },
};

let database: DatabaseHandle;
let app: FastifyInstance;
let stopJobs: () => Promise<void>;

beforeAll(async () => {
  database = await createTestDatabase();
  await seedDemoData(database.db);
  const recorded: DatabaseHandle = { ...database, db: database.db.withPlugin(recorder) };
  const appServices = services(testConfig(), recorded, {
    mailer: memoryMailer(),
    jobs: createJobQueue(database, { maintenance: false }),
  });
  await startJobs(appServices, { workers: false });
  stopJobs = () => appServices.jobs.stop();
  app = await buildApp(appServices, { logger: false });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await stopJobs?.();
  await database?.close();
});

/** The statements and argon2 verifications of one form post (after its page has been read). */
async function workOf(browser: Browser, url: string, form: Record<string, string>) {
  await browser.get(url);
  statements.length = 0;
  argon2Verifications.count = 0;
  const response = await browser.post(url, form);
  return {
    status: response.statusCode,
    statements: [...statements],
    argon2: argon2Verifications.count,
  };
}

describe('the same work for known and unknown emails', () => {
  it('on a wrong password', async () => {
    const known = await workOf(new Browser(app, '10.1.0.1'), '/sign-in', {
      email: demoEmail('caseworker'),
      password: 'not-the-password',
    });
    const unknown = await workOf(new Browser(app, '10.1.0.2'), '/sign-in', {
      email: 'nobody.at.all@example.com',
      password: 'not-the-password',
    });
    expect(known.status).toBe(400);
    expect(unknown).toEqual(known);
    expect(known.argon2).toBe(1);
    expect(known.statements).toContain('SelectQueryNode app_user');
  });

  it('on forgot-password, which only queues a job before answering', async () => {
    const known = await workOf(new Browser(app, '10.1.0.3'), '/forgot-password', {
      email: demoEmail('caseworker'),
    });
    const unknown = await workOf(new Browser(app, '10.1.0.4'), '/forgot-password', {
      email: 'nobody.at.all@example.com',
    });
    expect(known.status).toBe(303);
    expect(unknown).toEqual(known);
    expect(known.argon2).toBe(0);
    // Nothing about the account is looked up or written before the answer.
    expect(known.statements.join('\n')).not.toMatch(/app_user|password_reset|email_message/);
  });
});
