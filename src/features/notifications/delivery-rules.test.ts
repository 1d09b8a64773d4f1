import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config.ts';
import { todayInEngland } from '../../domain/clock/calendar-date.ts';
import { deliverEmail, queueEmail, retryFailedEmail } from '../../case/email/email-queue.ts';
import { PermanentDeliveryError, type EmailMessage, type Mailer } from '../../case/email/mailer.ts';
import { smtpMailer } from './mailer.ts';
import { notifyUser } from '../../case/notify.ts';
import { sendDigests } from './service.ts';
import { sweepReminders } from './reminders.ts';
import { Browser, buildTestApp, demoEmail, signInAs, type TestApp } from '../../../test/helpers.ts';

let testApp: TestApp;
beforeAll(async () => {
  testApp = await buildTestApp();
});
afterAll(async () => {
  await testApp?.close();
});

const db = () => testApp.database.db;

function recordingMailer(fail?: Error) {
  const sent: EmailMessage[] = [];
  const mailer: Mailer & { sent: EmailMessage[] } = {
    name: 'memory',
    sent,
    async send(message) {
      if (fail) throw fail;
      sent.push(message);
    },
  };
  return mailer;
}

async function queueOne(to: string, kind: 'test-message' | 'security-code' = 'test-message') {
  return db()
    .transaction()
    .execute((trx) =>
      kind === 'security-code'
        ? queueEmail(trx, testApp.services.jobs, {
            kind,
            to,
            data: { code: '123456', minutes: 10 },
          })
        : queueEmail(trx, testApp.services.jobs, {
            kind,
            to,
            data: { number: 1, count: 1, sentBy: 'a test' },
          }),
    );
}

