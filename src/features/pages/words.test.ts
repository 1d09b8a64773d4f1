import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderMessage } from '../../case/email/messages.ts';
import {
  Browser,
  buildTestApp,
  caseIdOf,
  demoEmail,
  lastQueuedTo,
  signInAs,
  userIdOf,
  type TestApp,
} from '../../../test/helpers.ts';

/** Issue 16, "Words": what people read says what is true for them. */
let testApp: TestApp;

beforeAll(async () => {
  testApp = await buildTestApp();
});
afterAll(async () => {
  await testApp?.close();
});

const db = () => testApp.database.db;

describe('the words people see', () => {
  it('shows "Your advice requests" in the navigation only to someone who has any', async () => {
    const parent = await signInAs(testApp, 'parent');
    const parentPage = await parent.get('/your-cases');
    expect(parentPage.statusCode).toBe(200);
    expect(parentPage.body).not.toContain('Your advice requests');

    // Once advice is asked of the psychologist, the link appears.
    const psychologist = await signInAs(testApp, 'psychologist');
    expect((await psychologist.get('/your-cases')).body).not.toContain('Your advice requests');
    const psychologistId = await userIdOf(testApp, demoEmail('psychologist'));
    const participant = await db()
      .selectFrom('case_participant')
      .select(['id', 'case_id'])
      .where('user_id', '=', psychologistId)
      .where('ended_at', 'is', null)
      .executeTakeFirstOrThrow();
    await db()
      .insertInto('advice_request')
      .values({
        case_id: participant.case_id,
        advice_type: 'psychological',
        participant_id: participant.id,
        status: 'requested',
        requested_on: '2026-11-02',
        due_on: '2026-11-30',
        requested_by: await userIdOf(testApp, demoEmail('caseworker')),
      })
      .execute();
    const again = await signInAs(testApp, 'psychologist');
    expect((await again.get('/your-cases')).body).toContain('Your advice requests');
  });

  it('does not ask someone who already has an account to create one', async () => {
    const admin = await signInAs(testApp, 'admin');
    await admin.get('/admin/users/invite');
    const sent = await admin.post('/admin/users/invite', {
      email: demoEmail('parent'),
      role: 'caseworker',
    });
    expect(sent.statusCode).toBe(303);
    const email = await lastQueuedTo(testApp, demoEmail('parent'));
    expect(email?.kind).toBe('invitation');
    expect(email?.text).not.toMatch(/create your account/i);
    expect(email?.text).toContain('You already have a Pathway account');

    await admin.get('/admin/users/invite');
    await admin.post('/admin/users/invite', {
      email: 'someone.new@demoshire.example',
      role: 'caseworker',
    });
    const fresh = await lastQueuedTo(testApp, 'someone.new@demoshire.example');
    expect(fresh?.text).toContain('To create your account, open this link:');
  });

  it('names the forgotten-password link the same on the sign-in page and in the security-code email', async () => {
    const signInPage = await new Browser(testApp.app).get('/sign-in');
    const link = /<a class="govuk-link" href="\/forgot-password">([^<]+)<\/a>/.exec(
      signInPage.body,
    )?.[1];
    expect(link).toBeTruthy();
    const email = renderMessage('security-code', { code: '123456', minutes: 10 });
    expect(email.text).toContain(`"${link}"`);
  });

  it('names the person the officer chose in the banner after inviting them', async () => {
    const caseId = await caseIdOf(testApp, 'DEM-%-0003');
    const caseworker = await signInAs(testApp, 'caseworker');
    await caseworker.get(`/cases/${caseId}/people/invite`);
    const added = await caseworker.post(`/cases/${caseId}/people/invite`, {
      role: 'adviser',
      adviserKind: 'educational_psychologist',
      name: 'Alex',
      email: demoEmail('psychologist'),
    });
    expect(added.statusCode).toBe(303);
    const people = await caseworker.get(added.headers.location as string);
    const banner = /<div class="govuk-notification-banner[\s\S]*?<\/div>\s*<\/div>/.exec(
      people.body,
    )?.[0];
    expect(banner).toContain('Dr Alex Demo-Psych added to the case');
    expect(banner).not.toContain('has been invited');
  });

  it('speaks of letters in the visibility hint of a letter', async () => {
    const caseId = await caseIdOf(testApp, 'DEM-%-0003');
    const letter = await db()
      .insertInto('case_document')
      .values({
        case_id: caseId,
        kind: 'letter',
        title: 'Decision whether to carry out an EHC needs assessment',
        author_name: 'Demoshire County Council',
        author_user_id: null,
        document_date: '2026-11-02',
        visibility: 'la_and_family',
        visibility_reason: null,
        shared_as: null,
        storage_key: null,
        file_name: null,
        content_type: null,
        size_bytes: null,
        body_html: '<p>Dear parent</p>',
        added_by: null,
      })
      .returning(['id', 'case_id'])
      .executeTakeFirstOrThrow();
    const caseworker = await signInAs(testApp, 'caseworker');
    const page = await caseworker.get(`/cases/${letter!.case_id}/documents/${letter!.id}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('A letter is usually seen by');
    expect(page.body).not.toContain('Advice is usually shared');
  });
});
