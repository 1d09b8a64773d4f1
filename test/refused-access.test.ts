import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { listAuditForSubject, REFUSED_ACCESS_ACTION } from '../src/audit/audit.ts';
import {
  Browser,
  buildTestApp,
  caseIdOf,
  signInAs,
  userIdOf,
  demoEmail,
  type TestApp,
} from './helpers.ts';

/**
 * Refused access is audited (issue 14, finding 7): a 403, a CSRF failure on a signed-in user's
 * post, and a 404 for a document that exists but may not be seen each leave one audit row with
 * the actor, the route, the subject, the outcome, the address and the correlation id; and the
 * LA's administrators can list them.
 */
let testApp: TestApp;
const ids = {} as Record<
  | 'familyCase'
  | 'otherLaCase'
  | 'demoshire'
  | 'exampleton'
  | 'caseworker'
  | 'parent'
  | 'otherLaDocument'
  | 'laOnlyDocument',
  string
>;

beforeAll(async () => {
  testApp = await buildTestApp();
  const db = testApp.database.db;
  ids.familyCase = await caseIdOf(testApp, 'DEM-%-0001');
  ids.otherLaCase = await caseIdOf(testApp, 'EXA-%-0021');
  const authority = async (caseId: string) =>
    (
      await db
        .selectFrom('case')
        .select('local_authority_id')
        .where('id', '=', caseId)
        .executeTakeFirstOrThrow()
    ).local_authority_id;
  ids.demoshire = await authority(ids.familyCase);
  ids.exampleton = await authority(ids.otherLaCase);
  ids.caseworker = await userIdOf(testApp, demoEmail('caseworker'));
  ids.parent = await userIdOf(testApp, demoEmail('parent'));
  const document = (caseId: string, visibility: 'la_only' | 'everyone') =>
    db
      .insertInto('case_document')
      .values({
        case_id: caseId,
        kind: 'other',
        title: 'Notes',
        author_name: 'Someone',
        document_date: '2026-01-05',
        visibility,
        visibility_reason: visibility === 'la_only' ? 'Safeguarding' : null,
        body_html: '<p>Notes</p>',
      })
      .returning('id')
      .executeTakeFirstOrThrow();
  ids.otherLaDocument = (await document(ids.otherLaCase, 'everyone')).id;
  ids.laOnlyDocument = (await document(ids.familyCase, 'la_only')).id;
});

afterAll(async () => {
  await testApp?.close();
});

let since: number;
beforeEach(async () => {
  const { max } = await testApp.database.db
    .selectFrom('audit_event')
    .select((eb) => eb.fn.max('id').as('max'))
    .executeTakeFirstOrThrow();
  since = Number(max ?? 0);
});

/** The refusals written since the test began. */
async function refusals() {
  return testApp.database.db
    .selectFrom('audit_event')
    .selectAll()
    .where('id', '>', String(since))
    .where('action', '=', REFUSED_ACCESS_ACTION)
    .orderBy('id')
    .execute();
}

