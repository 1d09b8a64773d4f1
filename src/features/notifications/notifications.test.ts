import {
  pageContext,
  saveAnswers,
  saveForLater,
  startDraft,
  submitRequest,
} from '../requests/service.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { queueEmail } from '../../case/email/email-queue.ts';
import { sendDigests } from './service.ts';
import { sendOverdueSummaries, sweepReminders } from './reminders.ts';
import { addDays } from '../../domain/clock/calendar-date.ts';
import { sweepAdviceReminders } from '../advice/reminders.ts';
import {
  MESSAGE_KIND_LABELS,
  renderMessage,
  sampleMessages,
  type MessageKind,
} from '../../case/email/messages.ts';
import {
  formatDayAndDate,
  formatLongDate,
  todayInEngland,
} from '../../domain/clock/calendar-date.ts';
import {
  runPasswordResetRequests,
  Browser,
  buildTestApp,
  demoEmail,
  queuedEmails,
  signInAs,
  type TestApp,
  userIdOf,
} from '../../../test/helpers.ts';

let testApp: TestApp;

beforeAll(async () => {
  testApp = await buildTestApp();
});
afterAll(async () => {
  await testApp?.close();
});

const db = () => testApp.database.db;

async function deliveryJobs(): Promise<number> {
  const result = await sql<{ count: string }>`
    select count(*)::text as count from pgboss.job where name = 'deliver-email'`.execute(db());
  return Number(result.rows[0]!.count);
}

const userId = (email: string) => userIdOf(testApp, email);

const closedCases = () =>
  db()
    .selectFrom('case')
    .select(['id', 'reference'])
    .where('stage', 'in', ['not_assessing', 'no_plan', 'ceased'])
    .execute();

describe('the transactional outbox', () => {
  it('queues a message and its delivery job with the change, or not at all', async () => {
    const jobsBefore = await deliveryJobs();
    await expect(
      db()
        .transaction()
        .execute(async (trx) => {
          await queueEmail(trx, testApp.services.jobs, {
            kind: 'test-message',
            to: 'rolled.back@example.test',
            data: { number: 1, count: 1, sentBy: 'a test' },
          });
          throw new Error('the change failed');
        }),
    ).rejects.toThrow('the change failed');
    expect(await queuedEmails(testApp, 'rolled.back@example.test')).toEqual([]);
    expect(await deliveryJobs()).toBe(jobsBefore);

    await db()
      .transaction()
      .execute(async (trx) => {
        await queueEmail(trx, testApp.services.jobs, {
          kind: 'test-message',
          to: 'committed@example.test',
          data: { number: 1, count: 1, sentBy: 'a test' },
        });
      });
    const queued = await queuedEmails(testApp, 'committed@example.test');
    expect(queued.map((m) => m.subject)).toEqual(['Test message 1 of 1']);
    expect(await deliveryJobs()).toBe(jobsBefore + 1);
  });
});

