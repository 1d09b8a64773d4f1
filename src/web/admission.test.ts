import Fastify, { type FastifyReply } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { admission, type AdmissionOptions } from './admission.ts';
import { buildTestApp, type TestApp } from '../../test/helpers.ts';

/** An app whose `/slow/:n` pages finish only when the test says so. */
async function appWith(options: Omit<AdmissionOptions, 'serviceName'>) {
  const app = Fastify({ logger: false });
  app.decorateReply('render', function (this: FastifyReply, _template: string, context = {}) {
    return this.type('text/html').send(`<h1>${(context as { heading: string }).heading}</h1>`);
  });
  await app.register(admission, { ...options, serviceName: 'Pathway' });
  const finish = new Map<string, () => void>();
  const started: string[] = [];
  app.get('/slow/:n', async (request) => {
    const { n } = request.params as { n: string };
    started.push(n);
    await new Promise<void>((resolve) => finish.set(n, resolve));
    return `done ${n}`;
  });
  app.get('/health', async () => 'ok');
  await app.ready();
  // light-my-request sends a request when it is first awaited: start each one now, in order.
  const send = (url: string) => app.inject({ url }).then((response) => response);
  return { app, send, finish, started };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('admission: a bound on the requests in progress', () => {
  it('runs at most the limit at once, and the rest in the order they came', async () => {
    const { app, send, finish, started } = await appWith({
      inProgress: 2,
      waiting: 10,
      waitMs: 5000,
    });
    const answers = ['1', '2', '3', '4'].map((n) => send(`/slow/${n}`));
    await tick();
    expect(started).toEqual(['1', '2']);
    finish.get('2')!();
    await tick();
    expect(started).toEqual(['1', '2', '3']);
    finish.get('1')!();
    await tick();
    expect(started).toEqual(['1', '2', '3', '4']);
    finish.get('3')!();
    finish.get('4')!();
    const bodies = (await Promise.all(answers)).map((r) => r.body);
    expect(bodies).toEqual(['done 1', 'done 2', 'done 3', 'done 4']);
    await app.close();
  });

  it('answers "service unavailable" at once when too many are waiting, and health always', async () => {
    const { app, send, finish, started } = await appWith({
      inProgress: 1,
      waiting: 1,
      waitMs: 5000,
    });
    const first = send('/slow/1');
    const second = send('/slow/2');
    await tick();
    const third = await send('/slow/3');
    expect(third.statusCode).toBe(503);
    expect(third.headers['retry-after']).toBe('5');
    expect(third.body).toContain('Sorry, the service is unavailable');
    expect((await send('/health')).body).toBe('ok');
    expect(started).toEqual(['1']);
    finish.get('1')!();
    await tick();
    finish.get('2')!();
    expect((await first).statusCode).toBe(200);
    expect((await second).statusCode).toBe(200);
    expect(started).toEqual(['1', '2']);
    await app.close();
  });

  it('answers 503 as soon as a request has waited longer than allowed, and never runs it', async () => {
    const { app, send, finish, started } = await appWith({
      inProgress: 1,
      waiting: 10,
      waitMs: 50,
    });
    const first = send('/slow/1');
    const began = performance.now();
    const second = await send('/slow/2');
    // Answered at its deadline, while the first is still running.
    expect(second.statusCode).toBe(503);
    expect(performance.now() - began).toBeLessThan(1000);
    finish.get('1')!();
    expect((await first).statusCode).toBe(200);
    // Its turn passed straight on: the next request runs, and the second never did.
    const third = send('/slow/3');
    await tick();
    expect(started).toEqual(['1', '3']);
    finish.get('3')!();
    expect((await third).statusCode).toBe(200);
    await app.close();
  });

  it('gives the turn back when the visitor leaves before the answer', async () => {
    const { app, send, finish, started } = await appWith({
      inProgress: 1,
      waiting: 10,
      waitMs: 5000,
    });
    const controller = new AbortController();
    const left = app.inject({ url: '/slow/1', signal: controller.signal }).catch(() => null);
    await tick();
    controller.abort();
    await left;
    const next = send('/slow/2');
    await tick();
    expect(started).toEqual(['1', '2']);
    finish.get('1')!();
    finish.get('2')!();
    expect((await next).statusCode).toBe(200);
    await app.close();
  });
});

describe('admission in Pathway', () => {
  let testApp: TestApp | undefined;
  afterEach(async () => testApp?.close());

  it('shows the GOV.UK "service unavailable" page when the queue is full', async () => {
    testApp = await buildTestApp({
      config: { MAX_REQUESTS_IN_PROGRESS: '1', MAX_REQUESTS_WAITING: '0' },
    });
    const response = await testApp.app.inject({ url: '/accessibility' });
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('5');
    expect(response.body).toContain('govuk-heading-l');
    expect(response.body).toContain('Sorry, the service is unavailable');
    expect((await testApp.app.inject({ url: '/health' })).statusCode).toBe(200);
  });

  it('limits requests on the embedded database by default, not on PostgreSQL', async () => {
    const { loadConfig } = await import('../config.ts');
    expect(loadConfig({}).maxRequestsInProgress).toBe(4);
    expect(
      loadConfig({ DATABASE_URL: 'postgres://localhost/pathway', RUN_WORKERS: 'true' })
        .maxRequestsInProgress,
    ).toBe(0);
  });
});
