import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createJobQueue, type JobQueue } from '../../jobs/queue.ts';
import { loadConfig } from '../../config.ts';
import { createMailer, notifyMailer, smtpMailer } from './mailer.ts';
import type { EmailMessage, Mailer } from '../../case/email/mailer.ts';
import { sendDigests } from './service.ts';
import { queueTestMessages } from '../../case/email/test-messages.ts';
import { startWorkers } from '../../jobs/workers.ts';
import { buildTestApp, signInAs, type TestApp } from '../../../test/helpers.ts';
import { TestSmtpServer, eventually } from '../../../test/smtp.ts';

const FROM = 'Pathway <no-reply@pathway.test>';
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});
afterAll(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function smtpServer() {
  const smtp = await new TestSmtpServer().start();
  cleanups.push(() => smtp.stop());
  return smtp;
}

async function app(options: Parameters<typeof buildTestApp>[0]) {
  const testApp = await buildTestApp(options);
  cleanups.push(() => testApp.close());
  return testApp;
}

async function statusOf(testApp: TestApp, to: string) {
  return testApp.database.db
    .selectFrom('email_message')
    .select(['status', 'attempts', 'last_error', 'body_text'])
    .where('to_address', '=', to)
    .execute();
}

describe('SMTP', () => {
  it('delivers what was queued, with both parts and the right headers, once', async () => {
    const smtp = await smtpServer();
    const testApp = await app({
      mailer: smtpMailer(smtp.url, FROM),
      workers: { pollingIntervalSeconds: 0.5 },
    });
    const admin = await signInAs(testApp, 'admin');
    await admin.get('/admin/messages');
    await admin.post('/admin/messages/test', { email: 'inbox@demoshire.example' });
    const [mail] = await eventually(
      () => smtp.to('inbox@demoshire.example').length > 0 && smtp.to('inbox@demoshire.example'),
      'the test email to arrive',
    );
    expect(mail!.subject).toBe('Test message 1 of 1');
    expect(mail!.from?.value[0]).toMatchObject({
      name: 'Pathway',
      address: 'no-reply@pathway.test',
    });
    expect(JSON.stringify(mail!.to)).toContain('inbox@demoshire.example');
    expect(mail!.text).toContain('This is test message 1 of 1 from Pathway');
    expect(mail!.html).toContain('This is test message 1 of 1 from Pathway');
    expect(mail!.headerLines.some((h) => h.key === 'list-unsubscribe')).toBe(false);
    // Sent: marked so, and the body (which may hold a code or a link) is no longer kept.
    await eventually(
      async () => (await statusOf(testApp, 'inbox@demoshire.example'))[0]?.status === 'sent',
      'the message to be marked sent',
    );
    expect((await statusOf(testApp, 'inbox@demoshire.example'))[0]!.body_text).toBe('');
    expect(smtp.to('inbox@demoshire.example')).toHaveLength(1);
  });

  it('adds List-Unsubscribe to the daily digest only', async () => {
    const smtp = await smtpServer();
    const testApp = await app({
      mailer: smtpMailer(smtp.url, FROM),
      workers: { pollingIntervalSeconds: 0.5 },
    });
    const db = testApp.database.db;
    const parent = await db
      .selectFrom('app_user')
      .select(['id', 'email'])
      .where('email', '=', 'parent@demo.pathway.test')
      .executeTakeFirstOrThrow();
    await db
      .insertInto('notification')
      .values({
        user_id: parent.id,
        kind: 'exception-recorded',
        title: 'DEM-2026-0001: an exception to a time limit was recorded',
        body: 'Final plan (20 weeks)',
        link: '/your-cases',
        email_state: 'digest',
      })
      .execute();
    expect(await sendDigests(db, testApp.services.notifier)).toBe(1);
    const [digest] = await eventually(
      () => smtp.to(parent.email).length > 0 && smtp.to(parent.email),
      'the digest to arrive',
    );
    expect(digest!.subject).toBe('Pathway: 1 update since yesterday');
    const unsubscribe = digest!.headerLines.find((h) => h.key === 'list-unsubscribe')?.line;
    expect(unsubscribe).toMatch(/<http:\/\/localhost:3000\/unsubscribe\/[0-9a-f-]{36}\.[\w-]{43}>/);
    const oneClick = digest!.headerLines.find((h) => h.key === 'list-unsubscribe-post')?.line;
    expect(oneClick).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
  });
});

/** A mailer that fails while `failing` is set, like a mail service that is down. */
function flakyMailer() {
  const delivered: EmailMessage[] = [];
  const mailer: Mailer & { failing: boolean; delivered: EmailMessage[] } = {
    name: 'memory',
    failing: true,
    delivered,
    async send(message) {
      if (mailer.failing) throw new Error('connect ECONNREFUSED 127.0.0.1:2525');
      delivered.push(message);
    },
  };
  return mailer;
}

describe('retries and failures', () => {
  it('retries, then shows the message to the LA’s admins as failed, with the reason, to retry', async () => {
    const mailer = flakyMailer();
    const testApp = await app({
      mailer,
      workers: {
        pollingIntervalSeconds: 0.5,
        emailRetry: { retryLimit: 2, retryDelay: 1, retryDelayMax: 1 },
      },
    });
    const admin = await signInAs(testApp, 'admin');
    await admin.get('/admin/messages');
    await admin.post('/admin/messages/test', { email: 'down@demoshire.example' });
    const [failed] = await eventually(async () => {
      const rows = await statusOf(testApp, 'down@demoshire.example');
      return rows[0]?.status === 'failed' && rows;
    }, 'the message to fail after its retries');
    expect(failed!.attempts).toBe(3);
    expect(failed!.last_error).toBe('connect ECONNREFUSED 127.0.0.1:2525');

    const page = await admin.get('/admin/messages');
    expect(page.body).toContain('down@demoshire.example');
    expect(page.body).toContain('connect ECONNREFUSED 127.0.0.1:2525');
    const retry = /action="(\/admin\/messages\/[0-9a-f-]{36}\/retry)"/.exec(page.body)![1]!;
    mailer.failing = false;
    expect((await admin.post(retry)).statusCode).toBe(303);
    await eventually(
      () => mailer.delivered.some((m) => m.to === 'down@demoshire.example'),
      'the retried message to arrive',
      // Generous: on a loaded CI machine the pg-boss worker's next poll can be slow to come.
      60_000,
    );
    // (Other messages, such as the start-up reminders, failed too while the service was down.)
    await eventually(
      async () => !(await admin.get('/admin/messages')).body.includes('down@demoshire.example'),
      'the sent message to leave the failed list',
    );
    // A message that is not failed cannot be retried.
    expect((await admin.post(retry)).statusCode).toBe(404);
  });
});

/** Starts `pathway worker` processes on PostgreSQL, or second job queues on embedded PGlite. */
async function twoWorkers(testApp: TestApp, smtpUrl: string): Promise<void> {
  const database = testApp.database;
  if (database.jobs.kind === 'postgres') {
    // Only what a worker needs: Vitest's own environment (BASE_URL=/ and the like) is not config.
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'test',
      DATABASE_URL: database.jobs.url,
      MAILER: 'smtp',
      SMTP_URL: smtpUrl,
      EMAIL_RETRY_DELAY_SECONDS: '1',
      LOG_LEVEL: 'silent',
    };
    const processes: ChildProcess[] = [];
    await Promise.all(
      [1, 2].map(
        (n) =>
          new Promise<void>((resolve, reject) => {
            const child = spawn(process.execPath, ['cli/pathway.ts', 'worker'], { env });
            processes.push(child);
            let output = '';
            child.stdout!.on('data', (chunk: Buffer) => {
              output += chunk.toString();
              if (output.includes('Pathway worker running')) resolve();
            });
            child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
            child.once('exit', (code) =>
              reject(new Error(`worker ${n} exited ${code}: ${output}`)),
            );
          }),
      ),
    );
    cleanups.push(async () => {
      await Promise.all(
        processes.map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null) return resolve();
              child.once('exit', () => resolve());
              child.kill('SIGTERM');
            }),
        ),
      );
    });
    return;
  }
  for (let n = 0; n < 2; n += 1) {
    const queue: JobQueue = createJobQueue(database, { maintenance: false });
    await queue.start();
    await startWorkers(queue, database.db, smtpMailer(smtpUrl, FROM), testApp.services.notifier, {
      pollingIntervalSeconds: 0.5,
      emailRetry: { retryLimit: 10, retryDelay: 1, retryDelayMax: 2 },
    });
    cleanups.push(() => queue.stop());
  }
}

