import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentTotp, sha256 } from '../../web/secrets.ts';
import { createInvitation } from '../../case/invitations.ts';
import { findUsableInvitation } from './invitations.ts';
import { removeStaffMember } from '../admin/service.ts';
import { SIGN_IN_LIMITS } from './service.ts';
import { DEMO_PASSWORD } from '../demo/demo-data.ts';
import {
  Browser,
  buildTestApp,
  demoEmail,
  lastQueuedTo,
  queuedEmails,
  runPasswordResetRequests,
  signIn,
  signInAs,
  signInWith,
  type TestApp,
} from '../../../test/helpers.ts';

let testApp: TestApp;
const system = { actorUserId: null, correlationId: 'test', ipAddress: null };

beforeAll(async () => {
  testApp = await buildTestApp();
});
afterAll(async () => {
  await testApp?.close();
});

async function inviteLink(grant: Parameters<typeof createInvitation>[1]) {
  const { token } = await createInvitation(testApp.database.db, grant, system);
  return `/register/${token}`;
}

async function demoLaId() {
  const la = await testApp.database.db
    .selectFrom('local_authority')
    .select('id')
    .where('code', '=', '999')
    .executeTakeFirstOrThrow();
  return la.id;
}

describe('sign in', () => {
  it('needs the password and then the emailed code, and lands each role on its home page', async () => {
    const caseworker = await signInAs(testApp, 'caseworker');
    expect((await caseworker.get('/cases')).statusCode).toBe(200);
    const parent = await signInAs(testApp, 'parent');
    const home = await parent.get('/your-cases');
    expect(home.statusCode).toBe(200);
    expect(home.body).toContain('Your cases');
  });

  it('does not sign in on the password alone', async () => {
    const browser = new Browser(testApp.app);
    await browser.get('/sign-in');
    const response = await browser.post('/sign-in', {
      email: demoEmail('manager'),
      password: DEMO_PASSWORD,
    });
    expect(response.headers.location).toBe('/sign-in/security-code');
    expect((await browser.get('/cases')).headers.location).toBe('/sign-in');
  });

  it('cannot skip the second factor by posting straight to the last step', async () => {
    const browser = new Browser(testApp.app);
    await browser.get('/sign-in');
    await browser.post('/sign-in', { email: demoEmail('admin'), password: DEMO_PASSWORD });
    await browser.get('/sign-in/security-code');
    const skipped = await browser.post('/set-up-second-factor/recovery-codes');
    expect(skipped.headers.location).toBe('/sign-in');
    expect((await browser.get('/admin')).headers.location).toBe('/sign-in');
    expect((await browser.get('/cases')).headers.location).toBe('/sign-in');
  });

  it('throttles code guesses across every session opened with the password', async () => {
    const email = demoEmail('caseworker');
    const sessions: Browser[] = [];
    for (let i = 0; i < 2; i++) {
      const browser = new Browser(testApp.app);
      await browser.get('/sign-in');
      await browser.post('/sign-in', { email, password: DEMO_PASSWORD });
      await browser.get('/sign-in/security-code');
      sessions.push(browser);
    }
    const [guesser, patient] = sessions as [Browser, Browser];
    let last = 0;
    for (let i = 0; i <= SIGN_IN_LIMITS.secondFactor.free + 1; i++) {
      last = (await guesser.post('/sign-in/security-code', { code: '000000' })).statusCode;
    }
    expect(last).toBe(429);
    const code = /code is (\d{6})/.exec((await lastQueuedTo(testApp, email))!.text)![1]!;
    const waiting = await patient.post('/sign-in/security-code', { code });
    expect(waiting.statusCode).toBe(429);
    expect(waiting.body).toContain('Wait 1 minute');
    expect((await patient.get('/cases')).headers.location).toMatch(/^\/sign-in/);
    // Once the wait is over the right code works, in the same session.
    await testApp.database.db
      .updateTable('rate_limit')
      .set({ blocked_until: new Date(Date.now() - 1000) })
      .execute();
    expect((await patient.post('/sign-in/security-code', { code })).statusCode).toBe(303);
  });

  it('shows GOV.UK errors and keeps the email, never the password', async () => {
    const browser = new Browser(testApp.app);
    await browser.get('/sign-in');
    const empty = await browser.post('/sign-in', { email: '', password: '' });
    expect(empty.statusCode).toBe(400);
    expect(empty.body).toContain('There is a problem');
    expect(empty.body).toContain('Enter your email address');
    expect(empty.body).toContain('href="#email"');
    const wrong = await browser.post('/sign-in', {
      email: 'Nobody@Example.com',
      password: 'secret-guess-1',
    });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.body).toContain('Enter a correct email address and password');
    expect(wrong.body).toContain('value="Nobody@Example.com"');
    expect(wrong.body).not.toContain('secret-guess-1');
  });

  it('rejects a wrong security code and accepts the right one', async () => {
    const browser = new Browser(testApp.app);
    await browser.get('/sign-in');
    await browser.post('/sign-in', { email: demoEmail('health'), password: DEMO_PASSWORD });
    await browser.get('/sign-in/security-code');
    const code = /code is (\d{6})/.exec(
      (await lastQueuedTo(testApp, demoEmail('health')))!.text,
    )![1]!;
    const wrongCode = code === '000000' ? '111111' : '000000';
    const wrong = await browser.post('/sign-in/security-code', { code: wrongCode });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.body).toContain('The security code is not correct');
    const letters = await browser.post('/sign-in/security-code', { code: 'abc' });
    expect(letters.body).toContain('The security code must be 6 numbers');
    const right = await browser.post('/sign-in/security-code', { code });
    expect(right.statusCode).toBe(303);
    expect(right.headers.location).toBe('/your-cases');
  });

  it('never puts the child or the code request in the email beyond the code itself', async () => {
    await signInAs(testApp, 'senco');
    const email = (await lastQueuedTo(testApp, demoEmail('senco')))!;
    expect(email.subject).toBe('Your Pathway security code');
    expect(email.text).not.toMatch(/Applewood|Brookfield|date of birth/i);
  });

  it('limits how many codes one sign-in can email', async () => {
    const email = demoEmail('admin');
    const browser = new Browser(testApp.app);
    await browser.get('/sign-in');
    await browser.post('/sign-in', { email, password: DEMO_PASSWORD });
    const before = (await queuedEmails(testApp, email)).length;
    let page = await browser.get('/sign-in/security-code');
    for (let i = 0; i < SIGN_IN_LIMITS.emailCodesPerSignIn + 2; i++) {
      await browser.post('/sign-in/send-new-code');
      page = await browser.get('/sign-in/security-code');
    }
    const sent = (await queuedEmails(testApp, email)).length - before;
    expect(sent).toBe(SIGN_IN_LIMITS.emailCodesPerSignIn - 1);
    expect(page.body).toContain('We cannot send any more codes');
  });

  it('accepts a recovery code once', async () => {
    const db = testApp.database.db;
    const user = await db
      .selectFrom('app_user')
      .select('id')
      .where('email', '=', demoEmail('socialCare'))
      .executeTakeFirstOrThrow();
    await db
      .insertInto('recovery_code')
      .values({ user_id: user.id, code_hash: sha256('abcd-efgh-jkmn') })
      .execute();
    const attempt = async () => {
      const browser = new Browser(testApp.app);
      await browser.get('/sign-in');
      await browser.post('/sign-in', { email: demoEmail('socialCare'), password: DEMO_PASSWORD });
      await browser.get('/sign-in/recovery-code');
      return browser.post('/sign-in/recovery-code', { code: 'ABCD EFGH JKMN' });
    };
    expect((await attempt()).statusCode).toBe(303);
    const again = await attempt();
    expect(again.statusCode).toBe(400);
    expect(again.body).toContain('already been used');
  });

  it('slows down an address that keeps failing', async () => {
    const other = await buildTestApp({ demo: false });
    try {
      const browser = new Browser(other.app);
      await browser.get('/sign-in');
      let last = 0;
      for (let i = 0; i <= SIGN_IN_LIMITS.address.free + 1; i++) {
        last = (
          await browser.post('/sign-in', {
            email: `someone${i}@example.com`,
            password: 'guess-guess',
          })
        ).statusCode;
      }
      expect(last).toBe(429);
    } finally {
      await other.close();
    }
  });

  it('signs out with a POST and forgets the session', async () => {
    const browser = await signInAs(testApp, 'youngPerson');
    await browser.get('/your-cases');
    const out = await browser.post('/sign-out');
    expect(out.headers.location).toBe('/signed-out');
    expect((await browser.get('/your-cases')).headers.location).toBe('/sign-in');
  });

  it('ends a session after the idle timeout', async () => {
    const browser = await signInAs(testApp, 'manager');
    await testApp.database.db
      .updateTable('user_session')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .execute();
    const response = await browser.get('/cases');
    expect(response.headers.location).toBe('/sign-in?reason=timeout');
    const page = await browser.get(response.headers.location as string);
    expect(page.body).toContain('signed out');
  });

  it('reports time left without extending the session', async () => {
    const browser = await signInAs(testApp, 'caseworker');
    const first = (await browser.get('/session/time-left')).json();
    expect(first.signedIn).toBe(true);
    expect(first.secondsLeft).toBeGreaterThan(19 * 60);
    expect(first.secondsLeft).toBeLessThanOrEqual(20 * 60);
  });
});