describe('reminders', () => {
  it('reminds whoever must act, once per step and threshold, however often the sweep runs', async () => {
    const today = todayInEngland();
    const [first, second] = await Promise.all([
      sweepReminders(db(), testApp.services.notifier, today),
      sweepReminders(db(), testApp.services.notifier, today),
    ]);
    expect(first + second).toBeGreaterThan(0);
    expect(await sweepReminders(db(), testApp.services.notifier, today)).toBe(0);

    const reminders = await db()
      .selectFrom('notification')
      .select(['user_id', 'title', 'case_id', 'email_state'])
      .where('kind', '=', 'reminder')
      .execute();
    expect(reminders.length).toBe(first + second);
    const keys = reminders.map((r) => `${r.user_id} ${r.title}`);
    expect(new Set(keys).size).toBe(keys.length);
    // Statutory reminders always go at once, whatever the person's email setting.
    expect(reminders.every((r) => r.email_state === 'sent')).toBe(true);
    const emails = (await queuedEmails(testApp)).filter((m) => m.kind === 'reminder');
    expect(emails.length).toBe(reminders.length);
    expect(emails.some((m) => / – overdue$/.test(m.subject))).toBe(true);

    // The caseworker assigned to the cases is the one reminded.
    const caseworker = await userId(demoEmail('caseworker'));
    expect(reminders.some((r) => r.user_id === caseworker)).toBe(true);
    // A closed case (refused, no plan, ceased) has no step to remind of.
    const closed = await closedCases();
    expect(closed.length).toBeGreaterThan(0);
    expect(reminders.filter((r) => closed.some((c) => c.id === r.case_id))).toEqual([]);
  });

  it('sends each LA’s managers one summary of overdue steps a day', async () => {
    const today = todayInEngland();
    const sent = await sendOverdueSummaries(db(), testApp.services.notifier, today);
    expect(sent).toBeGreaterThan(0);
    expect(await sendOverdueSummaries(db(), testApp.services.notifier, today)).toBe(0);
    const summaries = await queuedEmails(testApp, demoEmail('manager'));
    const summary = summaries.find((m) => m.kind === 'overdue-summary')!;
    expect(summary.subject).toMatch(/^Demoshire County Council: \d+ overdue steps?$/);
    expect(summary.text).toContain('/cases?due=overdue');
    // The ceased plan's review, long past, is not an overdue step: the case is closed.
    for (const c of await closedCases()) expect(summary.text).not.toContain(c.reference);
  });

  it('a step due today is due today, not due tomorrow, in the reminder emails', () => {
    const samples = sampleMessages('https://pathway.example');
    const step = renderMessage('reminder', {
      ...samples.reminder,
      dueOn: '2026-02-23',
      threshold: 'due-today',
    });
    expect(step.subject).toBe('DEM-2026-0001: Send the decision whether to assess – due today');
    expect(step.text).toContain('is due by Monday 23 February 2026.');
    const advice = renderMessage('advice-reminder', {
      ...samples['advice-reminder'],
      threshold: 'due-today',
    });
    expect(advice.subject).toBe('DEM-2026-0005: your advice is due today');
    expect(advice.text).toContain('Advisers have 6 weeks by law.');
  });
});

describe('in-app notifications and the daily digest', () => {
  it('shows a person their notifications with the unread count, and marks one read when opened', async () => {
    const caseworker = await signInAs(testApp, 'caseworker');
    const home = await caseworker.get('/cases');
    expect(home.body).toMatch(/Notifications \(\d+ unread\)/);
    const list = await caseworker.get('/notifications');
    expect(list.statusCode).toBe(200);
    const first = /href="\/notifications\/([0-9a-f-]{36})"/.exec(list.body)![1]!;
    const unreadBefore = Number(/Notifications \((\d+) unread\)/.exec(list.body)![1]);
    const opened = await caseworker.get(`/notifications/${first}`);
    expect(opened.statusCode).toBe(303);
    expect(opened.headers.location).toMatch(/^\/cases\/[0-9a-f-]{36}$/);
    const after = await caseworker.get('/notifications');
    expect(after.body).toContain(`Notifications (${unreadBefore - 1} unread)`);

    // Someone else's notification, or one that is not an id, is not found.
    const parent = await signInAs(testApp, 'parent');
    expect((await parent.get(`/notifications/${first}`)).statusCode).toBe(404);
    expect((await parent.get('/notifications/nope')).statusCode).toBe(404);
    expect((await parent.get('/notifications?page=abc')).statusCode).toBe(400);

    await caseworker.post('/notifications/mark-all-read');
    expect((await caseworker.get('/notifications')).body).not.toMatch(/unread\)/);
  });

  it('lets a person choose a daily email, and then sends one digest of what happened', async () => {
    const parent = await signInAs(testApp, 'parent');
    await parent.get('/account/notifications');
    const bad = await parent.post('/account/notifications', { frequency: 'hourly' });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('Select how often you want emails');
    await parent.get('/account/notifications');
    expect((await parent.post('/account/notifications', { frequency: 'daily' })).statusCode).toBe(
      303,
    );

    // An exception on the parent's case: a notification now, the email later.
    const parentId = await userId(demoEmail('parent'));
    const theirCase = await db()
      .selectFrom('case_participant')
      .innerJoin('case', 'case.id', 'case_participant.case_id')
      .select(['case.id', 'case.reference'])
      .where('case_participant.user_id', '=', parentId)
      .orderBy('case.reference')
      .executeTakeFirstOrThrow();
    const caseworker = await signInAs(testApp, 'caseworker');
    await caseworker.get(`/cases/${theirCase.id}/exceptions/new`);
    const recorded = await caseworker.post(`/cases/${theirCase.id}/exceptions/new`, {
      limit: 'finalPlan',
      reason: 'exceptional_personal',
      'occurredOn-day': '2',
      'occurredOn-month': '3',
      'occurredOn-year': '2026',
      details: 'Hospital stay, letter on file',
    });
    expect(recorded.statusCode).toBe(303);
    const note = await db()
      .selectFrom('notification')
      .select(['title', 'email_state'])
      .where('user_id', '=', parentId)
      .where('kind', '=', 'exception-recorded')
      .executeTakeFirstOrThrow();
    expect(note).toEqual({
      title: `${theirCase.reference}: an exception to a time limit was recorded`,
      email_state: 'digest',
    });
    const before = await queuedEmails(testApp, demoEmail('parent'));
    expect(before.some((m) => m.kind === 'exception-recorded')).toBe(false);

    const [a, b] = await Promise.all([
      sendDigests(db(), testApp.services.notifier),
      sendDigests(db(), testApp.services.notifier),
    ]);
    expect(a + b).toBe(1);
    expect(await sendDigests(db(), testApp.services.notifier)).toBe(0);
    const digest = (await queuedEmails(testApp, demoEmail('parent'))).find(
      (m) => m.kind === 'digest',
    )!;
    expect(digest.subject).toBe('Pathway: 1 update since yesterday');
    expect(digest.text).toContain(
      `${theirCase.reference}: an exception to a time limit was recorded`,
    );
    const row = await db()
      .selectFrom('email_message')
      .select('list_unsubscribe')
      .where('kind', '=', 'digest')
      .executeTakeFirstOrThrow();
    expect(row.list_unsubscribe).toMatch(/\/unsubscribe\/[0-9a-f-]{36}\.[\w-]{43}$/);
    expect(digest.text).toContain('/account/notifications');
    // Only the optional digest carries List-Unsubscribe.
    const others = await db()
      .selectFrom('email_message')
      .select('kind')
      .where('list_unsubscribe', 'is not', null)
      .execute();
    expect(others.map((o) => o.kind)).toEqual(['digest']);
  });
});