describe('two workers on one database', () => {
  it('deliver 500 messages exactly once each, and everything queued while SMTP is down once it is back', async () => {
    const smtp = await smtpServer();
    const testApp = await app({ config: { EMAIL_RETRY_DELAY_SECONDS: '1' }, workers: false });
    await twoWorkers(testApp, smtp.url);
    const { db, jobs } = testApp.services;

    await queueTestMessages(db, jobs, { to: 'load@example.test', count: 500, sentBy: 'a test' });
    await eventually(
      () => smtp.to('load@example.test').length >= 500,
      `500 messages to arrive (${smtp.received.length} so far)`,
      120_000,
    );
    // Give a duplicate time to show itself.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const subjects = smtp.to('load@example.test').map((m) => m.subject);
    expect(subjects).toHaveLength(500);
    expect(new Set(subjects).size).toBe(500);
    expect(subjects).toContain('Test message 500 of 500');

    await smtp.stop();
    await queueTestMessages(db, jobs, { to: 'outage@example.test', count: 30, sentBy: 'a test' });
    await eventually(
      async () => {
        const rows = await statusOf(testApp, 'outage@example.test');
        return rows.length === 30 && rows.every((r) => r.attempts >= 1 && r.last_error);
      },
      'every message to be tried while the server is down',
      60_000,
    );
    await smtp.start();
    await eventually(
      () => smtp.to('outage@example.test').length >= 30,
      `the 30 queued messages to arrive (${smtp.to('outage@example.test').length} so far)`,
      60_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const outage = smtp.to('outage@example.test').map((m) => m.subject);
    expect(outage).toHaveLength(30);
    expect(new Set(outage).size).toBe(30);
  }, 240_000);
});

describe('GOV.UK Notify', () => {
  let server: Server | null = null;
  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = null;
  });

  async function fakeNotify(answer: (body: Record<string, unknown>) => [number, unknown]) {
    const requests: {
      headers: IncomingMessage['headers'];
      url: string;
      body: Record<string, unknown>;
    }[] = [];
    server = createServer((request, response) => {
      let raw = '';
      request.on('data', (chunk: Buffer) => (raw += chunk.toString()));
      request.on('end', () => {
        const body = JSON.parse(raw) as Record<string, unknown>;
        requests.push({ headers: request.headers, url: request.url ?? '', body });
        const [status, json] = answer(body);
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(json));
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', () => resolve()));
    return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}`, requests };
  }

  const serviceId = '26785a09-ab16-4eb0-8407-a37497a57506';
  const keyId = '3d844edf-8d35-48ac-975b-e847b4f122b0';
  const apiKey = `pathway_test-${serviceId}-${keyId}`;
  const templateId = 'f33517ff-2a88-4f6e-b855-c550268ce08a';

  it('sends the subject and body as personalisation of one template, signed with the key', async () => {
    const notify = await fakeNotify(() => [201, { id: 'n1', content: {}, template: {} }]);
    const mailer = notifyMailer({ apiKey, templateId, baseUrl: notify.url });
    await mailer.send({
      to: 'family@example.test',
      subject: 'DEM-2026-0001: an exception to a time limit was recorded',
      text: 'On case DEM-2026-0001 ...',
      html: '<p>ignored</p>',
      reference: 'email-1',
      listUnsubscribe: 'https://pathway.example/account/notifications',
    });
    const [request] = notify.requests;
    expect(request!.url).toBe('/v2/notifications/email');
    expect(request!.body).toMatchObject({
      template_id: templateId,
      email_address: 'family@example.test',
      personalisation: {
        subject: 'DEM-2026-0001: an exception to a time limit was recorded',
        body: 'On case DEM-2026-0001 ...',
      },
      reference: 'email-1',
      one_click_unsubscribe_url: 'https://pathway.example/account/notifications',
    });
    const token = String(request!.headers.authorization).replace(/^Bearer /, '');
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as {
      iss: string;
    };
    expect(claims.iss).toBe(serviceId);
  });

  it('reports Notify’s own reason when it refuses a message', async () => {
    const notify = await fakeNotify(() => [
      400,
      {
        status_code: 400,
        errors: [
          {
            error: 'BadRequestError',
            message: "Can't send to this recipient using a team-only API key",
          },
        ],
      },
    ]);
    const mailer = notifyMailer({ apiKey, templateId, baseUrl: notify.url });
    await expect(
      mailer.send({ to: 'x@example.test', subject: 's', text: 't', html: 'h' }),
    ).rejects.toThrow(
      "GOV.UK Notify answered 400: BadRequestError: Can't send to this recipient using a team-only API key",
    );
  });

  it('is chosen by configuration, and refuses to start without its key and template', async () => {
    expect(() => loadConfig({ MAILER: 'notify' })).toThrow(
      'NOTIFY_API_KEY and NOTIFY_TEMPLATE_ID must be set when MAILER is notify',
    );
    expect(() =>
      loadConfig({ MAILER: 'notify', NOTIFY_API_KEY: 'nope', NOTIFY_TEMPLATE_ID: templateId }),
    ).toThrow('NOTIFY_API_KEY must be a GOV.UK Notify API key');
    expect(() => loadConfig({ MAILER: 'pigeon' })).toThrow('MAILER must be smtp, notify or outbox');
    const config = loadConfig({
      MAILER: 'notify',
      NOTIFY_API_KEY: apiKey,
      NOTIFY_TEMPLATE_ID: templateId,
    });
    expect(config.mailer).toBe('notify');
    const testApp = await app({});
    expect(createMailer(config, testApp.database.db).name).toBe('notify');
    expect(
      createMailer(
        loadConfig({ MAILER: 'smtp', SMTP_URL: 'smtp://localhost:25' }),
        testApp.database.db,
      ).name,
    ).toBe('smtp');
    expect(createMailer(loadConfig({}), testApp.database.db).name).toBe('outbox');
    // The outbox keeps what would have been sent, and shows it at /dev/outbox.
    await createMailer(loadConfig({}), testApp.database.db).send({
      to: 'dev@example.test',
      subject: 'Test message 1 of 1',
      text: 'This is test message 1 of 1',
      html: '<p>This is test message 1 of 1</p>',
    });
    const outbox = await testApp.app.inject({ method: 'GET', url: '/dev/outbox' });
    expect(outbox.body).toContain('dev@example.test');
    expect(outbox.body).toContain('This is test message 1 of 1');
  });
});