describe('refused access is audited', () => {
  it('records a page of another LA’s case refused by the policy (403), for that LA', async () => {
    const caseworker = await signInAs(testApp, 'caseworker');
    const response = await caseworker.get(`/cases/${ids.otherLaCase}`);
    expect(response.statusCode).toBe(403);
    const rows = await refusals();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      actor_user_id: ids.caseworker,
      subject_type: 'case',
      subject_id: ids.otherLaCase,
      local_authority_id: ids.exampleton,
      correlation_id: response.headers['x-correlation-id'],
      ip_address: '127.0.0.1',
    });
    expect(rows[0]!.details).toEqual({
      method: 'GET',
      route: '/cases/:caseId',
      status: 403,
      reason: 'policy',
      roles: ['caseworker'],
    });
  });

  it('records a forged post to another LA’s case', async () => {
    const caseworker = await signInAs(testApp, 'caseworker');
    await caseworker.get(`/cases/${ids.familyCase}`);
    const response = await caseworker.post(`/cases/${ids.otherLaCase}/exceptions/new`, {
      reason: 'anything',
    });
    expect(response.statusCode).toBe(403);
    const rows = await refusals();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      subject_id: ids.otherLaCase,
      local_authority_id: ids.exampleton,
    });
    expect(rows[0]!.details).toMatchObject({
      method: 'POST',
      route: '/cases/:caseId/exceptions/new',
      status: 403,
      reason: 'policy',
    });
    // Never what was posted.
    expect(JSON.stringify(rows[0])).not.toContain('anything');
  });

  it('records a signed-in user’s post that fails CSRF, against the case it named', async () => {
    const caseworker = await signInAs(testApp, 'caseworker');
    const response = await caseworker.post(
      `/cases/${ids.familyCase}/exceptions/new`,
      { reason: 'anything' },
      { csrf: 'forged-token' },
    );
    expect(response.statusCode).toBe(403);
    const rows = await refusals();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      actor_user_id: ids.caseworker,
      subject_id: ids.familyCase,
      local_authority_id: ids.demoshire,
    });
    expect(rows[0]!.details).toMatchObject({ method: 'POST', status: 403, reason: 'csrf' });
  });

  it('records a document the actor may not see (404), on the case it belongs to', async () => {
    const parent = await signInAs(testApp, 'parent');
    const hidden = await parent.get(`/cases/${ids.familyCase}/documents/${ids.laOnlyDocument}`);
    expect(hidden.statusCode).toBe(404);
    const caseworker = await signInAs(testApp, 'caseworker');
    const elsewhere = await caseworker.get(
      `/cases/${ids.familyCase}/documents/${ids.otherLaDocument}`,
    );
    expect(elsewhere.statusCode).toBe(404);
    const rows = await refusals();
    expect(rows.map((r) => [r.actor_user_id, r.subject_id, r.local_authority_id])).toEqual([
      [ids.parent, ids.familyCase, ids.demoshire],
      [ids.caseworker, ids.otherLaCase, ids.exampleton],
    ]);
    expect(rows[0]!.details).toMatchObject({
      route: '/cases/:caseId/documents/:documentId',
      status: 404,
      reason: 'not-visible',
      roles: [],
    });
  });

  it('records a staff page refused to someone without the role, for the LA they work for', async () => {
    const caseworker = await signInAs(testApp, 'caseworker');
    expect((await caseworker.get('/admin')).statusCode).toBe(403);
    const rows = await refusals();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      actor_user_id: ids.caseworker,
      subject_type: 'route',
      subject_id: null,
      local_authority_id: ids.demoshire,
    });
  });

  it('writes nothing for a case that does not exist, or for someone not signed in', async () => {
    const caseworker = await signInAs(testApp, 'caseworker');
    expect((await caseworker.get(`/cases/${randomUUID()}`)).statusCode).toBe(404);
    expect((await caseworker.get(`/cases/not-an-id`)).statusCode).toBe(404);
    const stranger = new Browser(testApp.app);
    expect((await stranger.get(`/cases/${ids.otherLaCase}`)).statusCode).toBe(303);
    expect((await stranger.post(`/cases/${ids.otherLaCase}/exceptions/new`, {})).statusCode).toBe(
      403,
    );
    expect((await stranger.get(`/admin`)).statusCode).toBe(303);
    expect(await refusals()).toEqual([]);
  });

  it('shows refused attempts in the case’s access log', async () => {
    const caseworker = await signInAs(testApp, 'caseworker');
    await caseworker.get(`/cases/${ids.otherLaCase}`);
    const log = await listAuditForSubject(testApp.database.db, 'case', ids.otherLaCase, {
      limit: 5,
      offset: 0,
    });
    expect(log.entries[0]).toMatchObject({
      action: REFUSED_ACCESS_ACTION,
      refusal: { method: 'GET', route: '/cases/:caseId', status: 403, reason: 'policy' },
    });
    const parent = await signInAs(testApp, 'parent');
    await parent.get(`/cases/${ids.familyCase}/documents/${ids.laOnlyDocument}`);
    const admin = await signInAs(testApp, 'admin');
    const page = await admin.get(`/cases/${ids.familyCase}/access-log`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Refused access');
    expect(page.body).toContain('/cases/:caseId/documents/:documentId');
  });
});

describe('the administrators’ audit page', () => {
  it('lists the LA’s refusals with a filter, and not another LA’s', async () => {
    const caseworker = await signInAs(testApp, 'caseworker');
    await caseworker.get(`/cases/${ids.otherLaCase}`);
    await caseworker.get('/admin');
    const admin = await signInAs(testApp, 'admin');
    const all = await admin.get('/admin/audit');
    expect(all.statusCode).toBe(200);
    expect(all.body).toContain('Viewed case');
    const refused = await admin.get('/admin/audit?refused=yes');
    expect(refused.statusCode).toBe(200);
    expect(refused.body).toContain('Refused access only');
    expect(refused.body).toContain('GET /admin');
    expect(refused.body).not.toContain('Viewed case');
    // The attempt on Exampleton's case is Exampleton's, not Demoshire's.
    expect(refused.body).not.toContain(ids.otherLaCase);
    expect(refused.body).not.toContain('EXA-');
    expect((await admin.get('/admin/audit?page=0')).statusCode).toBe(400);
    expect((await caseworker.get('/admin/audit')).statusCode).toBe(403);
  });

  it('pages through refusals, 25 at a time', async () => {
    const caseworker = await signInAs(testApp, 'caseworker');
    for (let i = 0; i < 26; i += 1) await caseworker.get('/admin/users');
    const admin = await signInAs(testApp, 'admin');
    const first = await admin.get('/admin/audit?refused=yes');
    expect(first.body).toContain('govuk-pagination');
    expect(first.body).toMatch(/\d+ refused attempts\./);
    expect(first.body).toContain('href="/admin/audit?refused=yes&amp;page=2"');
    const second = await admin.get('/admin/audit?refused=yes&page=2');
    expect(second.statusCode).toBe(200);
    expect(second.body).toContain('GET /admin/users');
  });
});