async function row(id: string) {
  return db()
    .selectFrom('email_message')
    .select(['status', 'attempts', 'last_error', 'body_text', 'claimed_at'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
}

const attempt = (emailId: string, retryCount = 0, retryLimit = 3) => ({
  emailId,
  retryCount,
  retryLimit,
});

describe('delivering one message', () => {
  it('sends a queued message once; a second attempt finds it sent', async () => {
    const id = await queueOne('once@example.test');
    const mailer = recordingMailer();
    expect(await deliverEmail(db(), mailer, attempt(id))).toBe('sent');
    expect(await deliverEmail(db(), mailer, attempt(id))).toBe('skipped');
    expect(mailer.sent).toHaveLength(1);
    expect(await row(id)).toMatchObject({ status: 'sent', attempts: 1, body_text: '' });
  });

  it('leaves a message another worker is sending to that worker, and retries later', async () => {
    const id = await queueOne('held@example.test');
    await db()
      .updateTable('email_message')
      .set({ status: 'sending', claimed_at: new Date() })
      .where('id', '=', id)
      .execute();
    const mailer = recordingMailer();
    expect(await deliverEmail(db(), mailer, attempt(id))).toBe('in-flight');
    expect(mailer.sent).toHaveLength(0);
    // On the last attempt a message still held is shown as failed, not left unseen.
    expect(await deliverEmail(db(), mailer, attempt(id, 3, 3))).toBe('failed');
    expect(await row(id)).toMatchObject({
      status: 'failed',
      last_error: 'Delivery did not finish: the worker stopped',
    });
  });

  it('takes back a message whose worker died mid-send', async () => {
    const id = await queueOne('orphan@example.test');
    await db()
      .updateTable('email_message')
      .set({ status: 'sending', claimed_at: new Date(Date.now() - 10 * 60_000), attempts: 1 })
      .where('id', '=', id)
      .execute();
    const mailer = recordingMailer();
    expect(await deliverEmail(db(), mailer, attempt(id, 1))).toBe('sent');
    expect(mailer.sent.map((m) => m.to)).toEqual(['orphan@example.test']);
    expect((await row(id)).attempts).toBe(2);
  });

  it('retries a temporary failure, and fails at once on a permanent refusal', async () => {
    const temporary = await queueOne('later@example.test');
    expect(
      await deliverEmail(
        db(),
        recordingMailer(new Error('421 try again later')),
        attempt(temporary),
      ),
    ).toBe('will-retry');
    expect(await row(temporary)).toMatchObject({
      status: 'queued',
      last_error: '421 try again later',
    });
    const refused = await queueOne('nobody@example.test');
    expect(
      await deliverEmail(
        db(),
        recordingMailer(new PermanentDeliveryError('550 no such mailbox')),
        attempt(refused),
      ),
    ).toBe('failed');
    expect(await row(refused)).toMatchObject({
      status: 'failed',
      last_error: '550 no such mailbox',
    });
  });

  it('does not keep or resend an out-of-date sign-in code that failed', async () => {
    const id = await queueOne('code@example.test', 'security-code');
    expect(
      await deliverEmail(db(), recordingMailer(new PermanentDeliveryError('550')), attempt(id)),
    ).toBe('failed');
    expect((await row(id)).body_text).toBe('');
  });

  it('calls an SMTP 5xx refusal permanent', async () => {
    // A server that refuses every recipient for good.
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onRcptTo: (_address, _session, callback) => {
        callback(Object.assign(new Error('No such mailbox'), { responseCode: 550 }));
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    try {
      const { port } = server.server.address() as AddressInfo;
      const refusing = smtpMailer(`smtp://127.0.0.1:${port}`, 'Pathway <no-reply@pathway.test>');
      await expect(
        refusing.send({ to: 'x@example.test', subject: 's', text: 't', html: 'h' }),
      ).rejects.toBeInstanceOf(PermanentDeliveryError);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('failed messages', () => {
  it('can be retried only by an admin of the LA they are filed under, and codes not at all', async () => {
    const la = (code: string) =>
      db()
        .selectFrom('local_authority')
        .select('id')
        .where('code', '=', code)
        .executeTakeFirstOrThrow();
    const other = await la('998');
    const own = await la('999');
    const foreign = await db()
      .insertInto('email_message')
      .values({
        kind: 'test-message',
        to_address: 'foreign@example.test',
        local_authority_id: other.id,
        subject: 'Test message 1 of 1',
        body_text: 'x',
        body_html: 'x',
        status: 'failed',
        failed_at: new Date(),
        last_error: '550',
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const admin = await signInAs(testApp, 'admin');
    const page = await admin.get('/admin/messages');
    expect(page.body).not.toContain('foreign@example.test');
    expect((await admin.post(`/admin/messages/${foreign.id}/retry`)).statusCode).toBe(404);

    const code = await db()
      .insertInto('email_message')
      .values({
        kind: 'security-code',
        to_address: 'late.code@example.test',
        local_authority_id: own.id,
        subject: 'Your Pathway security code',
        body_text: '',
        body_html: '',
        status: 'failed',
        failed_at: new Date(),
        last_error: 'timeout',
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const listed = await admin.get('/admin/messages');
    expect(listed.body).toContain('late.code@example.test');
    expect(listed.body).toContain('Out of date: the person can ask for a new one');
    expect(listed.body).not.toContain(`/admin/messages/${code.id}/retry`);
    expect(await retryFailedEmail(db(), testApp.services.jobs, own.id, code.id)).toBe(false);
  });

  it('are filed under the person’s LA when the message names no LA', async () => {
    const id = await db()
      .transaction()
      .execute(async (trx) => {
        const user = await trx
          .selectFrom('app_user')
          .select(['id', 'email'])
          .where('email', '=', demoEmail('caseworker'))
          .executeTakeFirstOrThrow();
        return queueEmail(trx, testApp.services.jobs, {
          kind: 'security-code',
          to: user.email,
          userId: user.id,
          data: { code: '654321', minutes: 10 },
        });
      });
    const filed = await db()
      .selectFrom('email_message')
      .innerJoin('local_authority', 'local_authority.id', 'email_message.local_authority_id')
      .select('local_authority.code')
      .where('email_message.id', '=', id)
      .executeTakeFirstOrThrow();
    expect(filed.code).toBe('999');
  });
});

describe('who is reminded', () => {
  it('reminds the managers when the officer’s account is disabled, and records nothing with nobody to tell', async () => {
    const caseworker = await db()
      .selectFrom('app_user')
      .select('id')
      .where('email', '=', demoEmail('caseworker'))
      .executeTakeFirstOrThrow();
    await db()
      .updateTable('app_user')
      .set({ disabled_at: new Date() })
      .where('id', '=', caseworker.id)
      .execute();
    const today = todayInEngland();
    expect(await sweepReminders(db(), testApp.services.notifier, today)).toBeGreaterThan(0);
    const toCaseworker = await db()
      .selectFrom('notification')
      .select('id')
      .where('user_id', '=', caseworker.id)
      .execute();
    expect(toCaseworker).toEqual([]);
    const manager = await db()
      .selectFrom('app_user')
      .select('id')
      .where('email', '=', demoEmail('manager'))
      .executeTakeFirstOrThrow();
    const toManager = await db()
      .selectFrom('notification')
      .select('id')
      .where('user_id', '=', manager.id)
      .where('kind', '=', 'reminder')
      .execute();
    expect(toManager.length).toBeGreaterThan(0);

    // Exampleton has no staff in the demo: its case's steps are not marked as reminded.
    const exampleton = await db()
      .selectFrom('reminder_sent')
      .innerJoin('case', 'case.id', 'reminder_sent.case_id')
      .select('case.reference')
      .where('case.reference', 'like', 'EXA-%')
      .execute();
    expect(exampleton).toEqual([]);
  });
});

describe('stopping optional emails', () => {
  it('gives each digest a one-click unsubscribe link that stops all but statutory emails', async () => {
    const parent = await db()
      .selectFrom('app_user')
      .select(['id', 'email'])
      .where('email', '=', demoEmail('parent'))
      .executeTakeFirstOrThrow();
    await db()
      .updateTable('app_user')
      .set({ email_frequency: 'daily' })
      .where('id', '=', parent.id)
      .execute();
    const notify = (statutory: boolean) =>
      db()
        .transaction()
        .execute((trx) =>
          notifyUser(trx, testApp.services.notifier, {
            userId: parent.id,
            kind: 'exception-recorded',
            title: 'DEM-2026-0001: an exception to a time limit was recorded',
            body: 'Final plan (20 weeks)',
            path: '/your-cases',
            statutory,
            email: {
              reference: 'DEM-2026-0001',
              limit: 'Final plan (20 weeks)',
              link: 'http://localhost:3000/your-cases',
            },
          }),
        );
    await notify(false);
    expect(await sendDigests(db(), testApp.services.notifier)).toBe(1);
    const digest = await db()
      .selectFrom('email_message')
      .select('list_unsubscribe')
      .where('kind', '=', 'digest')
      .where('to_address', '=', parent.email)
      .executeTakeFirstOrThrow();
    const path = new URL(digest.list_unsubscribe!).pathname;
    expect(path).toMatch(/^\/unsubscribe\/[0-9a-f-]{36}\.[A-Za-z0-9_-]{43}$/);

    // A mail client's one-click POST: no session, no CSRF token.
    const client = new Browser(testApp.app);
    const page = await client.get(path);
    expect(page.body).toContain('Stop daily emails');
    const done = await client.post(path, { 'List-Unsubscribe': 'One-Click' }, { csrf: null });
    expect(done.statusCode).toBe(200);
    expect(done.body).toContain('You have stopped daily emails');
    const after = await db()
      .selectFrom('app_user')
      .select('email_frequency')
      .where('id', '=', parent.id)
      .executeTakeFirstOrThrow();
    expect(after.email_frequency).toBe('none');

    // Then: no digest for optional news, but statutory messages still go at once.
    await notify(false);
    expect(await sendDigests(db(), testApp.services.notifier)).toBe(0);
    await notify(true);
    const states = await db()
      .selectFrom('notification')
      .select(['statutory', 'email_state'])
      .where('user_id', '=', parent.id)
      .orderBy('created_at')
      .execute();
    expect(states.slice(-2)).toEqual([
      { statutory: false, email_state: 'none' },
      { statutory: true, email_state: 'sent' },
    ]);

    // A forged or altered token names nobody.
    const forged = path.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    expect((await client.get(forged)).statusCode).toBe(404);
    expect((await client.post(forged, {}, { csrf: null })).statusCode).toBe(404);
    expect((await client.get('/unsubscribe/nope')).statusCode).toBe(404);
  });

  it('offers the choice in the person’s settings', async () => {
    const youngPerson = await signInAs(testApp, 'youngPerson');
    const page = await youngPerson.get('/account/notifications');
    expect(page.body).toContain('Only about statutory time limits');
    expect(
      (await youngPerson.post('/account/notifications', { frequency: 'none' })).statusCode,
    ).toBe(303);
  });
});

describe('configuration', () => {
  it('refuses to run without workers on the embedded database, where nothing else could deliver', () => {
    expect(() => loadConfig({ RUN_WORKERS: 'false' })).toThrow(
      'RUN_WORKERS=false needs PostgreSQL (DATABASE_URL)',
    );
    expect(
      loadConfig({ RUN_WORKERS: 'false', DATABASE_URL: 'postgres://localhost/pathway' }).runWorkers,
    ).toBe(false);
  });
});
