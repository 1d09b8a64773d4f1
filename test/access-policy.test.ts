import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ACCOUNTS, type DemoAccountKey } from '../src/features/demo/demo-data.ts';
import { MissingRoutePolicyError, routePolicyPlugin } from '../src/web/route-policy.ts';
import { Browser, buildTestApp, signInAs, type TestApp } from './helpers.ts';

/**
 * Walks every registered route as every demo role and as a stranger, and checks each answer
 * against an independent table of who may do what (not against the policy module itself).
 */
type Who = DemoAccountKey | 'anonymous';
const STAFF: Who[] = ['caseworker', 'decisionMaker', 'manager', 'admin'];
const EVERYONE_SIGNED_IN: Who[] = DEMO_ACCOUNTS.map((a) => a.key);

/** Demo cases by reference, with who may see each (see demo-data.ts for their participants). */
const CASES = {
  /** Demoshire: parent and Oakfield Primary School (the SENCO's setting). */
  familyCase: {
    reference: 'DEM-%-0001',
    viewers: [...STAFF, 'parent', 'senco'] as Who[],
    logViewers: ['admin'] as Who[],
    managers: STAFF,
    deciders: ['decisionMaker', 'manager'] as Who[],
    family: ['parent'] as Who[],
  },
  /** Demoshire: social care only. */
  socialCareCase: {
    reference: 'DEM-%-0019',
    viewers: [...STAFF, 'socialCare'] as Who[],
    logViewers: ['admin'] as Who[],
    managers: STAFF,
    deciders: ['decisionMaker', 'manager'] as Who[],
    family: [] as Who[],
  },
  /** Exampleton (another LA): the same school, psychologist and parent work across both. */
  otherLaCase: {
    reference: 'EXA-%-0021',
    viewers: ['parent', 'senco', 'psychologist'] as Who[],
    logViewers: [] as Who[],
    managers: [] as Who[],
    deciders: [] as Who[],
    family: ['parent'] as Who[],
  },
};

const ALLOWED_BY_POLICY: Record<string, Who[] | 'per-case'> = {
  public: ['anonymous', ...EVERYONE_SIGNED_IN],
  'signing-in': [],
  'signed-in': EVERYONE_SIGNED_IN,
  staff: STAFF,
  'la-admin': ['admin'],
  'case:view': 'per-case',
  'case:access-log': 'per-case',
  'case:manage': 'per-case',
  'case:decide': 'per-case',
  'case:family': 'per-case',
};

let testApp: TestApp;
const browsers = new Map<Who, Browser>();
const ids: Record<string, string> = {};

beforeAll(async () => {
  testApp = await buildTestApp();
  const db = testApp.database.db;
  browsers.set('anonymous', new Browser(testApp.app));
  for (const account of DEMO_ACCOUNTS)
    browsers.set(account.key, await signInAs(testApp, account.key));
  for (const [name, spec] of Object.entries(CASES)) {
    const row = await db
      .selectFrom('case')
      .select('id')
      .where('reference', 'like', spec.reference)
      .executeTakeFirstOrThrow();
    ids[name] = row.id;
  }
  const caseworker = await db
    .selectFrom('app_user')
    .select('id')
    .where('email', '=', 'caseworker@demo.pathway.test')
    .executeTakeFirstOrThrow();
  ids.userId = caseworker.id;
  const school = await db
    .selectFrom('organisation')
    .select('id')
    .where('name', '=', 'Oakfield Primary School')
    .executeTakeFirstOrThrow();
  ids.organisationId = school.id;
  const membership = await db
    .selectFrom('organisation_membership')
    .select('id')
    .where('organisation_id', '=', school.id)
    .executeTakeFirstOrThrow();
  ids.membershipId = membership.id;
});

afterAll(async () => {
  await testApp?.close();
});