describe('invitations', () => {
  it('registers a new user, sets up an authenticator app, shows recovery codes and grants the role', async () => {
    const link = await inviteLink({
      email: 'new.caseworker@example.com',
      localAuthorityId: await demoLaId(),
      staffRole: 'caseworker',
    });
    const browser = new Browser(testApp.app);
    const form = await browser.get(link);
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain('new.caseworker@example.com');
    const mismatch = await browser.post(link, {
      displayName: 'Nia New',
      password: 'three random words',
      confirmPassword: 'other words here',
    });
    expect(mismatch.statusCode).toBe(400);
    expect(mismatch.body).toContain('Passwords must match');
    expect(mismatch.body).toContain('value="Nia New"');
    const registered = await browser.post(link, {
      displayName: 'Nia New',
      password: 'three random words',
      confirmPassword: 'three random words',
    });
    expect(registered.headers.location).toBe('/set-up-second-factor');
    await browser.get('/set-up-second-factor');
    expect((await browser.post('/set-up-second-factor', {})).body).toContain(
      'Select how you want to get security codes',
    );
    await browser.post('/set-up-second-factor', { method: 'totp' });
    const setup = await browser.get('/set-up-second-factor/app');
    const secret = /data-totp-secret[^>]*>\s*([A-Z2-7]+)\s*</.exec(setup.body)?.[1];
    expect(secret).toBeTruthy();
    expect(setup.body).toContain('<svg');
    const confirmed = await browser.post('/set-up-second-factor/app', {
      code: currentTotp(secret!),
    });
    expect(confirmed.headers.location).toBe('/set-up-second-factor/recovery-codes');
    const codes = await browser.get('/set-up-second-factor/recovery-codes');
    expect(codes.body.match(/<li>\s*[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}\s*<\/li>/g)?.length).toBe(
      10,
    );
    const done = await browser.post('/set-up-second-factor/recovery-codes');
    expect(done.headers.location).toBe('/cases');
    expect((await browser.get('/cases')).statusCode).toBe(200);
    // Used once: the same link no longer works.
    expect((await new Browser(testApp.app).get(link)).statusCode).toBe(404);
  });

  it('does not change an existing staff role through an invitation', async () => {
    const link = await inviteLink({
      email: demoEmail('admin'),
      localAuthorityId: await demoLaId(),
      staffRole: 'caseworker',
    });
    const browser = new Browser(testApp.app);
    await browser.get(link);
    await signInWith(testApp, browser, demoEmail('admin'));
    const membership = await testApp.database.db
      .selectFrom('staff_membership')
      .innerJoin('app_user', 'app_user.id', 'staff_membership.user_id')
      .select('staff_membership.role')
      .where('app_user.email', '=', demoEmail('admin'))
      .executeTakeFirstOrThrow();
    expect(membership.role).toBe('admin');
  });

  it('withdraws a staff member’s pending invitations when they are removed', async () => {
    const db = testApp.database.db;
    const laId = await demoLaId();
    const { token } = await createInvitation(
      db,
      { email: demoEmail('manager'), localAuthorityId: laId, staffRole: 'admin' },
      system,
    );
    const admin = await db
      .selectFrom('app_user')
      .select('id')
      .where('email', '=', demoEmail('admin'))
      .executeTakeFirstOrThrow();
    const manager = await db
      .selectFrom('app_user')
      .select('id')
      .where('email', '=', demoEmail('manager'))
      .executeTakeFirstOrThrow();
    expect(await findUsableInvitation(db, token)).toBeTruthy();
    const outcome = await removeStaffMember(db, laId, manager.id, {
      ...system,
      actorUserId: admin.id,
    });
    expect(outcome).toBe('removed');
    expect(await findUsableInvitation(db, token)).toBeNull();
    await db
      .insertInto('staff_membership')
      .values({ user_id: manager.id, local_authority_id: laId, role: 'manager' })
      .execute();
  });

  it('refuses an expired invitation', async () => {
    const link = await inviteLink({
      email: 'late@example.com',
      localAuthorityId: await demoLaId(),
      staffRole: 'manager',
    });
    await testApp.database.db
      .updateTable('invitation')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('email', '=', 'late@example.com')
      .execute();
    const response = await new Browser(testApp.app).get(link);
    expect(response.statusCode).toBe(404);
    expect(response.body).toContain('expired');
  });

  it('adds a role to an existing account once that person signs in', async () => {
    const school = await testApp.database.db
      .selectFrom('organisation')
      .select('id')
      .where('name', '=', 'Riverside Academy')
      .executeTakeFirstOrThrow();
    const link = await inviteLink({ email: demoEmail('psychologist'), organisationId: school.id });
    const browser = new Browser(testApp.app);
    const page = await browser.get(link);
    expect(page.body).toContain('already have');
    await signInWith(testApp, browser, demoEmail('psychologist'));
    const member = await testApp.database.db
      .selectFrom('organisation_membership')
      .innerJoin('app_user', 'app_user.id', 'organisation_membership.user_id')
      .select('organisation_membership.id')
      .where('app_user.email', '=', demoEmail('psychologist'))
      .where('organisation_membership.organisation_id', '=', school.id)
      .executeTakeFirst();
    expect(member).toBeTruthy();
  });
});

