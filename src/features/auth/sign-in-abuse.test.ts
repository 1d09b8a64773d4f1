import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGN_IN_LIMITS } from './service.ts';
import {
  Browser,
  buildTestApp,
  DEMO_PASSWORD,
  demoEmail,
  lastEmailedCode,
  queuedEmails,
  signInWith,
  type TestApp,
} from '../../../test/helpers.ts';

/**
 * Issue 14, findings 3 and 4: sign-in cannot be turned against its users, and answers the same
 * whether or not an account exists.
 */

let testApp: TestApp;

beforeAll(async () => {
  testApp = await buildTestApp();
});
afterAll(async () => {
  await testApp?.close();
});

/** A page's body without what differs on every answer (the CSRF token and CSP nonce). */
function comparable(body: string): string {
  return body
    .replace(/name="_csrf" value="[^"]+"/g, 'name="_csrf" value=""')
    .replace(/nonce="[^"]+"/g, 'nonce=""')
    .replace(/value="[^"]*@[^"]*"/g, 'value="EMAIL"');
}

/** Lets every wait on sign-in run out, as if the attacker had stopped long enough ago. */
async function waitsRunOut() {
  await testApp.database.db
    .updateTable('rate_limit')
    .set({ blocked_until: new Date(Date.now() - 1000) })
    .execute();
}

describe('wrong passwords from someone who knows the email (finding 3)', () => {
  it('neither end the owner’s sessions nor keep the owner out', async () => {
    const email = demoEmail('caseworker');
    const owner = await signInWith(testApp, new Browser(testApp.app, '10.0.0.1'), email);
    expect((await owner.get('/cases')).statusCode).toBe(200);

    const attacker = new Browser(testApp.app, '203.0.113.9');
    await attacker.get('/sign-in');
    const answers: number[] = [];
    for (let i = 0; i < 12; i++) {
      answers.push(
        (await attacker.post('/sign-in', { email, password: `wrong-password-${i}` })).statusCode,
      );
    }
    // The attacker is slowed down (400 for a wrong password, then 429 while they must wait)...
    expect(answers.slice(0, 5)).toEqual([400, 400, 400, 400, 400]);
    expect(answers.at(-1)).toBe(429);
    expect(answers).not.toContain(403);
    // ...the session the owner already has goes on...
    expect((await owner.get('/cases')).statusCode).toBe(200);
    // ...and the owner can sign in again from the browser they have used before, at once.
    await owner.post('/sign-out');
    await signInWith(testApp, owner, email);
    expect((await owner.get('/cases')).statusCode).toBe(200);
    const audit = await testApp.database.db
      .selectFrom('audit_event')
      .select('action')
      .where('action', 'like', '%locked%')
      .execute();
    expect(audit).toEqual([]);
  });

  it('make a new browser wait a bounded time, after which the right password and code work', async () => {
    const email = demoEmail('manager');
    const attacker = new Browser(testApp.app, '203.0.113.10');
    await attacker.get('/sign-in');
    for (let i = 0; i < 8; i++) await attacker.post('/sign-in', { email, password: `guess-${i}` });

    const newBrowser = new Browser(testApp.app, '10.0.0.2');
    await newBrowser.get('/sign-in');
    const waiting = await newBrowser.post('/sign-in', { email, password: DEMO_PASSWORD });
    expect(waiting.statusCode).toBe(429);
    expect(waiting.body).toContain('There have been too many attempts to sign in');
    expect(waiting.body).toMatch(/Wait (\d+ seconds|\d+ minutes?)/);

    await waitsRunOut();
    await signInWith(testApp, newBrowser, email);
    expect((await newBrowser.get('/cases')).statusCode).toBe(200);
  });

  it('wrong security codes slow the guesser without ending the owner’s sessions', async () => {
    const email = demoEmail('decisionMaker');
    const owner = await signInWith(testApp, new Browser(testApp.app, '10.0.0.3'), email);
    // Someone who has the password guesses codes.
    const guesser = new Browser(testApp.app, '203.0.113.11');
    await guesser.get('/sign-in');
    await guesser.post('/sign-in', { email, password: DEMO_PASSWORD });
    await guesser.get('/sign-in/security-code');
    const answers: number[] = [];
    for (let i = 0; i < 10; i++) {
      answers.push((await guesser.post('/sign-in/security-code', { code: '000000' })).statusCode);
    }
    expect(answers.slice(0, 5)).toEqual([400, 400, 400, 400, 400]);
    expect(answers.at(-1)).toBe(429);
    expect(answers).not.toContain(403);
    // Even the right code waits while the account is being guessed at.
    const right = await guesser.post('/sign-in/security-code', {
      code: await lastEmailedCode(testApp, email),
    });
    expect(right.statusCode).toBe(429);
    expect((await owner.get('/cases')).statusCode).toBe(200);
    // Recovery codes share the same throttle: a different form is no way round it.
    await guesser.get('/sign-in/recovery-code');
    const recovery = await guesser.post('/sign-in/recovery-code', { code: 'abcd-efgh-jkmn' });
    expect(recovery.statusCode).toBe(429);
  });
});