describe('what emails say', () => {
  it('never puts a child’s name or date of birth in any email Pathway has queued', async () => {
    const children = await db()
      .selectFrom('case')
      .select(['child_first_name', 'child_last_name', 'child_date_of_birth'])
      .execute();
    // One more exception for a family who get each email at once.
    const parentId = await userId(demoEmail('parent'));
    await db()
      .updateTable('app_user')
      .set({ email_frequency: 'immediate' })
      .where('id', '=', parentId)
      .execute();
    const theirCase = await db()
      .selectFrom('case_participant')
      .select('case_id')
      .where('user_id', '=', parentId)
      .executeTakeFirstOrThrow();
    const caseworker = await signInAs(testApp, 'caseworker');
    await caseworker.get(`/cases/${theirCase.case_id}/exceptions/new`);
    await caseworker.post(`/cases/${theirCase.case_id}/exceptions/new`, {
      limit: 'finalPlan',
      reason: 'away_from_area',
      'occurredOn-day': '2',
      'occurredOn-month': '3',
      'occurredOn-year': '2026',
      details: 'Family abroad for six weeks',
    });
    // And the assessment: someone added to the case, and a decision with its letter.
    await caseworker.get(`/cases/${theirCase.case_id}/people/invite`);
    await caseworker.post(`/cases/${theirCase.case_id}/people/invite`, {
      role: 'adviser',
      adviserKind: 'educational_psychologist',
      name: 'Ed Psych',
      email: demoEmail('psychologist'),
    });
    await db()
      .updateTable('case')
      .set({
        stage: 'request_received',
        assessment_decided_on: null,
        closed_on: null,
        assigned_officer_id: await userId(demoEmail('caseworker')),
      })
      .where('id', '=', theirCase.case_id)
      .execute();
    await caseworker.get(`/cases/${theirCase.case_id}/decisions/assess`);
    await caseworker.post(`/cases/${theirCase.case_id}/decisions/assess/recommendation`, {
      informationConsidered: 'The request',
      recommendation: 'yes',
      recommendationReasons: 'May need a plan',
    });
    const decisionMaker = await signInAs(testApp, 'decisionMaker');
    await decisionMaker.get(`/cases/${theirCase.case_id}/decisions/assess`);
    const decided = await decisionMaker.post(`/cases/${theirCase.case_id}/decisions/assess`, {
      outcome: 'yes',
      reasons: 'May need a plan',
    });
    expect(decided.statusCode).toBe(303);
    // Advice asked of the psychologist, given, and a reminder of advice overdue.
    const psychologistPart = await db()
      .selectFrom('case_participant')
      .select('id')
      .where('case_id', '=', theirCase.case_id)
      .where('user_id', '=', await userId(demoEmail('psychologist')))
      .where('ended_at', 'is', null)
      .executeTakeFirstOrThrow();
    // And of a therapist invited by email, who has no account yet.
    await caseworker.get(`/cases/${theirCase.case_id}/people/invite`);
    const invitedTherapist = await caseworker.post(`/cases/${theirCase.case_id}/people/invite`, {
      role: 'adviser',
      adviserKind: 'therapist',
      name: 'Tam Therapist',
      email: 'tam.therapist@example.test',
    });
    expect(invitedTherapist.statusCode).toBe(303);
    const therapistPart = await db()
      .selectFrom('case_participant')
      .select('id')
      .where('case_id', '=', theirCase.case_id)
      .where('invited_name', '=', 'Tam Therapist')
      .executeTakeFirstOrThrow();
    await caseworker.get(`/cases/${theirCase.case_id}/advice`);
    const asked = await caseworker.post(`/cases/${theirCase.case_id}/advice`, {
      psychological: 'ask',
      'psychological-adviser': psychologistPart.id,
      other: 'ask',
      'other-adviser': therapistPart.id,
    });
    expect(asked.statusCode).toBe(303);
    const advice = await db()
      .selectFrom('advice_request')
      .select(['id', 'due_on'])
      .where('case_id', '=', theirCase.case_id)
      .where('advice_type', '=', 'psychological')
      .executeTakeFirstOrThrow();
    await sweepAdviceReminders(db(), testApp.services.notifier, addDays(advice.due_on!, 1));
    const psychologist = await signInAs(testApp, 'psychologist');
    const adviceUrl = `/cases/${theirCase.case_id}/advice/${advice.id}`;
    await psychologist.get(adviceUrl);
    const given = await psychologist.post(adviceUrl, {
      action: 'submit',
      expectedVersion: '0',
      needs: 'Reading and working memory.',
      outcomes: 'Reads age-appropriate texts.',
      provisionWhat: 'A structured literacy programme.',
      provisionHowOften: 'Three 30-minute sessions a week.',
      provisionByWhom: 'A trained teaching assistant.',
      visibility: 'everyone',
      declaration: 'yes',
    });
    expect(given.statusCode).toBe(303);
    // The family's views, sent to the council.
    const parent = await signInAs(testApp, 'parent');
    await parent.get(`/cases/${theirCase.case_id}/your-views/one-page-profile`);
    const views = await parent.post(`/cases/${theirCase.case_id}/your-views/one-page-profile`, {
      action: 'submit',
      expectedSends: '0',
      appreciate: 'Kind and funny',
      important: 'Trains and his dog',
      bestSupport: 'Calm voices',
      visibility: 'everyone',
    });
    expect(views.statusCode).toBe(303);
    // And the account messages: a reset link, an invitation, a test message.
    const visitor = new Browser(testApp.app);
    await visitor.get('/forgot-password');
    await visitor.post('/forgot-password', { email: demoEmail('parent') });
    await runPasswordResetRequests(testApp);
    const admin = await signInAs(testApp, 'admin');
    await admin.get('/admin/users/invite');
    await admin.post('/admin/users/invite', {
      email: 'new.officer@example.test',
      role: 'caseworker',
    });
    await admin.get('/admin/messages');
    await admin.post('/admin/messages/test', { email: 'check@example.test' });
    // And the front door: a request saved for later, then sent, about a demo child.
    const child = children[0]!;
    const context = await pageContext(db());
    const draftId = await startDraft(db(), null);
    await saveAnswers(
      db(),
      draftId,
      {
        localAuthorityId: context.authorities[0]!.id,
        requesterKind: 'parent',
        childFirstName: child.child_first_name,
        childLastName: child.child_last_name,
        childDateOfBirth: child.child_date_of_birth,
        addressLine1: '1 Example Street',
        addressTown: 'Exampletown',
        addressPostcode: 'EX1 1AA',
        inCare: 'no',
        parentName: 'A Parent',
        parentRelationship: 'Mother',
        parentResponsibility: 'yes',
        settingStatus: 'home-educated',
        needs: 'Reading',
        supportSoFar: 'None',
        familyViews: 'Hopes',
        shareConsent: 'yes',
        contactEmail: 'front.door@example.test',
        contactBy: 'email',
      },
      context,
    );
    await saveForLater(db(), testApp.services.notifier, draftId, 'front.door@example.test');
    const sent = await submitRequest(db(), testApp.services.notifier, draftId, {
      actorUserId: null,
      correlationId: 'test',
      ipAddress: null,
      actor: null,
    });
    expect(sent.outcome).toBe('submitted');

    const emails = await queuedEmails(testApp);
    const kinds = new Set(emails.map((m) => m.kind));
    // Every template has been used by a real flow above, with the demo cases' real data.
    for (const kind of Object.keys(MESSAGE_KIND_LABELS)) {
      expect(kinds.has(kind), kind).toBe(true);
    }
    const details = await db().selectFrom('statutory_exception').select('details').execute();
    expect(details.length).toBeGreaterThan(0);
    for (const email of emails) {
      const everything = `${email.subject}\n${email.text}\n${email.html}`;
      for (const child of children) {
        const dateOfBirth = child.child_date_of_birth;
        expect(everything).not.toMatch(new RegExp(`\\b${child.child_first_name}\\b`));
        expect(everything).not.toMatch(new RegExp(`\\b${child.child_last_name}\\b`));
        for (const written of [
          dateOfBirth,
          formatLongDate(dateOfBirth),
          formatDayAndDate(dateOfBirth),
        ]) {
          expect(everything).not.toContain(written);
        }
      }
      // What the caseworker wrote about the family's circumstances stays in the hub.
      for (const { details: text } of details) expect(everything).not.toContain(text);
    }
  });

  it('renders every template with a subject, a plain-text part and an HTML part', () => {
    const samples = sampleMessages('https://pathway.example');
    for (const kind of Object.keys(MESSAGE_KIND_LABELS) as MessageKind[]) {
      const rendered = renderMessage(kind, samples[kind] as never);
      expect(rendered.subject.length, kind).toBeGreaterThan(5);
      expect(rendered.text.length, kind).toBeGreaterThan(20);
      expect(rendered.html, kind).toContain('<!DOCTYPE html>');
      expect(rendered.html, kind).toContain('<html lang="en">');
    }
    const hostile = renderMessage('exception-recorded', {
      reference: 'DEM-1',
      limit: '<script>alert(1)</script>',
      link: 'https://pathway.example/cases/1',
    });
    expect(hostile.html).not.toContain('<script>');
    expect(hostile.html).toContain('&lt;script&gt;');
  });
});

