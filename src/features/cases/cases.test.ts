import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, demoEmail, signInAs, type TestApp } from '../../../test/helpers.ts';
import { LIST_VIEW_ACTION } from '../../audit/audit.ts';

let testApp: TestApp;

beforeAll(async () => {
  testApp = await buildTestApp();
});
afterAll(async () => {
  await testApp?.close();
});

async function caseId(reference: string) {
  const row = await testApp.database.db
    .selectFrom('case')
    .select('id')
    .where('reference', 'like', reference)
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Puts a demo case back to waiting for the decision whether to assess, due 23 February 2026. */
async function awaitingDecisionSince12January(reference: string) {
  const id = await caseId(reference);
  await testApp.database.db
    .updateTable('case')
    .set({
      request_received_on: '2026-01-12',
      stage: 'request_received',
      assessment_decided_on: null,
    })
    .where('id', '=', id)
    .execute();
  return id;
}

describe('the caseworker tray', () => {
  it('lists the LA’s cases soonest due first, 25 to a page', async () => {
    const browser = await signInAs(testApp, 'caseworker');
    const page = await browser.get('/cases');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('20 cases');
    const dates = [...page.body.matchAll(/<td class="govuk-table__cell">(\d{1,2} \w+ \d{4})/g)].map(
      (m) => Date.parse(m[1]!),
    );
    expect(dates.length).toBeGreaterThan(5);
    expect([...dates].sort((a, b) => a - b)).toEqual(dates);
    // The other LA's case is not in this LA's tray.
    expect(page.body).not.toContain('EXA-');
    // Nothing beyond Latin-1 (the templates' apostrophes are character references), so the
    // page is sent as a string of one byte a character (docs/performance.md).
    expect(page.body).not.toMatch(/[\u{100}-\u{10ffff}]/u);
    expect(page.body).toContain('You&#8217;re about to be signed out');
  });

  it('finds your own cases, and an officer’s by name', async () => {
    const browser = await signInAs(testApp, 'caseworker');
    const all = await browser.get('/cases');
    const mine = await browser.get('/cases?officer=mine');
    expect(mine.statusCode).toBe(200);
    expect(mine.body).toContain('Your cases</option>');
    expect(mine.body).not.toContain('>Not assigned</td>');
    const byName = await browser.get('/cases?officerName=casey');
    expect(/(\d+) cases/.exec(byName.body)![1]).toBe(/(\d+) cases/.exec(mine.body)![1]);
    expect(/(\d+) cases/.exec(all.body)![1]).not.toBe(/(\d+) cases/.exec(mine.body)![1]);
    const nobody = await browser.get('/cases?officerName=nobody-by-this-name');
    expect(nobody.body).toContain('No cases match these filters.');
    expect((await browser.get(`/cases?officerName=${'x'.repeat(101)}`)).statusCode).toBe(400);
  });

  it('filters by stage and by officer', async () => {
    const browser = await signInAs(testApp, 'caseworker');
    const drafts = await browser.get('/cases?stage=draft_plan');
    expect(drafts.body).toContain('3 cases');
    const unassigned = await browser.get('/cases?officer=unassigned');
    expect(unassigned.body).toContain('5 cases');
    expect(unassigned.body).not.toContain('Casey Demo-Worker</td>');
  });

  it('shows a manager every overdue step across the LA, and those due within 7 days', async () => {
    const db = testApp.database.db;
    const { todayInEngland, addDays } = await import('../../domain/clock/calendar-date.ts');
    const today = todayInEngland();
    const count = async (from: string | null, before: string) => {
      let query = db
        .selectFrom('case')
        .innerJoin('local_authority', 'local_authority.id', 'case.local_authority_id')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('local_authority.code', '=', '999')
        .where('case.next_step_due_on', '<', before);
      if (from) query = query.where('case.next_step_due_on', '>=', from);
      return Number((await query.executeTakeFirstOrThrow()).n);
    };
    const overdue = await count(null, today);
    const soon = await count(today, addDays(today, 8));
    expect(overdue).toBeGreaterThan(0);
    const manager = await signInAs(testApp, 'manager');
    const overduePage = await manager.get('/cases?due=overdue');
    expect(overduePage.body).toContain(`${overdue} ${overdue === 1 ? 'case' : 'cases'},`);
    expect(overduePage.body).not.toContain('Due within 7 days</strong>');
    const soonPage = await manager.get('/cases?due=due-soon');
    expect(soonPage.body).toContain(`${soon} ${soon === 1 ? 'case' : 'cases'},`);
    expect((await manager.get('/cases?due=someday')).statusCode).toBe(400);
  });

  it('paginates', async () => {
    const db = testApp.database.db;
    const la = await db
      .selectFrom('local_authority')
      .select('id')
      .where('code', '=', '999')
      .executeTakeFirstOrThrow();
    await db
      .insertInto('case')
      .values(
        Array.from({ length: 30 }, (_, i) => ({
          local_authority_id: la.id,
          reference: `PAGE-${String(i).padStart(3, '0')}`,
          child_first_name: 'Page',
          child_last_name: `Test${i}`,
          child_date_of_birth: '2018-01-01',
          stage: 'request_received',
          request_received_on: '2026-11-01',
          next_step_due_on: '2026-12-13',
          updated_at: new Date(),
        })),
      )
      .execute();
    const browser = await signInAs(testApp, 'manager');
    const first = await browser.get('/cases');
    expect(first.body).toContain('50 cases');
    expect(first.body).toContain('page=2');
    const second = await browser.get('/cases?page=2');
    expect(second.statusCode).toBe(200);
    expect(second.body.match(/class="govuk-table__row"/g)?.length).toBe(26);
    const beyond = await browser.get('/cases?page=9');
    expect(beyond.body).toContain('No cases match');
    await db.deleteFrom('case').where('reference', 'like', 'PAGE-%').execute();
  });
});

describe('a case', () => {
  it('shows the child, participants and timeline, and audits every view', async () => {
    const id = await caseId('DEM-%-0001');
    const browser = await signInAs(testApp, 'parent');
    const page = await browser.get(`/cases/${id}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Oakfield Primary School');
    expect(page.body).toContain('Request for an EHC needs assessment received');
    expect(page.body).toContain('The council decides whether to carry out an assessment');
    const views = await testApp.database.db
      .selectFrom('audit_event')
      .innerJoin('app_user', 'app_user.id', 'audit_event.actor_user_id')
      .select(['audit_event.correlation_id', 'audit_event.ip_address'])
      .where('audit_event.action', '=', 'viewed case')
      .where('audit_event.subject_id', '=', id)
      .where('app_user.email', '=', demoEmail('parent'))
      .execute();
    expect(views).toHaveLength(1);
    expect(views[0]!.correlation_id).toBe(page.headers['x-correlation-id']);
    expect(views[0]!.ip_address).toBeTruthy();
  });

  it('shows its time limits: a table for staff, plain English for the family', async () => {
    const id = await awaitingDecisionSince12January('DEM-%-0001');
    const staff = await (await signInAs(testApp, 'caseworker')).get(`/cases/${id}`);
    expect(staff.body).toContain('Send the decision whether to assess');
    expect(staff.body).toContain('23 February 2026');
    const family = await (await signInAs(testApp, 'parent')).get(`/cases/${id}`);
    expect(family.body).toContain(
      'The council must tell you whether it will carry out an assessment by Monday 23 February 2026.',
    );
    expect(family.body).toContain('Overdue');
  });

  it('shows no step of a closed case as due or overdue: ceased, refused, no plan', async () => {
    const db = testApp.database.db;
    const closed = await db
      .selectFrom('case')
      .select(['id', 'stage'])
      .where('reference', 'like', 'DEM-%')
      .where('stage', 'in', ['ceased', 'not_assessing', 'no_plan'])
      .execute();
    expect(closed.map((c) => c.stage).sort()).toEqual(['ceased', 'no_plan', 'not_assessing']);
    const caseworker = await signInAs(testApp, 'caseworker');
    for (const c of closed) {
      const page = await caseworker.get(`/cases/${c.id}`);
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('This case is closed.');
      for (const words of ['Overdue', 'Due within 7 days', 'Upcoming', 'Hold the annual review']) {
        expect(page.body, `${c.stage}: ${words}`).not.toContain(words);
      }
      const journey = await caseworker.get(`/cases/${c.id}/journey`);
      expect(journey.statusCode).toBe(200);
      for (const words of ['Overdue', 'Due within 7 days', 'The plan must be reviewed']) {
        expect(journey.body, `${c.stage} journey: ${words}`).not.toContain(words);
      }
    }
    // The tray's due filters and tags read the stored date, which a closed stage has none of.
    const stored = await db
      .selectFrom('case')
      .select('next_step_due_on')
      .where(
        'id',
        'in',
        closed.map((c) => c.id),
      )
      .execute();
    expect(stored.map((s) => s.next_step_due_on)).toEqual([null, null, null]);
  });

  it('shows the 16-week decision whether to issue a plan, and keeps its date once decided', async () => {
    const db = testApp.database.db;
    const assessing = await db
      .selectFrom('case')
      .select('id')
      .where('reference', 'like', 'DEM-%')
      .where('stage', '=', 'assessment')
      .orderBy('reference')
      .executeTakeFirstOrThrow();
    const id = assessing.id;
    await db
      .updateTable('case')
      .set({ request_received_on: '2026-01-12', assessment_decided_on: '2026-02-10' })
      .where('id', '=', id)
      .execute();
    const caseworker = await signInAs(testApp, 'caseworker');
    const before = await caseworker.get(`/cases/${id}`);
    expect(before.body).toMatch(
      /Send the decision whether to issue a plan<\/td>\s*<td class="govuk-table__cell">4 May 2026<\/td>/,
    );
    const officer = await db
      .selectFrom('app_user')
      .select('id')
      .where('email', '=', demoEmail('caseworker'))
      .executeTakeFirstOrThrow();
    await db
      .insertInto('case_decision')
      .values({
        case_id: id,
        question: 'issue_plan',
        information_considered: 'The advice',
        recommendation: 'yes',
        recommendation_reasons: 'Needs a plan',
        recommended_by: officer.id,
        outcome: 'yes',
        reasons: 'Needs a plan',
        decided_by: officer.id,
        decided_on: '2026-04-20',
        decided_at: new Date('2026-04-20T10:00:00Z'),
      })
      .execute();
    await db.updateTable('case').set({ stage: 'draft_plan' }).where('id', '=', id).execute();
    const after = await caseworker.get(`/cases/${id}`);
    expect(after.body).toMatch(
      /Send the decision whether to issue a plan<\/td>\s*<td class="govuk-table__cell">4 May 2026<\/td>\s*<td class="govuk-table__cell">.*Done on time.*20 April 2026/,
    );
    expect(after.body).toMatch(
      /Decision whether to issue a plan\s*<\/dt>\s*<dd class="govuk-summary-list__value">\s*20 April 2026/,
    );
  });

  it('records an exception against a limit: audited, on the timeline, and the late step excused', async () => {
    const db = testApp.database.db;
    const id = await awaitingDecisionSince12January('DEM-%-0003');
    const caseworker = await signInAs(testApp, 'caseworker');
    await caseworker.get(`/cases/${id}/exceptions/new`);
    const empty = await caseworker.post(`/cases/${id}/exceptions/new`, {});
    expect(empty.statusCode).toBe(400);
    for (const message of [
      'Select the time limit',
      'Select the reason',
      'Enter the date the circumstances began',
      'Enter what happened',
    ]) {
      expect(empty.body).toContain(message);
    }
    const badDate = await caseworker.post(`/cases/${id}/exceptions/new`, {
      limit: 'decisionToAssess',
      reason: 'away_from_area',
      'occurredOn-day': '30',
      'occurredOn-month': '2',
      'occurredOn-year': '2026',
      details: 'Family abroad',
    });
    expect(badDate.body).toContain('The date must be a real date');
    expect(badDate.body).toContain('Family abroad');
    const recorded = await caseworker.post(`/cases/${id}/exceptions/new`, {
      limit: 'decisionToAssess',
      reason: 'away_from_area',
      'occurredOn-day': '2',
      'occurredOn-month': '2',
      'occurredOn-year': '2026',
      details: 'Family abroad for 5 weeks; travel letter on file',
    });
    expect(recorded.headers.location).toBe(`/cases/${id}`);
    const page = await caseworker.get(`/cases/${id}`);
    expect(page.body).toContain('Late, with a recorded exception');
    expect(page.body).toContain('Exception recorded against the time limit');
    expect(page.body).toContain('23 February 2026');
    const audit = await db
      .selectFrom('audit_event')
      .select('id')
      .where('subject_id', '=', id)
      .where('action', '=', 'recorded an exception to a time limit')
      .execute();
    expect(audit).toHaveLength(1);
    // The family and a professional cannot record one.
    const parent = await signInAs(testApp, 'parent');
    expect((await parent.get(`/cases/${id}/exceptions/new`)).statusCode).toBe(403);
  });

  it('shows its access log to the LA admin only', async () => {
    const id = await caseId('DEM-%-0001');
    const parent = await signInAs(testApp, 'parent');
    await parent.get(`/cases/${id}`);
    const admin = await signInAs(testApp, 'admin');
    const casePage = await admin.get(`/cases/${id}`);
    expect(casePage.body).toContain(`/cases/${id}/access-log`);
    const log = await admin.get(`/cases/${id}/access-log`);
    expect(log.statusCode).toBe(200);
    expect(log.body).toContain('Priya Demo-Parent');
    expect(log.body).toContain('viewed case');
    const caseworker = await signInAs(testApp, 'caseworker');
    expect((await caseworker.get(`/cases/${id}/access-log`)).statusCode).toBe(403);
    expect((await caseworker.get(`/cases/${id}`)).body).not.toContain('/access-log');
  });

  it('records each case a list shows, so its log shows who saw the child’s name', async () => {
    const id = await caseId('DEM-%-0001');
    const browser = await signInAs(testApp, 'decisionMaker');
    await browser.get('/cases');
    const rows = await testApp.database.db
      .selectFrom('audit_event')
      .innerJoin('app_user', 'app_user.id', 'audit_event.actor_user_id')
      .select(['audit_event.local_authority_id', 'audit_event.case_ids'])
      .where('audit_event.action', '=', LIST_VIEW_ACTION)
      .where('app_user.email', '=', demoEmail('decisionMaker'))
      .execute();
    // One row for the page, holding the 20 cases it showed.
    expect(rows).toHaveLength(1);
    expect(rows[0]!.local_authority_id).toBeTruthy();
    expect(new Set(rows[0]!.case_ids)).toHaveProperty('size', 20);
    expect(rows[0]!.case_ids).toContain(id);
    const admin = await signInAs(testApp, 'admin');
    const log = await admin.get(`/cases/${id}/access-log`);
    expect(log.statusCode).toBe(200);
    expect(log.body).toContain(LIST_VIEW_ACTION);
    expect(log.body).toContain('Dana Demo-Decider');
  });

  it('keeps the audit log append-only', async () => {
    await expect(
      testApp.database.db.updateTable('audit_event').set({ action: 'changed' }).execute(),
    ).rejects.toThrow(/append-only/);
    await expect(testApp.database.db.deleteFrom('case_event').execute()).rejects.toThrow(
      /append-only/,
    );
  });
});

describe('cases follow organisations and people across LAs', () => {
  it('shows a professional their cases from every LA in one list', async () => {
    const browser = await signInAs(testApp, 'psychologist');
    const page = await browser.get('/your-cases');
    expect(page.body).toContain('Demoshire County Council');
    expect(page.body).toContain('Exampleton Borough Council');
  });

  it('moves a setting’s cases from a SENCO who leaves to the one who joins', async () => {
    const db = testApp.database.db;
    const id = await caseId('DEM-%-0001');
    const school = await db
      .selectFrom('organisation')
      .select('id')
      .where('name', '=', 'Oakfield Primary School')
      .executeTakeFirstOrThrow();
    const senco = await signInAs(testApp, 'senco');
    expect((await senco.get(`/cases/${id}`)).statusCode).toBe(200);

    const leaver = await db
      .selectFrom('app_user')
      .select('id')
      .where('email', '=', demoEmail('senco'))
      .executeTakeFirstOrThrow();
    await db
      .updateTable('organisation_membership')
      .set({ ended_at: new Date() })
      .where('user_id', '=', leaver.id)
      .where('organisation_id', '=', school.id)
      .execute();
    expect((await senco.get(`/cases/${id}`)).statusCode).toBe(403);
    expect((await senco.get('/your-cases')).body).not.toContain(`/cases/${id}`);

    // The new SENCO joins the school through an invitation and sees the same cases at once.
    const joiner = await db
      .selectFrom('app_user')
      .select('id')
      .where('email', '=', demoEmail('health'))
      .executeTakeFirstOrThrow();
    await db
      .insertInto('organisation_membership')
      .values({ user_id: joiner.id, organisation_id: school.id })
      .execute();
    const newSenco = await signInAs(testApp, 'health');
    expect((await newSenco.get(`/cases/${id}`)).statusCode).toBe(200);
    expect((await newSenco.get('/your-cases')).body).toContain(`/cases/${id}`);
  });
});
