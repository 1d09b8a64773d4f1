import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIST_VIEW_ACTION } from '../../audit/audit.ts';
import {
  addDays,
  addWeeks,
  formatDayAndDate,
  todayInEngland,
} from '../../domain/clock/calendar-date.ts';
import { remindersDueBefore } from '../../domain/advice/advice-types.ts';
import { sendAdviceReminder, sweepAdviceReminders } from './reminders.ts';
import { listUnansweredDueBefore } from './repository.ts';
import { adviceOfCase } from './service.ts';
import { addCaseParticipantUser } from '../auth/repository.ts';
import { findUsableInvitation } from '../auth/invitations.ts';
import {
  buildTestApp,
  caseIdOf,
  demoEmail,
  queuedEmails,
  signInAs,
  userIdOf,
  type Browser,
  type TestApp,
} from '../../../test/helpers.ts';

let testApp: TestApp;
const db = () => testApp.database.db;
const today = todayInEngland();
const browsers = {} as Record<
  'caseworker' | 'psychologist' | 'senco' | 'health' | 'parent' | 'socialCare',
  Browser
>;
/** DEM-…-0005: in assessment; the parent, Oakfield Primary School, the psychologist and health. */
let caseA: string;
/** EXA-…-0021: another LA's case in assessment, with the school, the psychologist and the parent. */
let otherLaCase: string;

/** A small real PDF. */
const PDF = Buffer.from(
  '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n',
);

beforeAll(async () => {
  testApp = await buildTestApp();
  for (const key of Object.keys({
    caseworker: 1,
    psychologist: 1,
    senco: 1,
    health: 1,
    parent: 1,
    socialCare: 1,
  }) as (keyof typeof browsers)[]) {
    browsers[key] = await signInAs(testApp, key);
  }
  caseA = await caseIdOf(testApp, 'DEM-%-0005');
  otherLaCase = await caseIdOf(testApp, 'EXA-%-0021');
});
afterAll(async () => {
  await testApp?.close();
});

async function referenceOf(caseId: string) {
  const row = await db()
    .selectFrom('case')
    .select('reference')
    .where('id', '=', caseId)
    .executeTakeFirstOrThrow();
  return row.reference;
}

/** A case's participant: a demo account's person, or an organisation by name. */
async function participantOf(caseId: string, who: { email?: string; organisation?: string }) {
  let query = db()
    .selectFrom('case_participant')
    .leftJoin('app_user', 'app_user.id', 'case_participant.user_id')
    .leftJoin('organisation', 'organisation.id', 'case_participant.organisation_id')
    .select('case_participant.id')
    .where('case_participant.case_id', '=', caseId);
  if (who.email) query = query.where('app_user.email', '=', who.email);
  if (who.organisation) query = query.where('organisation.name', '=', who.organisation);
  return (await query.executeTakeFirstOrThrow()).id;
}

async function requestOf(caseId: string, type: string) {
  return db()
    .selectFrom('advice_request')
    .selectAll()
    .where('case_id', '=', caseId)
    .where('advice_type', '=', type as 'other')
    .orderBy('created_at', 'desc')
    .executeTakeFirstOrThrow();
}