describe('password reset', () => {
  it('emails a single-use link and lets the user choose a new password', async () => {
    const email = demoEmail('youngPerson');
    const browser = new Browser(testApp.app);
    await browser.get('/forgot-password');
    const invalid = await browser.post('/forgot-password', { email: 'not an email' });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.body).toContain('Enter an email address in the correct format');
    const sent = await browser.post('/forgot-password', { email });
    expect(sent.headers.location).toBe('/forgot-password/check-your-email');
    await runPasswordResetRequests(testApp);
    const link = /\/reset-password\/[A-Za-z0-9_-]{43}/.exec(
      (await lastQueuedTo(testApp, email))!.text,
    )![0];
    await browser.get(link);
    const short = await browser.post(link, { password: 'short', confirmPassword: 'short' });
    expect(short.body).toContain('Password must be 10 characters or more');
    const done = await browser.post(link, {
      password: 'a brand new passphrase',
      confirmPassword: 'a brand new passphrase',
    });
    expect(done.headers.location).toBe('/sign-in');
    expect((await new Browser(testApp.app).get(link)).statusCode).toBe(404);
    await expect(signIn(testApp, email, DEMO_PASSWORD)).rejects.toThrow();
    const again = await signIn(testApp, email, 'a brand new passphrase');
    expect((await again.get('/your-cases')).statusCode).toBe(200);
  });

  it('spends every outstanding reset link once one is used', async () => {
    const email = demoEmail('health');
    const browser = new Browser(testApp.app);
    await browser.get('/forgot-password');
    await browser.post('/forgot-password', { email });
    await runPasswordResetRequests(testApp);
    const first = /\/reset-password\/[A-Za-z0-9_-]{43}/.exec(
      (await lastQueuedTo(testApp, email))!.text,
    )![0];
    await browser.post('/forgot-password', { email });
    await runPasswordResetRequests(testApp);
    const second = /\/reset-password\/[A-Za-z0-9_-]{43}/.exec(
      (await lastQueuedTo(testApp, email))!.text,
    )![0];
    expect(second).not.toBe(first);
    await browser.get(second);
    const done = await browser.post(second, {
      password: 'health passphrase two',
      confirmPassword: 'health passphrase two',
    });
    expect(done.headers.location).toBe('/sign-in');
    expect((await new Browser(testApp.app).get(first)).statusCode).toBe(404);
    await signIn(testApp, email, 'health passphrase two');
  });

  it('sends at most three reset emails an hour to one account', async () => {
    const email = demoEmail('manager');
    const browser = new Browser(testApp.app);
    await browser.get('/forgot-password');
    const count = async () =>
      (await queuedEmails(testApp, email)).filter((m) => m.subject.includes('Reset')).length;
    const before = await count();
    for (let i = 0; i < 5; i++) await browser.post('/forgot-password', { email });
    await runPasswordResetRequests(testApp);
    expect((await count()) - before).toBe(SIGN_IN_LIMITS.passwordResetsPerHour);
  });

  it('says the same thing whether or not the account exists', async () => {
    const before = (await queuedEmails(testApp)).length;
    const browser = new Browser(testApp.app);
    await browser.get('/forgot-password');
    const response = await browser.post('/forgot-password', { email: 'nobody@example.com' });
    expect(response.headers.location).toBe('/forgot-password/check-your-email');
    await runPasswordResetRequests(testApp);
    expect((await queuedEmails(testApp)).length).toBe(before);
  });
});