describe('security codes by email', () => {
  it('are limited per account an hour, however many sign-ins ask', async () => {
    const email = demoEmail('socialCare');
    const codes = async () =>
      (await queuedEmails(testApp, email)).filter((m) => m.kind === 'security-code').length;
    const before = await codes();
    for (let i = 0; i < SIGN_IN_LIMITS.emailCodesPerAccountPerHour + 3; i++) {
      const browser = new Browser(testApp.app, '10.0.0.4');
      await browser.get('/sign-in');
      expect((await browser.post('/sign-in', { email, password: DEMO_PASSWORD })).statusCode).toBe(
        303,
      );
    }
    expect((await codes()) - before).toBe(SIGN_IN_LIMITS.emailCodesPerAccountPerHour);
  });
});

describe('known and unknown emails (finding 4)', () => {
  it('get the same answers, status and page, however many wrong passwords', async () => {
    const run = async (email: string, address: string) => {
      const browser = new Browser(testApp.app, address);
      await browser.get('/sign-in');
      const answers: { status: number; body: string }[] = [];
      for (let i = 0; i < 10; i++) {
        const response = await browser.post('/sign-in', { email, password: `wrong-${i}-pass` });
        answers.push({ status: response.statusCode, body: comparable(response.body) });
      }
      return answers;
    };
    const known = await run(demoEmail('psychologist'), '198.51.100.1');
    const unknown = await run('no.such.person@example.com', '198.51.100.2');
    expect(known.map((a) => a.status)).toEqual(unknown.map((a) => a.status));
    expect(known.map((a) => a.body)).toEqual(unknown.map((a) => a.body));
    expect(known.map((a) => a.status)).toContain(429);
    expect(known.some((a) => /locked/i.test(a.body))).toBe(false);
  });

  it('forgot-password answers before any work that only a real account needs', async () => {
    const db = testApp.database.db;
    const resets = async () =>
      Number(
        (
          await db
            .selectFrom('password_reset')
            .select((eb) => eb.fn.countAll<string>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const emails = async () =>
      Number(
        (
          await db
            .selectFrom('email_message')
            .select((eb) => eb.fn.countAll<string>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = { resets: await resets(), emails: await emails() };
    const browser = new Browser(testApp.app, '198.51.100.3');
    await browser.get('/forgot-password');
    const known = await browser.post('/forgot-password', { email: demoEmail('health') });
    const unknown = await browser.post('/forgot-password', { email: 'nobody.here@example.com' });
    expect(known.statusCode).toBe(303);
    expect(unknown.statusCode).toBe(303);
    expect(known.headers.location).toBe(unknown.headers.location);
    // Answered: no token made, no email queued yet, for either.
    expect(await resets()).toBe(before.resets);
    expect(await emails()).toBe(before.emails);
  });

  it('limits how many reset links one address can ask for, keeping what was typed', async () => {
    const browser = new Browser(testApp.app, '198.51.100.4');
    await browser.get('/forgot-password');
    const statuses: number[] = [];
    let last = await browser.post('/forgot-password', { email: 'x0@example.com' });
    for (let i = 1; i < 40; i++) {
      last = await browser.post('/forgot-password', { email: `x${i}@example.com` });
      statuses.push(last.statusCode);
    }
    expect(statuses.filter((s) => s === 303).length).toBeLessThan(15);
    expect(last.statusCode).toBe(429);
    expect(last.body).toContain('There is a problem');
    expect(last.body).toContain('You have asked for too many reset links');
    expect(last.body).toContain('value="x39@example.com"');
    // Another address is not affected.
    const other = new Browser(testApp.app, '198.51.100.5');
    await other.get('/forgot-password');
    expect((await other.post('/forgot-password', { email: 'y@example.com' })).statusCode).toBe(303);
  });
});