/** Posts a multipart form as a browser does: the CSRF token, plain fields, and one file. */
async function postMultipart(
  browser: Browser,
  url: string,
  fields: Record<string, string>,
  file?: { filename: string; data: Buffer },
) {
  const boundary = `----advice${randomBytes(8).toString('hex')}`;
  const field = (name: string, value: string) =>
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
    );
  const parts: Buffer[] = [];
  if (browser.lastCsrf) parts.push(field('_csrf', browser.lastCsrf));
  for (const [name, value] of Object.entries(fields)) parts.push(field(name, value));
  if (file) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="report"; filename="${file.filename}"\r\nContent-Type: application/pdf\r\n\r\n`,
      ),
      file.data,
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  const response = await testApp.app.inject({
    method: 'POST',
    url,
    payload: Buffer.concat(parts),
    headers: {
      cookie: browser.cookieHeader,
      'content-type': `multipart/form-data; boundary=${boundary}`,
    },
  });
  const match = /name="_csrf" value="([^"]+)"/.exec(response.body);
  if (match) browser.lastCsrf = match[1]!;
  return response;
}

const fullAdvice = {
  needs: 'Difficulties with reading <script>alert("x")</script> and working memory.',
  outcomes: 'Reads age-appropriate texts by the end of Year 4.',
  provisionWhat: 'A structured literacy programme in a group of no more than 4.',
  provisionHowOften: '3 sessions of 30 minutes a week, for 2 terms.',
  provisionByWhom: 'A teaching assistant trained by a specialist teacher.',
  visibility: 'everyone',
  declaration: 'yes',
};

describe('the caseworker’s advice page', () => {
  it('proposes the advice the law needs, with the case’s people to ask', async () => {
    // Someone invited by email who has not registered yet can be asked too.
    const invitation = await db()
      .insertInto('invitation')
      .values({
        token_hash: randomBytes(16).toString('hex'),
        email: 'therapist@example.test',
        case_id: caseA,
        case_role: 'adviser',
        expires_at: new Date(Date.now() + 86_400_000),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db()
      .insertInto('case_participant')
      .values({
        case_id: caseA,
        user_id: null,
        organisation_id: null,
        case_role: 'adviser',
        invitation_id: invitation.id,
        invited_name: 'Jo Invited-Therapist',
        adviser_kind: 'therapist',
      })
      .execute();
    const page = await browsers.caseworker.get(`/cases/${caseA}/advice`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('No advice has been asked for yet.');
    for (const label of [
      'Parent or young person’s advice',
      'Educational advice',
      'Medical advice',
      'Psychological advice',
      'Social care advice',
      'Other advice',
    ]) {
      expect(page.body).toContain(label);
    }
    // A 7-year-old is not in Year 9.
    expect(page.body).not.toContain('Preparing for adulthood advice');
    expect(page.body).toContain('Dr Alex Demo-Psych – Educational psychologist');
    expect(page.body).toContain('Oakfield Primary School – Education setting');
    expect(page.body).toContain('Priya Demo-Parent – Parent or carer');
    expect(page.body).toContain('Jo Invited-Therapist, not registered yet – Therapist');
    expect(page.body).not.toContain('id="family-asked-for"');
    // Advice the family reasonably asked for, once the caseworker agreed, is put before them.
    const parentId = await userIdOf(testApp, demoEmail('parent'));
    await db()
      .insertInto('participant_suggestion')
      .values([
        {
          case_id: caseA,
          suggested_by: parentId,
          name: 'Sam Speech',
          role_description: 'Speech and language therapist',
          reason: 'She has seen him every week for a year.',
          status: 'added',
        },
        {
          case_id: caseA,
          suggested_by: parentId,
          name: 'Not Agreed',
          role_description: 'Tutor',
          reason: 'Helps with reading.',
          status: 'declined',
        },
      ])
      .execute();
    const withSuggestion = await browsers.caseworker.get(`/cases/${caseA}/advice`);
    expect(withSuggestion.body).toContain('id="family-asked-for"');
    expect(withSuggestion.body).toContain(
      'Sam Speech (Speech and language therapist): She has seen him every week for a year.',
    );
    expect(withSuggestion.body).not.toContain('Not Agreed');
    // The usual adviser is chosen first: the psychologist for psychological advice.
    const psychologist = await participantOf(caseA, { email: demoEmail('psychologist') });
    const select = /<select[^>]*name="psychological-adviser"[^>]*>([\s\S]*?)<\/select>/.exec(
      page.body,
    )![1]!;
    expect(select).toMatch(new RegExp(`value="${psychologist}" selected`));
  });

  it('proposes preparing for adulthood advice from Year 9', async () => {
    const caseId = await caseIdOf(testApp, 'DEM-%-0007');
    await db()
      .updateTable('case')
      .set({ child_date_of_birth: addDays(today, -15 * 366) })
      .where('id', '=', caseId)
      .execute();
    const page = await browsers.caseworker.get(`/cases/${caseId}/advice`);
    expect(page.body).toContain('Preparing for adulthood advice');
  });

  it('is only for the case’s council', async () => {
    expect((await browsers.psychologist.get(`/cases/${caseA}/advice`)).statusCode).toBe(403);
    expect((await browsers.caseworker.get(`/cases/${otherLaCase}/advice`)).statusCode).toBe(403);
  });
});

describe('sending requests for advice', () => {
  it('checks every choice, keeping what was typed', async () => {
    const caseworker = browsers.caseworker;
    await caseworker.get(`/cases/${caseA}/advice`);
    const post = (form: Record<string, string>) => caseworker.post(`/cases/${caseA}/advice`, form);

    const nothing = await post({});
    expect(nothing.statusCode).toBe(400);
    expect(nothing.body).toContain(
      'Select at least one type of advice to ask for, or to record as already given',
    );

    const missing = await post({
      psychological: 'ask',
      'psychological-adviser': '',
      medical: 'sufficient',
      'medical-evidence': 'Paediatric report, May 2025',
    });
    expect(missing.statusCode).toBe(400);
    expect(missing.body).toContain('Select who to ask for psychological advice');
    expect(missing.body).toContain(
      'Enter the name of the parent or young person who agreed the advice is sufficient',
    );
    expect(missing.body).toContain(
      'Enter the name of the adviser who agreed the advice is sufficient',
    );
    expect(missing.body).toContain('Paediatric report, May 2025');

    const noEvidence = await post({
      medical: 'sufficient',
      'medical-agreedByFamily': 'Priya',
      'medical-agreedByAdviser': 'Dr Morgan',
    });
    expect(noEvidence.body).toContain(
      'Enter what the advice already given is, who gave it and when',
    );
    expect(noEvidence.body).toContain('value="Dr Morgan"');

    const tooLong = await post({
      medical: 'sufficient',
      'medical-evidence': 'x'.repeat(1001),
      'medical-agreedByFamily': 'y'.repeat(201),
      'medical-agreedByAdviser': 'Dr Morgan',
    });
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.body).toContain('What the advice is must be 1,000 characters or fewer');
    expect(tooLong.body).toContain('The name must be 200 characters or fewer');

    const badChoice = await post({ psychological: 'maybe' });
    expect(badChoice.body).toContain('Select whether to ask for psychological advice');

    const notYear9 = await post({ preparing_for_adulthood: 'ask' });
    expect(notYear9.statusCode).toBe(400);
    expect(notYear9.body).toContain('Preparing for adulthood advice is only asked for from Year 9');

    // Someone on another case is not someone to ask on this one.
    const stranger = await participantOf(await caseIdOf(testApp, 'DEM-%-0006'), {
      email: demoEmail('socialCare'),
    });
    const notOnCase = await post({ social_care: 'ask', 'social_care-adviser': stranger });
    expect(notOnCase.statusCode).toBe(400);
    expect(notOnCase.body).toContain('Select someone who is taking part in this case');

    expect(await db().selectFrom('advice_request').select('id').execute()).toHaveLength(0);
  });

  it('sends the chosen requests at once, each due exactly 6 weeks on', async () => {
    const caseworker = browsers.caseworker;
    const psychologist = await participantOf(caseA, { email: demoEmail('psychologist') });
    const school = await participantOf(caseA, { organisation: 'Oakfield Primary School' });
    const parent = await participantOf(caseA, { email: demoEmail('parent') });
    const invited = (
      await db()
        .selectFrom('case_participant')
        .select('id')
        .where('invited_name', '=', 'Jo Invited-Therapist')
        .executeTakeFirstOrThrow()
    ).id;
    await caseworker.get(`/cases/${caseA}/advice`);
    const sent = await caseworker.post(`/cases/${caseA}/advice`, {
      parent: 'ask',
      'parent-adviser': parent,
      educational: 'ask',
      'educational-adviser': school,
      psychological: 'ask',
      'psychological-adviser': psychologist,
      medical: 'sufficient',
      'medical-evidence': 'Paediatric report, May 2025',
      'medical-agreedByFamily': 'Priya Demo-Parent',
      'medical-agreedByAdviser': 'Dr Morgan',
      other: 'ask',
      'other-adviser': invited,
      social_care: 'leave',
    });
    expect(sent.statusCode).toBe(303);
    expect(sent.headers.location).toBe(`/cases/${caseA}/advice`);

    const requests = await db()
      .selectFrom('advice_request')
      .selectAll()
      .where('case_id', '=', caseA)
      .execute();
    expect(requests).toHaveLength(5);
    const requested = requests.filter((r) => r.status === 'requested');
    expect(requested.map((r) => r.advice_type).sort()).toEqual([
      'educational',
      'other',
      'parent',
      'psychological',
    ]);
    for (const r of requested) {
      expect(r.requested_on).toBe(today);
      expect(r.due_on).toBe(addWeeks(today, 6));
    }
    const medical = requests.find((r) => r.advice_type === 'medical')!;
    expect(medical).toMatchObject({
      status: 'sufficient',
      participant_id: null,
      due_on: null,
      sufficient_evidence: 'Paediatric report, May 2025',
      sufficient_agreed_with: 'Parent or young person: Priya Demo-Parent. Adviser: Dr Morgan.',
    });

    const events = await db()
      .selectFrom('case_event')
      .select('kind')
      .where('case_id', '=', caseA)
      .where('kind', 'like', 'advice_%')
      .execute();
    expect(events.filter((e) => e.kind === 'advice_requested')).toHaveLength(4);
    expect(events.filter((e) => e.kind === 'advice_sufficient')).toHaveLength(1);
    const audits = await db()
      .selectFrom('audit_event')
      .select('action')
      .where('subject_id', '=', caseA)
      .where('action', 'in', [
        'asked for advice',
        'recorded advice as already given and sufficient',
      ])
      .execute();
    expect(audits).toHaveLength(5);

    // The adviser hears: the person, or every current member of the organisation.
    const notified = async (email: string) =>
      db()
        .selectFrom('notification')
        .innerJoin('app_user', 'app_user.id', 'notification.user_id')
        .select(['notification.link', 'notification.title'])
        .where('app_user.email', '=', email)
        .where('notification.kind', '=', 'advice-requested')
        .execute();
    const psychRequest = requested.find((r) => r.advice_type === 'psychological')!;
    expect(await notified(demoEmail('psychologist'))).toEqual([
      expect.objectContaining({ link: `/cases/${caseA}/advice/${psychRequest.id}` }),
    ]);
    expect(await notified(demoEmail('senco'))).toHaveLength(1);
    expect(await notified(demoEmail('parent'))).toHaveLength(1);
    expect(await notified(demoEmail('health'))).toHaveLength(0);
    const email = (await queuedEmails(testApp, demoEmail('psychologist'))).find(
      (e) => e.kind === 'advice-requested',
    )!;
    expect(email.subject).toBe(`${await referenceOf(caseA)}: your advice is asked for`);
    expect(email.text).toContain(`/cases/${caseA}/advice/${psychRequest.id}`);

    // Someone invited who has not registered is emailed the request with a new invitation
    // link; the link they had before stops working, so only one link claims their place.
    const [invitedEmail, ...more] = (await queuedEmails(testApp, 'therapist@example.test')).filter(
      (e) => e.kind === 'advice-invitation',
    );
    expect(more).toHaveLength(0);
    expect(invitedEmail!.subject).toBe(`${await referenceOf(caseA)}: your advice is asked for`);
    expect(invitedEmail!.text).toContain(
      `Give your advice by ${formatDayAndDate(addWeeks(today, 6))}`,
    );
    expect(invitedEmail!.text).toContain('Demoshire County Council has asked for your advice');
    const token = /\/register\/([A-Za-z0-9_-]{43})/.exec(invitedEmail!.text)?.[1];
    expect(token).toBeTruthy();
    const renewed = await findUsableInvitation(db(), token!);
    const place = await db()
      .selectFrom('case_participant')
      .select('invitation_id')
      .where('id', '=', invited)
      .executeTakeFirstOrThrow();
    expect(renewed?.id).toBe(place.invitation_id);
    const first = await db()
      .selectFrom('invitation')
      .select('expires_at')
      .where('email', '=', 'therapist@example.test')
      .where('id', '!=', place.invitation_id!)
      .executeTakeFirstOrThrow();
    expect(first.expires_at.getTime()).toBeLessThanOrEqual(Date.now());

    const page = await caseworker.get(`/cases/${caseA}/advice`);
    expect(page.body).toContain('Advice asked for');
    expect(page.body).toContain('Jo Invited-Therapist');
    expect(page.body).toContain('Paediatric report, May 2025');
    expect(page.body).toContain('Already given');
    expect(page.body).not.toContain('name="psychological"');
    expect(page.body).toContain('name="social_care"');
    expect(page.body).toContain('name="other"');
  });

  it('reaches someone invited by email when they register', async () => {
    const participant = await db()
      .selectFrom('case_participant')
      .select(['invitation_id'])
      .where('invited_name', '=', 'Jo Invited-Therapist')
      .executeTakeFirstOrThrow();
    // Registration claims the invited participant (as the invitation link does).
    await addCaseParticipantUser(
      db(),
      { id: participant.invitation_id!, caseId: caseA, caseRole: 'adviser' },
      await userIdOf(testApp, demoEmail('youngPerson')),
    );
    const request = await requestOf(caseA, 'other');
    const tasks = await (await signInAs(testApp, 'youngPerson')).get('/tasks');
    expect(tasks.body).toContain(`/cases/${caseA}/advice/${request.id}`);
    expect(tasks.body).toContain('Other advice');
  });

  it('refuses a type already asked for, and any request outside the assessment', async () => {
    const caseworker = browsers.caseworker;
    const psychologist = await participantOf(caseA, { email: demoEmail('psychologist') });
    await caseworker.get(`/cases/${caseA}/advice`);
    const again = await caseworker.post(`/cases/${caseA}/advice`, {
      psychological: 'ask',
      'psychological-adviser': psychologist,
    });
    expect(again.statusCode).toBe(400);
    expect(again.body).toContain('Psychological advice has already been asked for');

    const early = await caseIdOf(testApp, 'DEM-%-0001');
    await caseworker.get(`/cases/${early}/advice`);
    const notYet = await caseworker.post(`/cases/${early}/advice`, { parent: 'ask' });
    expect(notYet.statusCode).toBe(400);
    expect(notYet.body).toContain('You can only ask for advice while the case is being assessed');
  });
});

describe('the adviser', () => {
  let exampletonRequest: string;

  it('sees their advice requests across every council', async () => {
    const psychologist = await participantOf(otherLaCase, { email: demoEmail('psychologist') });
    const { id } = await db()
      .insertInto('advice_request')
      .values({
        case_id: otherLaCase,
        advice_type: 'psychological',
        participant_id: psychologist,
        status: 'requested',
        requested_on: addDays(today, -43),
        due_on: addDays(today, -1),
        requested_by: await userIdOf(testApp, demoEmail('caseworker')),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    exampletonRequest = id;
    const page = await browsers.psychologist.get('/tasks');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Your advice requests');
    expect(page.body).toContain(await referenceOf(caseA));
    expect(page.body).toContain(await referenceOf(otherLaCase));
    expect(page.body).toContain('Demoshire County Council');
    expect(page.body).toContain('Exampleton Borough Council');
    expect(page.body).toContain('Overdue');
    expect(page.body).toContain(`/cases/${otherLaCase}/advice/${id}`);
    // The list shows children's names, so it is audited as a list of cases.
    const audit = await db()
      .selectFrom('audit_event')
      .select('case_ids')
      .where('action', '=', LIST_VIEW_ACTION)
      .where('actor_user_id', '=', await userIdOf(testApp, demoEmail('psychologist')))
      .execute();
    const seen = audit.flatMap((a) => a.case_ids ?? []);
    expect(seen).toEqual(expect.arrayContaining([caseA, otherLaCase]));
    // The service navigation has the list for people outside the LA.
    expect(page.body).toContain('href="/tasks"');
    expect((await browsers.caseworker.get('/cases')).body).not.toContain('href="/tasks"');
  });

  it('saves a draft, comes back to it, submits it, and then sends a new version', async () => {
    const psychologist = browsers.psychologist;
    const request = await requestOf(caseA, 'psychological');
    const url = `/cases/${caseA}/advice/${request.id}`;
    const form = await psychologist.get(url);
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain('Psychological advice');
    expect(form.body).toContain('Submit advice');

    const saved = await psychologist.post(url, { action: 'save', needs: 'Needs <b>so far</b>' });
    expect(saved.statusCode).toBe(303);
    const reloaded = await psychologist.get(url);
    expect(reloaded.body).toContain('Needs &lt;b&gt;so far&lt;/b&gt;');
    expect(reloaded.body).toContain('Draft saved');
    // A request of a person: only they see the draft.
    expect(reloaded.body).toContain('Only you can see it until you submit it.');

    const tooLong = await psychologist.post(url, { action: 'save', needs: 'x'.repeat(10_001) });
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.body).toContain('Needs must be 10,000 characters or fewer');

    const unknownAction = await psychologist.post(url, { action: 'publish' });
    expect(unknownAction.statusCode).toBe(400);

    const incomplete = await psychologist.post(url, {
      action: 'submit',
      needs: 'Typed needs',
      visibility: 'everyone',
    });
    expect(incomplete.statusCode).toBe(400);
    for (const message of [
      'Enter the outcomes sought',
      'Enter the provision needed',
      'Enter how often and for how long the provision is needed',
      'Enter who should provide the provision',
      'Confirm that your advice is accurate to the best of your knowledge',
    ]) {
      expect(incomplete.body).toContain(message);
    }
    expect(incomplete.body).toContain('Typed needs');
    const noNeeds = await psychologist.post(url, { ...fullAdvice, action: 'submit', needs: '' });
    expect(noNeeds.body).toContain('Enter the child or young person’s special educational needs');
    const noVisibility = await psychologist.post(url, {
      ...fullAdvice,
      action: 'submit',
      visibility: 'la_only',
    });
    expect(noVisibility.body).toContain('Select who can see your advice');
    // Nothing is submitted until every rule is met.
    expect(
      await db()
        .selectFrom('advice_submission')
        .select('id')
        .where('advice_request_id', '=', request.id)
        .execute(),
    ).toHaveLength(0);

    const submitted = await psychologist.post(url, { ...fullAdvice, action: 'submit' });
    expect(submitted.statusCode).toBe(303);
    const after = await requestOf(caseA, 'psychological');
    expect(after.status).toBe('submitted');
    expect(after.draft).toEqual({});
    const [first] = await db()
      .selectFrom('advice_submission')
      .innerJoin('case_document', 'case_document.id', 'advice_submission.document_id')
      .select([
        'advice_submission.version',
        'case_document.kind',
        'case_document.visibility',
        'case_document.body_html',
        'case_document.author_name',
      ])
      .where('advice_request_id', '=', request.id)
      .execute();
    expect(first).toMatchObject({
      version: 1,
      kind: 'advice',
      visibility: 'everyone',
      author_name: 'Dr Alex Demo-Psych',
    });
    expect(first!.body_html).toContain('&lt;script&gt;');
    expect(first!.body_html).not.toContain('<script>');

    // The officer and the family hear that advice arrived.
    const received = await db()
      .selectFrom('notification')
      .select(['user_id', 'link'])
      .where('kind', '=', 'advice-received')
      .where('case_id', '=', caseA)
      .execute();
    expect(received).toEqual(
      expect.arrayContaining([
        {
          user_id: await userIdOf(testApp, demoEmail('caseworker')),
          link: `/cases/${caseA}/advice`,
        },
        { user_id: await userIdOf(testApp, demoEmail('parent')), link: `/cases/${caseA}` },
      ]),
    );

    const shown = await psychologist.get(url);
    expect(shown.body).toContain('Version 1');
    expect(shown.body).toContain('You have given this advice already');
    expect(shown.body).toContain('What has changed since your last advice, and why?');

    const noChanges = await psychologist.post(url, { ...fullAdvice, action: 'submit' });
    expect(noChanges.statusCode).toBe(400);
    expect(noChanges.body).toContain('Enter what has changed since your last advice, and why');
    const longChanges = await psychologist.post(url, {
      ...fullAdvice,
      action: 'submit',
      changes: 'x'.repeat(2001),
    });
    expect(longChanges.body).toContain('What has changed must be 2,000 characters or fewer');
    const second = await psychologist.post(url, {
      ...fullAdvice,
      action: 'submit',
      outcomes: 'Reads age-appropriate texts by the end of Year 5.',
      changes: 'A new assessment showed slower progress.',
    });
    expect(second.statusCode).toBe(303);
    const versions = await db()
      .selectFrom('advice_submission')
      .select(['version', 'document_id'])
      .where('advice_request_id', '=', request.id)
      .orderBy('version')
      .execute();
    expect(versions.map((v) => v.version)).toEqual([1, 2]);
    expect(new Set(versions.map((v) => v.document_id)).size).toBe(2);
    // Given advice is never changed: a correction is a new version.
    await expect(
      db()
        .updateTable('advice_submission')
        .set({ version: 3 })
        .where('advice_request_id', '=', request.id)
        .execute(),
    ).rejects.toThrow();
    expect((await psychologist.get(url)).body).toContain(
      'A new assessment showed slower progress.',
    );

    const journey = await adviceOfCase(db(), caseA, 'professional');
    const psychological = journey.find((a) => a.type === 'psychological')!;
    expect(psychological).toMatchObject({
      adviserName: 'Dr Alex Demo-Psych',
      status: 'submitted',
      dueOn: addWeeks(today, 6),
      documentId: versions[1]!.document_id,
      exceptionCount: 0,
    });
    expect(psychological.submittedAt).toBeInstanceOf(Date);
    const medical = journey.find((a) => a.type === 'medical')!;
    expect(medical).toMatchObject({ status: 'sufficient', adviserName: null, documentId: null });
  });

  it('lets the SENCO answer for their school, for the council and the family only', async () => {
    const senco = browsers.senco;
    const request = await requestOf(caseA, 'educational');
    expect((await senco.get('/tasks')).body).toContain(`/cases/${caseA}/advice/${request.id}`);
    const url = `/cases/${caseA}/advice/${request.id}`;
    await senco.get(url);
    const submitted = await senco.post(url, {
      ...fullAdvice,
      action: 'submit',
      visibility: 'la_and_family',
    });
    expect(submitted.statusCode).toBe(303);
    const document = await db()
      .selectFrom('advice_submission')
      .innerJoin('case_document', 'case_document.id', 'advice_submission.document_id')
      .select(['case_document.id', 'case_document.visibility', 'case_document.author_name'])
      .where('advice_request_id', '=', request.id)
      .executeTakeFirstOrThrow();
    expect(document).toMatchObject({
      visibility: 'la_and_family',
      author_name: 'Sam Demo-Senco, Oakfield Primary School',
    });
    const educational = (list: Awaited<ReturnType<typeof adviceOfCase>>) =>
      list.find((a) => a.type === 'educational')!;
    expect(educational(await adviceOfCase(db(), caseA, 'professional')).documentId).toBeNull();
    expect(educational(await adviceOfCase(db(), caseA, 'family')).documentId).toBe(document.id);
    expect(educational(await adviceOfCase(db(), caseA, 'la')).adviserName).toBe(
      'Oakfield Primary School',
    );
  });

  it('is not shown to a professional who is not the named adviser', async () => {
    const request = await requestOf(caseA, 'psychological');
    const url = `/cases/${caseA}/advice/${request.id}`;
    // Health takes part in the case, but was not asked for this advice.
    const health = browsers.health;
    await health.get(`/cases/${caseA}`);
    expect((await health.get(url)).statusCode).toBe(404);
    expect((await health.post(url, { ...fullAdvice, action: 'submit' })).statusCode).toBe(404);
    expect(
      (
        await postMultipart(
          health,
          `${url}/upload`,
          { reportVisibility: 'everyone' },
          {
            filename: 'r.pdf',
            data: PDF,
          },
        )
      ).statusCode,
    ).toBe(404);
    // Someone not on the case at all is refused by the case's own policy.
    expect((await browsers.socialCare.get(url)).statusCode).toBe(403);
    // The council reads it; it cannot answer for the adviser.
    const council = await browsers.caseworker.get(url);
    expect(council.statusCode).toBe(200);
    expect(council.body).toContain('Only they can give the advice.');
    expect(council.body).not.toContain('Submit advice');
    expect(
      (await browsers.caseworker.post(url, { ...fullAdvice, action: 'submit' })).statusCode,
    ).toBe(404);
    // A request on another case, or none at all.
    expect(
      (await browsers.psychologist.get(`/cases/${caseA}/advice/${exampletonRequest}`)).statusCode,
    ).toBe(404);
    expect(
      (
        await browsers.psychologist.get(
          `/cases/${caseA}/advice/00000000-0000-4000-8000-000000000000`,
        )
      ).statusCode,
    ).toBe(404);
    expect((await browsers.psychologist.get(`/cases/${caseA}/advice/not-an-id`)).statusCode).toBe(
      404,
    );
  });

  it('takes an uploaded report as the advice, and refuses files that are not documents', async () => {
    const psychologist = browsers.psychologist;
    const url = `/cases/${otherLaCase}/advice/${exampletonRequest}`;
    await psychologist.get(url);
    const upload = (fields: Record<string, string>, file?: { filename: string; data: Buffer }) =>
      postMultipart(psychologist, `${url}/upload`, fields, file);
    const good = { reportVisibility: 'everyone', reportDeclaration: 'yes' };

    const noFile = await upload(good);
    expect(noFile.statusCode).toBe(400);
    expect(noFile.body).toContain('Select a file');
    const html = await upload(good, {
      filename: 'report.pdf',
      data: Buffer.from('<!DOCTYPE html><html><body><script>alert(1)</script></body></html>'),
    });
    expect(html.statusCode).toBe(400);
    expect(html.body).toContain('The selected file must be a PDF');
    const empty = await upload(good, { filename: 'report.pdf', data: Buffer.alloc(0) });
    expect(empty.statusCode).toBe(400);
    expect(empty.body).toContain('The selected file is empty');
    const undeclared = await upload(
      { reportVisibility: 'everyone' },
      { filename: 'report.pdf', data: PDF },
    );
    expect(undeclared.statusCode).toBe(400);
    expect(undeclared.body).toContain(
      'Confirm that your report is accurate to the best of your knowledge',
    );
    const noVisibility = await upload(
      { reportDeclaration: 'yes' },
      { filename: 'report.pdf', data: PDF },
    );
    expect(noVisibility.body).toContain('Select who can see your report');
    expect(
      await db()
        .selectFrom('case_document')
        .select('id')
        .where('case_id', '=', otherLaCase)
        .execute(),
    ).toHaveLength(0);

    const uploaded = await upload(good, { filename: 'EP report.pdf', data: PDF });
    expect(uploaded.statusCode).toBe(303);
    const submission = await db()
      .selectFrom('advice_submission')
      .innerJoin('case_document', 'case_document.id', 'advice_submission.document_id')
      .select([
        'advice_submission.version',
        'case_document.file_name',
        'case_document.storage_key',
        'case_document.kind',
      ])
      .where('advice_request_id', '=', exampletonRequest)
      .executeTakeFirstOrThrow();
    expect(submission).toMatchObject({ version: 1, kind: 'advice', file_name: 'EP report.pdf' });
    expect(submission.storage_key).toBeTruthy();
    expect((await requestOf(otherLaCase, 'psychological')).status).toBe('submitted');
    const page = await psychologist.get(url);
    expect(page.body).toContain('EP report.pdf');
    // A second report is a new version, and says what changed.
    const again = await upload(good, { filename: 'EP report 2.pdf', data: PDF });
    expect(again.statusCode).toBe(400);
    expect(again.body).toContain('Enter what has changed since your last advice, and why');
  });
});

describe('exceptions to an adviser’s 6 weeks', () => {
  it('checks the form, then records the exception for the advice page and the adviser', async () => {
    const caseworker = browsers.caseworker;
    const request = await requestOf(caseA, 'parent');
    const url = `/cases/${caseA}/advice/${request.id}/exception`;
    const form = await caseworker.get(url);
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain('Record an exception to an adviser’s 6 weeks');

    const empty = await caseworker.post(url, {});
    expect(empty.statusCode).toBe(400);
    expect(empty.body).toContain('Select why the advice could not be given in 6 weeks');
    expect(empty.body).toContain('Enter the date it happened, for example 27 3 2026');
    expect(empty.body).toContain('Enter what happened and what evidence you hold');
    const notADate = await caseworker.post(url, {
      reason: 'absence',
      'occurredOn-day': '31',
      'occurredOn-month': '2',
      'occurredOn-year': '2026',
      details: 'Away',
    });
    expect(notADate.body).toContain('The date must be a real date, for example 27 3 2026');
    expect(notADate.body).toContain('Away');
    const [y, m, d] = addDays(today, 3).split('-');
    const future = await caseworker.post(url, {
      reason: 'absence',
      'occurredOn-day': d!,
      'occurredOn-month': m!,
      'occurredOn-year': y!,
      details: 'Away',
    });
    expect(future.body).toContain('The date must be today or in the past');
    const tooLong = await caseworker.post(url, {
      reason: 'absence',
      details: 'x'.repeat(2001),
    });
    expect(tooLong.body).toContain('What happened must be 2,000 characters or fewer');
    const badReason = await caseworker.post(url, { reason: 'setting_closed' });
    expect(badReason.body).toContain('Select why the advice could not be given in 6 weeks');

    const [ty, tm, td] = today.split('-');
    const recorded = await caseworker.post(url, {
      reason: 'missed_appointment',
      'occurredOn-day': td!,
      'occurredOn-month': tm!,
      'occurredOn-year': ty!,
      details: 'Missed the assessment appointment; rebooked.',
    });
    expect(recorded.statusCode).toBe(303);
    const page = await caseworker.get(`/cases/${caseA}/advice`);
    expect(page.body).toContain('did not keep an appointment for an examination or test');
    expect(page.body).toContain('Missed the assessment appointment; rebooked.');
    expect((await browsers.parent.get('/tasks')).body).toContain(
      'The council recorded an exception to the 6 weeks',
    );
    const event = await db()
      .selectFrom('case_event')
      .select('summary')
      .where('case_id', '=', caseA)
      .where('kind', '=', 'advice_exception_recorded')
      .executeTakeFirstOrThrow();
    expect(event.summary).toContain('parent or young person’s advice');
    // Only the council records exceptions.
    expect((await browsers.psychologist.get(url)).statusCode).toBe(403);
    expect(
      (
        await caseworker.get(
          `/cases/${caseA}/advice/00000000-0000-4000-8000-000000000000/exception`,
        )
      ).statusCode,
    ).toBe(404);
  });
});

describe('what the adviser sees of an exception', () => {
  it('shows the adviser only the reason and that late advice is excused; the council all of it', async () => {
    const request = await requestOf(caseA, 'parent');
    const url = `/cases/${caseA}/advice/${request.id}`;
    const adviser = await browsers.parent.get(url);
    expect(adviser.statusCode).toBe(200);
    expect(adviser.body).toContain('Submit advice');
    expect(adviser.body).toContain(
      'The child, young person or parent did not keep an appointment for an examination or test',
    );
    expect(adviser.body).toContain('advice given after the due date is excused');
    // What happened may be about the family's own circumstances: not for the adviser.
    expect(adviser.body).not.toContain('Missed the assessment appointment; rebooked.');
    const council = await browsers.caseworker.get(url);
    expect(council.statusCode).toBe(200);
    expect(council.body).toContain('Missed the assessment appointment; rebooked.');
  });

  it('audits a view of the exception form, which names the case and the adviser', async () => {
    const request = await requestOf(caseA, 'psychological');
    const views = () =>
      db()
        .selectFrom('audit_event')
        .select(['details', 'local_authority_id'])
        .where('action', '=', 'viewed an advice request')
        .where('subject_type', '=', 'case')
        .where('subject_id', '=', caseA)
        .where('actor_user_id', '=', caseworkerId)
        .execute();
    const caseworkerId = await userIdOf(testApp, demoEmail('caseworker'));
    const before = await views();
    const page = await browsers.caseworker.get(`/cases/${caseA}/advice/${request.id}/exception`);
    expect(page.statusCode).toBe(200);
    const after = await views();
    expect(after).toHaveLength(before.length + 1);
    expect(after.map((a) => a.details)).toContainEqual({
      adviceId: request.id,
      page: 'exception',
    });
  });
});

describe('reminders and chasers', () => {
  it('reminds the adviser once at each threshold, and chases the officer when overdue', async () => {
    const caseId = await caseIdOf(testApp, 'DEM-%-0006');
    const socialCare = await participantOf(caseId, { email: demoEmail('socialCare') });
    const dueOn = addWeeks(today, 6);
    const { id } = await db()
      .insertInto('advice_request')
      .values({
        case_id: caseId,
        advice_type: 'social_care',
        participant_id: socialCare,
        status: 'requested',
        requested_on: today,
        due_on: dueOn,
        requested_by: await userIdOf(testApp, demoEmail('caseworker')),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const { notifier } = testApp.services;
    const reminders = async (email: string) =>
      db()
        .selectFrom('notification')
        .innerJoin('app_user', 'app_user.id', 'notification.user_id')
        .select(['notification.title', 'notification.link'])
        .where('app_user.email', '=', email)
        .where('notification.kind', '=', 'advice-reminder')
        .where('notification.case_id', '=', caseId)
        .execute();

    expect(await sweepAdviceReminders(db(), notifier, addDays(dueOn, -8))).toBe(0);
    for (const day of [addDays(dueOn, -7), addDays(dueOn, -1), addDays(dueOn, 1)]) {
      await Promise.all([
        sweepAdviceReminders(db(), notifier, day),
        sweepAdviceReminders(db(), notifier, day),
      ]);
      await sweepAdviceReminders(db(), notifier, day);
    }
    const sent = await db()
      .selectFrom('advice_reminder_sent')
      .select('threshold')
      .where('advice_request_id', '=', id)
      .execute();
    expect(sent.map((s) => s.threshold).sort()).toEqual([
      'due-in-7-days',
      'due-tomorrow',
      'overdue',
    ]);
    const adviser = await reminders(demoEmail('socialCare'));
    expect(adviser).toHaveLength(3);
    expect(adviser.every((n) => n.link === `/cases/${caseId}/advice/${id}`)).toBe(true);
    const chaser = await reminders(demoEmail('caseworker'));
    expect(chaser).toEqual([
      {
        title: `${await referenceOf(caseId)}: advice overdue`,
        link: `/cases/${caseId}/advice`,
      },
    ]);
    const officerEmail = (await queuedEmails(testApp, demoEmail('caseworker'))).find(
      (e) => e.kind === 'advice-reminder',
    )!;
    expect(officerEmail.text).toContain('has not been given');

    // Advice given, or an exception recorded, needs no reminder.
    const answered = await requestOf(caseA, 'psychological');
    const excused = await requestOf(caseA, 'parent');
    const none = await db()
      .selectFrom('advice_reminder_sent')
      .select('advice_request_id')
      .where('advice_request_id', 'in', [answered.id, excused.id])
      .execute();
    expect(none).toEqual([]);
  });
});

describe('emails about advice', () => {
  it('never hold a child’s name', async () => {
    const children = await db()
      .selectFrom('case')
      .select(['child_first_name', 'child_last_name'])
      .execute();
    const emails = (await queuedEmails(testApp)).filter((e) => e.kind.startsWith('advice-'));
    expect(new Set(emails.map((e) => e.kind))).toEqual(
      new Set(['advice-requested', 'advice-invitation', 'advice-received', 'advice-reminder']),
    );
    for (const email of emails) {
      for (const child of children) {
        for (const part of [email.subject, email.text, email.html]) {
          expect(part).not.toMatch(new RegExp(`\\b${child.child_first_name}\\b`));
          expect(part).not.toMatch(new RegExp(`\\b${child.child_last_name}\\b`));
        }
      }
    }
  });
});

/** A request for advice asked straight in the database, as the caseworker's page would. */
async function askFor(
  caseId: string,
  participantId: string,
  dueOn = addWeeks(today, 6),
): Promise<string> {
  const { id } = await db()
    .insertInto('advice_request')
    .values({
      case_id: caseId,
      advice_type: 'other',
      participant_id: participantId,
      status: 'requested',
      requested_on: addDays(dueOn, -42),
      due_on: dueOn,
      requested_by: await userIdOf(testApp, demoEmail('caseworker')),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return id;
}

async function versionsOf(adviceId: string) {
  return db()
    .selectFrom('advice_submission')
    .select(['version', 'document_id'])
    .where('advice_request_id', '=', adviceId)
    .orderBy('version')
    .execute();
}

/** The stored file a report upload put, with the upload made while `during` runs after the put. */
async function whileStoring(during: () => Promise<void>, upload: () => Promise<unknown>) {
  const storage = testApp.services.storage;
  const put = storage.put;
  const keys: string[] = [];
  storage.put = async (key, data) => {
    await put.call(storage, key, data);
    keys.push(key);
    await during();
  };
  try {
    await upload();
  } finally {
    storage.put = put;
  }
  return keys;
}

const CLOSED = 'This request for advice is closed: the council withdrew it';
const ALREADY_SUBMITTED = 'Your advice was already submitted: check the version below';

describe('a request withdrawn by the council', () => {
  it('refuses advice, a draft and a report with the page saying it is closed', async () => {
    const health = browsers.health;
    const id = await askFor(caseA, await participantOf(caseA, { email: demoEmail('health') }));
    const url = `/cases/${caseA}/advice/${id}`;
    expect((await health.get(url)).body).toContain('Submit advice');
    await db()
      .updateTable('advice_request')
      .set({ status: 'withdrawn' })
      .where('id', '=', id)
      .execute();

    const submitted = await health.post(url, {
      ...fullAdvice,
      action: 'submit',
      expectedVersion: '0',
    });
    expect(submitted.statusCode).toBe(400);
    expect(submitted.body).toContain(CLOSED);
    expect(submitted.body).toContain('The council has withdrawn this request');
    expect(submitted.body).not.toContain('Submit advice');
    const saved = await health.post(url, {
      action: 'save',
      needs: 'A draft',
      expectedVersion: '0',
    });
    expect(saved.statusCode).toBe(400);
    expect(saved.body).toContain(CLOSED);
    const uploaded = await postMultipart(
      health,
      `${url}/upload`,
      { reportVisibility: 'everyone', reportDeclaration: 'yes', expectedVersion: '0' },
      { filename: 'report.pdf', data: PDF },
    );
    expect(uploaded.statusCode).toBe(400);
    expect(uploaded.body).toContain(CLOSED);
    expect(uploaded.body).toContain('The council has withdrawn this request');

    expect(await versionsOf(id)).toEqual([]);
    const after = await requestOf(caseA, 'other');
    expect(after).toMatchObject({ id, status: 'withdrawn', draft_saved_at: null });
  });

  it('refuses a report when the request is withdrawn while the file is stored', async () => {
    const health = browsers.health;
    const id = await askFor(caseA, await participantOf(caseA, { email: demoEmail('health') }));
    const url = `/cases/${caseA}/advice/${id}`;
    await health.get(url);
    let response: Awaited<ReturnType<typeof postMultipart>> | undefined;
    const keys = await whileStoring(
      async () => {
        await db()
          .updateTable('advice_request')
          .set({ status: 'withdrawn' })
          .where('id', '=', id)
          .execute();
      },
      async () => {
        response = await postMultipart(
          health,
          `${url}/upload`,
          { reportVisibility: 'everyone', reportDeclaration: 'yes', expectedVersion: '0' },
          { filename: 'late report.pdf', data: PDF },
        );
      },
    );
    expect(response!.statusCode).toBe(400);
    expect(response!.body).toContain(CLOSED);
    expect(response!.body).toContain('The council has withdrawn this request');
    expect(await versionsOf(id)).toEqual([]);
    // Nothing is left of the report: not its document, nor its stored file.
    expect(keys).toHaveLength(1);
    expect(await testApp.services.storage.get(keys[0]!)).toBeNull();
    expect(
      await db()
        .selectFrom('case_document')
        .select('id')
        .where('file_name', '=', 'late report.pdf')
        .execute(),
    ).toEqual([]);
  });
});

describe('advice sent twice', () => {
  it('keeps one version when the form or the report is posted again from the same page', async () => {
    const health = browsers.health;
    const id = await askFor(caseA, await participantOf(caseA, { email: demoEmail('health') }));
    const url = `/cases/${caseA}/advice/${id}`;
    const form = await health.get(url);
    // Both forms carry the version the page shows.
    expect(form.body.match(/name="expectedVersion" value="0"/g)).toHaveLength(2);
    const post = () => health.post(url, { ...fullAdvice, action: 'submit', expectedVersion: '0' });
    expect((await post()).statusCode).toBe(303);
    const again = await post();
    expect(again.statusCode).toBe(400);
    expect(again.body).toContain(ALREADY_SUBMITTED);
    expect(again.body).toContain('Version 1');
    expect(again.body).toContain('name="expectedVersion" value="1"');
    expect((await versionsOf(id)).map((v) => v.version)).toEqual([1]);

    const upload = (expectedVersion: string, filename: string) =>
      postMultipart(
        health,
        `${url}/upload`,
        {
          reportVisibility: 'everyone',
          reportDeclaration: 'yes',
          reportChanges: 'My full report',
          expectedVersion,
        },
        { filename, data: PDF },
      );
    const stale = await upload('0', 'stale.pdf');
    expect(stale.statusCode).toBe(400);
    expect(stale.body).toContain(ALREADY_SUBMITTED);
    expect((await versionsOf(id)).map((v) => v.version)).toEqual([1]);
    expect((await upload('1', 'full.pdf')).statusCode).toBe(303);
    expect((await versionsOf(id)).map((v) => v.version)).toEqual([1, 2]);
  });

  it('writes no second version when another comes first under the lock', async () => {
    const health = browsers.health;
    const participant = await participantOf(caseA, { email: demoEmail('health') });
    // Two submissions at once: one version, and the other is told.
    const id = await askFor(caseA, participant);
    const url = `/cases/${caseA}/advice/${id}`;
    await health.get(url);
    const both = await Promise.all([
      health.post(url, { ...fullAdvice, action: 'submit', expectedVersion: '0' }),
      health.post(url, { ...fullAdvice, action: 'submit', expectedVersion: '0' }),
    ]);
    expect(both.map((r) => r.statusCode).sort()).toEqual([303, 400]);
    expect(both.find((r) => r.statusCode === 400)!.body).toContain(ALREADY_SUBMITTED);
    expect((await versionsOf(id)).map((v) => v.version)).toEqual([1]);

    // A version written while a report is stored, after the page's check: the report is refused.
    const other = await askFor(caseA, participant);
    const otherUrl = `/cases/${caseA}/advice/${other}`;
    await health.get(otherUrl);
    let response: Awaited<ReturnType<typeof postMultipart>> | undefined;
    const keys = await whileStoring(
      async () => {
        await db()
          .insertInto('advice_submission')
          .values({
            advice_request_id: other,
            version: 1,
            answers: '{}',
            document_id: null,
            submitted_by: await userIdOf(testApp, demoEmail('health')),
          })
          .execute();
      },
      async () => {
        response = await postMultipart(
          health,
          `${otherUrl}/upload`,
          { reportVisibility: 'everyone', reportDeclaration: 'yes', expectedVersion: '0' },
          { filename: 'second.pdf', data: PDF },
        );
      },
    );
    expect(response!.statusCode).toBe(400);
    expect(response!.body).toContain(ALREADY_SUBMITTED);
    expect(await versionsOf(other)).toEqual([{ version: 1, document_id: null }]);
    expect(await testApp.services.storage.get(keys[0]!)).toBeNull();
  });
});

describe('who can see a draft', () => {
  it('says every member of the organisation asked can see it', async () => {
    const senco = browsers.senco;
    const request = await requestOf(caseA, 'educational');
    const url = `/cases/${caseA}/advice/${request.id}`;
    await senco.get(url);
    const saved = await senco.post(url, { action: 'save', needs: 'Notes from the school' });
    expect(saved.statusCode).toBe(303);
    const page = await senco.get(url);
    expect(page.body).toContain(
      'Only people at Oakfield Primary School can see it until it is submitted.',
    );
    expect(page.body).not.toContain('Only you can see it');
  });
});

describe('reminders at the end of the assessment', () => {
  it('calls advice due on the due date due today, not due tomorrow', async () => {
    const id = await askFor(
      caseA,
      await participantOf(caseA, { email: demoEmail('health') }),
      today,
    );
    await sweepAdviceReminders(db(), testApp.services.notifier, today);
    const titles = await db()
      .selectFrom('notification')
      .select('title')
      .where('kind', '=', 'advice-reminder')
      .where('link', '=', `/cases/${caseA}/advice/${id}`)
      .execute();
    expect(titles).toEqual([{ title: `${await referenceOf(caseA)}: advice due today` }]);
    const sent = await db()
      .selectFrom('advice_reminder_sent')
      .select('threshold')
      .where('advice_request_id', '=', id)
      .execute();
    // Recorded as the day-before reminder, so a day-before reminder already sent stops it.
    expect(sent).toEqual([{ threshold: 'due-tomorrow' }]);
  });

  it('reminds only while the case is being assessed', async () => {
    const psychologist = await participantOf(otherLaCase, { email: demoEmail('psychologist') });
    const id = await askFor(otherLaCase, psychologist, addDays(today, -1));
    const claimed = async () =>
      db()
        .selectFrom('advice_reminder_sent')
        .select('threshold')
        .where('advice_request_id', '=', id)
        .execute();
    const setStage = (stage: 'assessment' | 'draft_plan') =>
      db().updateTable('case').set({ stage }).where('id', '=', otherLaCase).execute();
    await setStage('draft_plan');
    try {
      await sweepAdviceReminders(db(), testApp.services.notifier, today);
      expect(await claimed()).toEqual([]);
    } finally {
      await setStage('assessment');
    }
    await sweepAdviceReminders(db(), testApp.services.notifier, today);
    expect(await claimed()).toEqual([{ threshold: 'overdue' }]);
  });

  it('sends nothing for advice given, or an exception recorded, after the list was read', async () => {
    const psychologist = await participantOf(otherLaCase, { email: demoEmail('psychologist') });
    const given = await askFor(otherLaCase, psychologist, addDays(today, 1));
    const excused = await askFor(otherLaCase, psychologist, addDays(today, 1));
    const listed = await listUnansweredDueBefore(db(), remindersDueBefore(today), ['assessment']);
    const rowOf = (id: string) => listed.find((r) => r.id === id)!;
    expect(rowOf(given)).toBeDefined();
    expect(rowOf(excused)).toBeDefined();
    await db()
      .updateTable('advice_request')
      .set({ status: 'submitted' })
      .where('id', '=', given)
      .execute();
    await db()
      .insertInto('advice_exception')
      .values({
        advice_request_id: excused,
        reason: 'absence',
        details: 'Away',
        occurred_on: today,
        recorded_by: await userIdOf(testApp, demoEmail('caseworker')),
      })
      .execute();
    const { notifier } = testApp.services;
    expect(await sendAdviceReminder(db(), notifier, rowOf(given), today)).toBe(0);
    expect(await sendAdviceReminder(db(), notifier, rowOf(excused), today)).toBe(0);
    expect(
      await db()
        .selectFrom('advice_reminder_sent')
        .select('threshold')
        .where('advice_request_id', 'in', [given, excused])
        .execute(),
    ).toEqual([]);
  });
});
