import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, addMonths, todayInEngland } from '../../domain/clock/calendar-date.ts';
import { onOrNextWorkingDay } from '../../domain/clock/working-days.ts';
import {
  authorityIdOf,
  buildTestApp,
  signInAs,
  type Browser,
  type TestApp,
} from '../../../test/helpers.ts';

let testApp: TestApp;
let admin: Browser;

beforeAll(async () => {
  testApp = await buildTestApp();
  admin = await signInAs(testApp, 'admin');
});
afterAll(async () => {
  await testApp?.close();
});

const db = () => testApp.database.db;

const authorityId = (code: string) => authorityIdOf(testApp, code);

/** The first working day on or after the date, by the national calendar. */
const workingDayFrom = (date: string) => onOrNextWorkingDay(date);

function dateFields(date: string) {
  const [year, month, day] = date.split('-');
  return {
    'closedOn-day': String(Number(day)),
    'closedOn-month': String(Number(month)),
    'closedOn-year': year!,
  };
}

async function closureActions() {
  const rows = await db()
    .selectFrom('audit_event')
    .select(['action', 'details'])
    .where('action', 'like', '%closure day')
    .orderBy('occurred_at')
    .execute();
  return rows.map((r) => [r.action, (r.details as { closedOn: string }).closedOn]);
}