describe('the email admin page', () => {
  it('is for LA admins: previews every template and queues a test email', async () => {
    const caseworker = await signInAs(testApp, 'caseworker');
    expect((await caseworker.get('/admin/messages')).statusCode).toBe(403);
    const admin = await signInAs(testApp, 'admin');
    const page = await admin.get('/admin/messages');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Every message has been sent or is on its way.');
    for (const kind of Object.keys(MESSAGE_KIND_LABELS)) {
      const preview = await admin.get(`/admin/messages/templates/${kind}`);
      expect(preview.statusCode, kind).toBe(200);
      expect(preview.body).toContain('data-template-text');
    }
    expect((await admin.get('/admin/messages/templates/nope')).statusCode).toBe(404);

    await admin.get('/admin/messages');
    const bad = await admin.post('/admin/messages/test', { email: 'not-an-address' });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('Enter an email address in the correct format');
    await admin.get('/admin/messages');
    const sent = await admin.post('/admin/messages/test', { email: 'check@demoshire.example' });
    expect(sent.statusCode).toBe(303);
    const queued = await queuedEmails(testApp, 'check@demoshire.example');
    expect(queued.map((m) => m.subject)).toEqual(['Test message 1 of 1']);
    expect((await admin.post(`/admin/messages/${crypto.randomUUID()}/retry`)).statusCode).toBe(404);
  });
});