/** Fills a route's parameters; a route with a parameter not listed here fails the walk. */
function urlsFor(url: string): { url: string; caseName?: keyof typeof CASES }[] {
  const params = [...url.matchAll(/:(\w+)/g)].map((m) => m[1]!);
  if (params.length === 0) return [{ url }];
  if (params.includes('caseId')) {
    return (Object.keys(CASES) as (keyof typeof CASES)[]).map((caseName) => ({
      caseName,
      url: fill(url, { caseId: ids[caseName]! }),
    }));
  }
  return [{ url: fill(url, {}) }];
}

function fill(url: string, values: Record<string, string>): string {
  return url.replace(/:(\w+)/g, (_, name: string) => {
    const value =
      values[name] ??
      (
        {
          token: 'a'.repeat(43),
          userId: ids.userId,
          organisationId: ids.organisationId,
          membershipId: ids.membershipId,
          closedOn: '2099-01-05',
          emailId: '00000000-0000-4000-8000-000000000000',
          notificationId: '00000000-0000-4000-8000-000000000000',
          kind: 'reminder',
          slug: 'child-name',
          requestId: '00000000-0000-4000-8000-000000000000',
          documentId: '00000000-0000-4000-8000-000000000000',
          adviceId: '00000000-0000-4000-8000-000000000000',
          participantId: '00000000-0000-4000-8000-000000000000',
          suggestionId: '00000000-0000-4000-8000-000000000000',
          question: 'assess',
        } as Record<string, string | undefined>
      )[name];
    if (!value) throw new Error(`The route walk has no value for :${name} in ${url}; add one`);
    return value;
  });
}

function allowedFor(policy: string, caseName: keyof typeof CASES | undefined): Who[] {
  const allowed = ALLOWED_BY_POLICY[policy];
  if (!allowed) throw new Error(`The route walk does not know policy ${policy}; add it`);
  if (allowed !== 'per-case') return allowed;
  if (!caseName) throw new Error(`A ${policy} route without :caseId`);
  const spec = CASES[caseName];
  const perCase: Record<string, Who[]> = {
    'case:view': spec.viewers,
    'case:manage': spec.managers,
    'case:decide': spec.deciders,
    'case:family': spec.family,
    'case:access-log': spec.logViewers,
  };
  const who = perCase[policy];
  if (!who) throw new Error(`The route walk does not know per-case policy ${policy}; add it`);
  return who;
}

describe('route-by-role access', () => {
  it('registers every route with a policy, and the walk covers some of each kind', () => {
    expect(testApp.routes.length).toBeGreaterThan(30);
    const policies = new Set(testApp.routes.map((r) => r.policy));
    for (const policy of Object.keys(ALLOWED_BY_POLICY)) expect(policies).toContain(policy);
  });

  it('refuses to register a route that declares no policy', async () => {
    const app = Fastify();
    await app.register(routePolicyPlugin, { loadCaseAccess: async () => null, registry: [] });
    expect(() => app.get('/no-policy', async () => 'hello')).toThrow(MissingRoutePolicyError);
    await app.close();
  });

  it('answers every route, for every role, as the access table says', async () => {
    const failures: string[] = [];
    let checked = 0;
    for (const route of testApp.routes) {
      for (const { url, caseName } of urlsFor(route.url)) {
        const allowed = allowedFor(route.policy, caseName);
        for (const [who, browser] of browsers) {
          const may = allowed.includes(who);
          // State-changing routes are only exercised where they must be refused.
          if (route.method !== 'GET' && may) continue;
          const response =
            route.method === 'GET'
              ? await browser.get(url)
              : await browser.post(url, {}, { csrf: browser.lastCsrf });
          checked += 1;
          const location = String(response.headers.location ?? '');
          const refused =
            response.statusCode === 403 || (response.statusCode === 303 && location === '/sign-in');
          if (response.statusCode >= 500)
            failures.push(`${route.method} ${url} as ${who}: ${response.statusCode}`);
          if (may && refused)
            failures.push(`${route.method} ${url} as ${who}: refused but should be allowed`);
          if (!may && !refused) {
            failures.push(
              `${route.method} ${url} as ${who}: ${response.statusCode} but should be refused`,
            );
          }
        }
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(300);
  });
});