describe('closure days', () => {
  it('are listed for the administrator from the admin home page', async () => {
    expect((await admin.get('/admin')).body).toContain('href="/admin/closure-days"');
    const page = await admin.get('/admin/closure-days');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('There are no closure days from today onwards.');
    const caseworker = await signInAs(testApp, 'caseworker');
    expect((await caseworker.get('/admin/closure-days')).statusCode).toBe(403);
  });

  it('checks the form and keeps what was typed', async () => {
    await admin.get('/admin/closure-days/new');
    const empty = await admin.post('/admin/closure-days/new', {});
    expect(empty.statusCode).toBe(400);
    expect(empty.body).toContain('Enter the date, for example 29 12 2026');
    expect(empty.body).toContain('Enter the reason for the closure');

    const impossible = await admin.post('/admin/closure-days/new', {
      'closedOn-day': '30',
      'closedOn-month': '2',
      'closedOn-year': '2027',
      description: 'Staff training',
    });
    expect(impossible.statusCode).toBe(400);
    expect(impossible.body).toContain('The date must be a real date');
    expect(impossible.body).toContain('value="Staff training"');
    expect(impossible.body).toContain('value="30"');

    const shortYear = await admin.post('/admin/closure-days/new', {
      'closedOn-day': '29',
      'closedOn-month': '12',
      'closedOn-year': '27',
      description: 'Staff training',
    });
    expect(shortYear.body).toContain('The date must be a real date');

    const today = todayInEngland();
    const problems: [string, string][] = [
      [addDays(today, -1), 'The date must be today or in the future'],
      [addDays(addMonths(today, 36), 1), 'The date must be within the next 3 years'],
      ['2027-12-25', 'Saturday 25 December 2027 is already not a working day'],
      ['2027-12-27', 'Monday 27 December 2027 is already not a working day'],
    ];
    for (const [date, message] of problems) {
      const response = await admin.post('/admin/closure-days/new', {
        ...dateFields(date),
        description: 'Staff training',
      });
      expect(response.statusCode, date).toBe(400);
      expect(response.body, date).toContain(message);
    }

    const long = await admin.post('/admin/closure-days/new', {
      ...dateFields(workingDayFrom(addDays(today, 10))),
      description: 'x'.repeat(201),
    });
    expect(long.body).toContain('Reason must be 200 characters or fewer');
    expect(await closureActions()).toEqual([]);
  });

  it('adds a closure day once, audited', async () => {
    const day = workingDayFrom(addDays(todayInEngland(), 20));
    await admin.get('/admin/closure-days/new');
    const added = await admin.post('/admin/closure-days/new', {
      ...dateFields(day),
      description: 'Offices closed for a move',
    });
    expect(added.statusCode).toBe(303);
    const list = await admin.get('/admin/closure-days');
    expect(list.body).toContain('Closure day added');
    expect(list.body).toContain('Offices closed for a move');
    expect(list.body).toContain('Ari Demo-Admin');

    await admin.get('/admin/closure-days/new');
    const again = await admin.post('/admin/closure-days/new', {
      ...dateFields(day),
      description: 'Twice',
    });
    expect(again.statusCode).toBe(400);
    expect(again.body).toContain('This date is already a closure day');
    expect(await closureActions()).toEqual([['added closure day', day]]);
  });

  it('removes a future closure day, but not a past one or one that does not exist', async () => {
    const la = await authorityId('999');
    const adminUser = await db()
      .selectFrom('app_user')
      .select('id')
      .where('display_name', '=', 'Ari Demo-Admin')
      .executeTakeFirstOrThrow();
    const past = '2025-12-29';
    await db()
      .insertInto('closure_day')
      .values({
        local_authority_id: la,
        closed_on: past,
        description: 'Christmas closure',
        added_by: adminUser.id,
      })
      .execute();
    const day = workingDayFrom(addDays(todayInEngland(), 20));
    const list = await admin.get('/admin/closure-days');
    expect(list.body).toContain('Past closure days');
    expect(list.body).toContain(`/admin/closure-days/${day}/remove`);
    expect(list.body).not.toContain(`/admin/closure-days/${past}/remove`);

    expect((await admin.post(`/admin/closure-days/${past}/remove`)).statusCode).toBe(403);
    expect((await admin.post('/admin/closure-days/2027-02-30/remove')).statusCode).toBe(404);
    expect((await admin.post('/admin/closure-days/2099-01-05/remove')).statusCode).toBe(404);

    await admin.get('/admin/closure-days');
    const removed = await admin.post(`/admin/closure-days/${day}/remove`);
    expect(removed.statusCode).toBe(303);
    const after = await admin.get('/admin/closure-days');
    expect(after.body).toContain('Closure day removed');
    expect(after.body).toContain('There are no closure days from today onwards.');
    expect(after.body).toContain('Christmas closure');
    expect(await closureActions()).toEqual([
      ['added closure day', day],
      ['removed closure day', day],
    ]);
  });

  it('move the start of the clock for the LA’s cases only', async () => {
    const demoshire = await authorityId('999');
    const adminUser = await db()
      .selectFrom('app_user')
      .select('id')
      .where('display_name', '=', 'Ari Demo-Admin')
      .executeTakeFirstOrThrow();
    const found = await db()
      .selectFrom('case')
      .select('id')
      .where('reference', 'like', 'DEM-%-0001')
      .executeTakeFirstOrThrow();
    await db()
      .updateTable('case')
      .set({
        request_received_on: '2026-11-10',
        stage: 'request_received',
        assessment_decided_on: null,
      })
      .where('id', '=', found.id)
      .execute();
    const caseworker = await signInAs(testApp, 'caseworker');
    const before = await caseworker.get(`/cases/${found.id}`);
    expect(before.body).toContain('received on Tuesday 10 November 2026');
    expect(before.body).toContain('22 December 2026');

    await db()
      .insertInto('closure_day')
      .values(
        ['2026-11-10', '2026-11-11'].map((closed_on) => ({
          local_authority_id: demoshire,
          closed_on,
          description: 'Offices closed',
          added_by: adminUser.id,
        })),
      )
      .execute();
    const after = await caseworker.get(`/cases/${found.id}`);
    expect(after.body).toContain('received on Thursday 12 November 2026');
    expect(after.body).toContain('24 December 2026');
    expect(after.body).not.toContain('22 December 2026');

    const family = await (await signInAs(testApp, 'parent')).get('/your-cases');
    expect(family.body).toContain('24 December 2026');
  });
});
