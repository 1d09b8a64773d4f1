import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoAccountKey } from '../src/features/demo/demo-data.ts';
import { Browser, buildTestApp, demoEmail, signInAs, type TestApp } from './helpers.ts';
import { DEMO_PASSWORD } from '../src/features/demo/demo-data.ts';

/**
 * Posts hostile forms to every state-changing route as someone allowed to use it, and asks for
 * every page with hostile query strings: the answer is always a page or a 4xx, never a 500.
 */
let testApp: TestApp;
const FIELDS = [
  'email',
  'password',
  'confirmPassword',
  'code',
  'displayName',
  'method',
  'role',
  'name',
  'kind',
  'urn',
  'ukprn',
  'phase',
  'outcome',
  'reasons',
  'supportOffered',
  'informationConsidered',
  'recommendation',
  'recommendationReasons',
  'visibility',
  'visibilityReason',
  'reason',
  'note',
  'status',
  'action',
  'needs',
  'adviserKind',
  'organisationId',
  'roleDescription',
  'title',
];
const long = 'x'.repeat(20_000);
const HOSTILE_FORMS: Record<string, string>[] = [
  {},
  Object.fromEntries(FIELDS.map((f) => [f, long])),
  Object.fromEntries(FIELDS.map((f) => [f, "'; DROP TABLE app_user; --"])),
  Object.fromEntries(FIELDS.map((f) => [f, '<script>alert(1)</script>'])),
  Object.fromEntries(FIELDS.map((f) => [f, 'nul\u0000byte'])),
  Object.fromEntries(FIELDS.map((f) => [f, '🙂 \u202e ʎɐʍɥʇɐd'])),
];
const ROLE_FOR_POLICY: Record<string, DemoAccountKey | 'anonymous' | 'signing-in'> = {
  public: 'anonymous',
  'signing-in': 'signing-in',
  'signed-in': 'parent',
  staff: 'caseworker',
  'la-admin': 'admin',
};

beforeAll(async () => {
  testApp = await buildTestApp();
});
afterAll(async () => {
  await testApp?.close();
});

async function browserFor(
  role: DemoAccountKey | 'anonymous' | 'signing-in',
  url: string,
): Promise<Browser> {
  if (role === 'anonymous') {
    const browser = new Browser(testApp.app);
    await browser.get('/sign-in');
    return browser;
  }
  if (role === 'signing-in') {
    const browser = new Browser(testApp.app);
    await browser.get('/sign-in');
    await browser.post('/sign-in', { email: demoEmail('youngPerson'), password: DEMO_PASSWORD });
    await browser.get(url.includes('set-up') ? '/set-up-second-factor' : '/sign-in/security-code');
    return browser;
  }
  const browser = await signInAs(testApp, role);
  await browser.get('/account');
  return browser;
}

async function fillParams(url: string): Promise<string> {
  const db = testApp.database.db;
  const user = await db
    .selectFrom('app_user')
    .select('id')
    .where('email', '=', demoEmail('caseworker'))
    .executeTakeFirstOrThrow();
  const org = await db
    .selectFrom('organisation')
    .select('id')
    .where('name', '=', 'Oakfield Primary School')
    .executeTakeFirstOrThrow();
  const membership = await db
    .selectFrom('organisation_membership')
    .select('id')
    .executeTakeFirstOrThrow();
  return url
    .replace(':userId', user.id)
    .replace(':organisationId', org.id)
    .replace(':membershipId', membership.id)
    .replace(':token', 'x'.repeat(43));
}

describe('hostile input', () => {
  it('never gets a 500 from a form', async () => {
    const failures: string[] = [];
    const posts = testApp.routes.filter((r) => r.method === 'POST' && !r.url.includes(':caseId'));
    expect(posts.length).toBeGreaterThan(15);
    for (const route of posts) {
      const role = ROLE_FOR_POLICY[route.policy];
      if (!role) throw new Error(`No role for policy ${route.policy}: add one`);
      const url = await fillParams(route.url);
      for (const form of HOSTILE_FORMS) {
        const browser = await browserFor(role, url);
        const response = await browser.post(url, form);
        if (response.statusCode >= 500) failures.push(`${url} as ${role}: ${response.statusCode}`);
        expect(response.body).not.toContain('<script>alert(1)</script>');
        expect(response.body).not.toMatch(/\bat .+\.ts:\d+/);
      }
    }
    expect(failures).toEqual([]);
  });

  it('never gets a 500 from a query string or a path', async () => {
    const browser = await signInAs(testApp, 'admin');
    const gets = testApp.routes.filter((r) => r.method === 'GET' && !r.url.includes(':'));
    for (const route of gets) {
      for (const query of [
        '?page=1e309',
        '?la=%00',
        '?stage[]=a&stage[]=b',
        `?officer=${long}`,
        '?%E0%A4%A=bad',
      ]) {
        const response = await browser.get(`${route.url}${query}`);
        expect(response.statusCode, `${route.url}${query}`).toBeLessThan(500);
      }
    }
    for (const path of [
      '/cases/%00',
      '/register/%ZZ',
      `/cases/${long}`,
      '/admin/users/..%2f..%2fetc',
      '/assets/../package.json',
    ]) {
      expect((await browser.get(path)).statusCode, path).toBeLessThan(500);
    }
  });

  it('never gets a 500 on a case’s routes, with malformed ids and hostile forms', async () => {
    const db = testApp.database.db;
    const theCase = await db
      .selectFrom('case')
      .select('id')
      .where('reference', 'like', 'DEM-%-0001')
      .executeTakeFirstOrThrow();
    const roleFor: Record<string, DemoAccountKey> = {
      'case:view': 'caseworker',
      'case:manage': 'caseworker',
      'case:decide': 'decisionMaker',
      'case:family': 'parent',
      'case:access-log': 'admin',
    };
    const browsers = new Map<DemoAccountKey, Browser>();
    const failures: string[] = [];
    const routes = testApp.routes.filter((r) => r.url.includes(':caseId'));
    expect(routes.length).toBeGreaterThan(20);
    for (const route of routes) {
      const role = roleFor[route.policy];
      if (!role) throw new Error(`No role for policy ${route.policy}: add one`);
      if (!browsers.has(role)) browsers.set(role, await browserFor(role, '/account'));
      const browser = browsers.get(role)!;
      for (const other of ['not-an-id', '00000000-0000-4000-8000-000000000000', long]) {
        const url = route.url
          .replace(':caseId', theCase.id)
          .replace(/:(\w+)/g, (_, name: string) => (name === 'question' ? 'assess' : other));
        if (route.method === 'GET') {
          const response = await browser.get(url);
          if (response.statusCode >= 500) failures.push(`GET ${url}: ${response.statusCode}`);
          continue;
        }
        for (const form of HOSTILE_FORMS) {
          await browser.get('/account');
          const response = await browser.post(url, form);
          if (response.statusCode >= 500) {
            failures.push(`POST ${url.slice(0, 120)}: ${response.statusCode}`);
          }
          expect(response.body).not.toContain('<script>alert(1)</script>');
        }
      }
    }
    expect(failures).toEqual([]);
  });
});
