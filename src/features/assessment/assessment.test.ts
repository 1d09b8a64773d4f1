import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clockFor } from '../../../cli/clock.ts';
import { todayInEngland, formatLongDate, addWeeks } from '../../domain/clock/calendar-date.ts';
import {
  Browser,
  buildTestApp,
  demoEmail,
  queuedEmails,
  signInAs,
  uploadFile,
  userIdOf,
  type TestApp,
} from '../../../test/helpers.ts';

let testApp: TestApp;

beforeAll(async () => {
  testApp = await buildTestApp();
});
afterAll(async () => {
  await testApp?.close();
});

const db = () => testApp.database.db;

async function caseOf(reference: string) {
  return db()
    .selectFrom('case')
    .selectAll()
    .where('reference', 'like', reference)
    .executeTakeFirstOrThrow();
}

/** A demo case put back to waiting for the decision whether to assess, received today. */
async function freshRequest(reference: string) {
  const found = await caseOf(reference);
  await db()
    .updateTable('case')
    .set({
      stage: 'request_received',
      request_received_on: todayInEngland(),
      assessment_decided_on: null,
      closed_on: null,
      plan_issued_on: null,
      last_review_on: null,
    })
    .where('id', '=', found.id)
    .execute();
  await db().deleteFrom('case_decision').where('case_id', '=', found.id).execute();
  return found.id;
}

const PDF = Buffer.from(
  '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n',
);

describe('people on a case', () => {
  it('adds someone with an account at once, invites anyone else, and adds a setting', async () => {
    const caseId = (await caseOf('DEM-%-0003')).id;
    const caseworker = await signInAs(testApp, 'caseworker');
    await caseworker.get(`/cases/${caseId}/people/invite`);

    // Every rule of the form.
    const empty = await caseworker.post(`/cases/${caseId}/people/invite`, {});
    expect(empty.statusCode).toBe(400);
    expect(empty.body).toContain('Select the person’s role in the case');
    const noKind = await caseworker.post(`/cases/${caseId}/people/invite`, {
      role: 'adviser',
      name: 'Ed Psych',
      email: 'not-an-email',
    });
    expect(noKind.body).toContain('Select what kind of adviser they are');
    expect(noKind.body).toContain('Enter an email address in the correct format');
    expect(noKind.body).toContain('value="Ed Psych"');
    const noName = await caseworker.post(`/cases/${caseId}/people/invite`, {
      role: 'parent_carer',
      email: 'someone@example.com',
    });
    expect(noName.body).toContain('Enter the person’s full name');
    const noSetting = await caseworker.post(`/cases/${caseId}/people/invite`, { role: 'setting' });
    expect(noSetting.body).toContain('Select the setting');
    const strangeSetting = await caseworker.post(`/cases/${caseId}/people/invite`, {
      role: 'setting',
      organisationId: '00000000-0000-4000-8000-000000000000',
    });
    expect(strangeSetting.body).toContain('Select a setting from the list');

    // The demo psychologist has an account: added and told at once.
    const added = await caseworker.post(`/cases/${caseId}/people/invite`, {
      role: 'adviser',
      adviserKind: 'educational_psychologist',
      name: 'Whoever',
      email: demoEmail('psychologist'),
    });
    expect(added.statusCode).toBe(303);
    const psychologist = await signInAs(testApp, 'psychologist');
    expect((await psychologist.get(`/cases/${caseId}`)).statusCode).toBe(200);
    const again = await caseworker.post(`/cases/${caseId}/people/invite`, {
      role: 'adviser',
      adviserKind: 'educational_psychologist',
      name: 'Whoever',
      email: demoEmail('psychologist'),
    });
    expect(again.body).toContain('That person already takes part in this case');

    // A new health adviser is invited by email, shows as invited, and joins on registering.
    const invited = await caseworker.post(`/cases/${caseId}/people/invite`, {
      role: 'adviser',
      adviserKind: 'health',
      name: 'Dr Hana Health',
      email: 'Hana.Health@nhs.example',
    });
    expect(invited.statusCode).toBe(303);
    const people = await caseworker.get(`/cases/${caseId}/people`);
    expect(people.body).toContain('Dr Hana Health');
    expect(people.body).toContain('Invited');
    const email = (await queuedEmails(testApp, 'hana.health@nhs.example')).at(-1)!;
    expect(email.kind).toBe('invitation');
    const link = /\/register\/[A-Za-z0-9_-]{43}/.exec(email.text)![0];
    const hana = new Browser(testApp.app);
    await hana.get(link);
    const registered = await hana.post(link, {
      displayName: 'Hana Health',
      password: 'three random words',
      confirmPassword: 'three random words',
    });
    expect(registered.statusCode).toBe(303);
    const participant = await db()
      .selectFrom('case_participant')
      .select(['user_id', 'invitation_id', 'adviser_kind'])
      .where('case_id', '=', caseId)
      .where('invited_name', '=', 'Dr Hana Health')
      .executeTakeFirstOrThrow();
    expect(participant.user_id).toBe(await userIdOf(testApp, 'hana.health@nhs.example'));
    expect(participant.invitation_id).toBeNull();
    expect(participant.adviser_kind).toBe('health');

    // A setting takes part as an organisation.
    const school = await db()
      .selectFrom('organisation')
      .select('id')
      .where('name', '=', 'Oakfield Primary School')
      .executeTakeFirstOrThrow();
    const setting = await caseworker.post(`/cases/${caseId}/people/invite`, {
      role: 'setting',
      organisationId: school.id,
    });
    expect(setting.statusCode).toBe(303);
    const senco = await signInAs(testApp, 'senco');
    expect((await senco.get(`/cases/${caseId}`)).statusCode).toBe(200);
  });

  it('ends a professional’s access at once, keeps the history, and stops an unused invitation', async () => {
    const caseId = (await caseOf('DEM-%-0004')).id;
    const caseworker = await signInAs(testApp, 'caseworker');
    await caseworker.get(`/cases/${caseId}/people/invite`);
    await caseworker.post(`/cases/${caseId}/people/invite`, {
      role: 'adviser',
      adviserKind: 'social_care',
      name: 'Whoever',
      email: demoEmail('socialCare'),
    });
    await caseworker.post(`/cases/${caseId}/people/invite`, {
      role: 'independent_supporter',
      name: 'Sam Support',
      email: 'sam.support@example.org',
    });
    // The family on the case (the demo parent, added for this test).
    const familyCaseId = caseId;
    await db()
      .insertInto('case_participant')
      .values({
        case_id: caseId,
        user_id: await userIdOf(testApp, demoEmail('parent')),
        case_role: 'parent_carer',
      })
      .execute();
    // A document everyone on the case sees.
    await caseworker.get(`/cases/${caseId}/documents/new`);
    const added = await uploadFile(
      caseworker,
      testApp.app,
      `/cases/${caseId}/documents/new`,
      { field: 'document', filename: 'report.pdf', data: PDF },
      {
        kind: 'report',
        title: 'School report',
        authorName: 'Oakfield Secondary',
        'documentDate-day': '1',
        'documentDate-month': '3',
        'documentDate-year': '2026',
        visibility: 'everyone',
      },
    );
    expect(added.statusCode).toBe(303);
    const { id: documentId } = await db()
      .selectFrom('case_document')
      .select('id')
      .where('case_id', '=', caseId)
      .where('title', '=', 'School report')
      .executeTakeFirstOrThrow();
    const documentPath = `/cases/${caseId}/documents/${documentId}`;
    const socialCare = await signInAs(testApp, 'socialCare');
    const pagesOfTheCase = [
      `/cases/${caseId}`,
      `/cases/${caseId}/journey`,
      `/cases/${caseId}/people`,
      `/cases/${caseId}/documents`,
      documentPath,
      `${documentPath}/download`,
    ];
    for (const path of pagesOfTheCase) {
      expect((await socialCare.get(path)).statusCode, path).toBe(200);
    }
    const rows = await db()
      .selectFrom('case_participant')
      .select(['id', 'user_id', 'invitation_id'])
      .where('case_id', '=', caseId)
      .execute();
    const socialCareId = await userIdOf(testApp, demoEmail('socialCare'));
    const socialCareRow = rows.find((r) => r.user_id === socialCareId)!;
    const pendingRow = rows.find((r) => r.invitation_id)!;

    // Advice asked of them is withdrawn when they leave.
    const advice = await db()
      .insertInto('advice_request')
      .values({
        case_id: caseId,
        advice_type: 'social_care',
        participant_id: socialCareRow.id,
        status: 'requested',
        requested_on: todayInEngland(),
        due_on: addWeeks(todayInEngland(), 6),
        requested_by: await userIdOf(testApp, demoEmail('caseworker')),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await caseworker.get(`/cases/${caseId}/people/${socialCareRow.id}/end`);
    const noReason = await caseworker.post(`/cases/${caseId}/people/${socialCareRow.id}/end`, {
      reason: ' ',
    });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.body).toContain('Enter why they no longer take part');
    const ended = await caseworker.post(`/cases/${caseId}/people/${socialCareRow.id}/end`, {
      reason: 'Left the team',
    });
    expect(ended.statusCode).toBe(303);
    // Every page of the case, the advice asked of them and their task list, at once.
    for (const path of [...pagesOfTheCase, `/cases/${caseId}/advice/${advice.id}`]) {
      expect((await socialCare.get(path)).statusCode, path).toBe(403);
    }
    const lateAdvice = await socialCare.post(`/cases/${caseId}/advice/${advice.id}`, {
      action: 'save',
      needs: 'Written after leaving',
    });
    expect(lateAdvice.statusCode).toBe(403);
    expect((await socialCare.get('/tasks')).body).not.toContain(advice.id);
    const withdrawn = await db()
      .selectFrom('advice_request')
      .select('status')
      .where('id', '=', advice.id)
      .executeTakeFirstOrThrow();
    expect(withdrawn.status).toBe('withdrawn');
    expect((await caseworker.get(`/cases/${caseId}/people/not-an-id/end`)).statusCode).toBe(404);
    const people = await caseworker.get(`/cases/${caseId}/people`);
    expect(people.body).toContain('Left the case');
    expect(people.body).toContain('Left the team');
    // The family does not see why.
    const familyPeople = await (
      await signInAs(testApp, 'parent')
    ).get(`/cases/${familyCaseId}/people`);
    expect(familyPeople.statusCode).toBe(200);
    expect(familyPeople.body).not.toContain('Left the team');
    const twice = await caseworker.post(`/cases/${caseId}/people/${socialCareRow.id}/end`, {
      reason: 'Again',
    });
    expect(twice.statusCode).toBe(404);

    await caseworker.post(`/cases/${caseId}/people/${pendingRow.id}/end`, {
      reason: 'No longer needed',
    });
    const email = (await queuedEmails(testApp, 'sam.support@example.org')).at(-1)!;
    const link = /\/register\/[A-Za-z0-9_-]{43}/.exec(email.text)![0];
    const sam = new Browser(testApp.app);
    expect((await sam.get(link)).statusCode).toBe(404);
  });

  it('ends a setting’s part: every SENCO there loses the case at once', async () => {
    const caseId = (await caseOf('DEM-%-0002')).id;
    const caseworker = await signInAs(testApp, 'caseworker');
    const senco = await signInAs(testApp, 'senco');
    const pages = [`/cases/${caseId}`, `/cases/${caseId}/journey`, `/cases/${caseId}/documents`];
    for (const path of pages) expect((await senco.get(path)).statusCode, path).toBe(200);
    expect((await senco.get('/your-cases')).body).toContain(`/cases/${caseId}`);
    const school = await db()
      .selectFrom('case_participant')
      .select('id')
      .where('case_id', '=', caseId)
      .where('organisation_id', 'is not', null)
      .where('ended_at', 'is', null)
      .executeTakeFirstOrThrow();
    await caseworker.get(`/cases/${caseId}/people/${school.id}/end`);
    const ended = await caseworker.post(`/cases/${caseId}/people/${school.id}/end`, {
      reason: 'The child moved school',
    });
    expect(ended.statusCode).toBe(303);
    for (const path of pages) expect((await senco.get(path)).statusCode, path).toBe(403);
    expect((await senco.get('/your-cases')).body).not.toContain(`/cases/${caseId}`);
  });

  it('lets the family ask for someone to be added, and tells them the caseworker’s decision', async () => {
    const caseId = (await caseOf('DEM-%-0001')).id;
    await db()
      .updateTable('case')
      .set({ assigned_officer_id: await userIdOf(testApp, demoEmail('caseworker')) })
      .where('id', '=', caseId)
      .execute();
    const parent = await signInAs(testApp, 'parent');
    await parent.get(`/cases/${caseId}/people/suggest`);
    const empty = await parent.post(`/cases/${caseId}/people/suggest`, { email: 'nope' });
    expect(empty.statusCode).toBe(400);
    for (const message of [
      'Enter their name',
      'Enter who they are',
      'Enter an email address in the correct format',
      'Enter why you would like them added',
    ]) {
      expect(empty.body).toContain(message);
    }
    const sent = await parent.post(`/cases/${caseId}/people/suggest`, {
      name: 'Tess Therapist',
      roleDescription: 'Private speech and language therapist',
      email: '',
      reason: 'She has seen him every week for two years.',
    });
    expect(sent.statusCode).toBe(303);
    const caseworker = await signInAs(testApp, 'caseworker');
    const notifications = await caseworker.get('/notifications');
    expect(notifications.body).toContain('the family asked for someone to be added');
    const suggestion = await db()
      .selectFrom('participant_suggestion')
      .select('id')
      .where('case_id', '=', caseId)
      .executeTakeFirstOrThrow();
    await caseworker.get(`/cases/${caseId}/people`);
    const noNote = await caseworker.post(`/cases/${caseId}/people/suggestions/${suggestion.id}`, {
      status: 'declined',
    });
    expect(noNote.statusCode).toBe(400);
    expect(noNote.body).toContain('Enter why you will not add them');
    const decided = await caseworker.post(`/cases/${caseId}/people/suggestions/${suggestion.id}`, {
      status: 'declined',
      note: 'The school’s therapist already gives this advice.',
    });
    expect(decided.statusCode).toBe(303);
    const seen = await parent.get(`/cases/${caseId}/people`);
    expect(seen.body).toContain('The school’s therapist already gives this advice.');
    // A professional on the case does not see the family's requests.
    const senco = await signInAs(testApp, 'senco');
    expect((await senco.get(`/cases/${caseId}/people`)).body).not.toContain('Tess Therapist');
    expect((await senco.get(`/cases/${caseId}/people/suggest`)).statusCode).toBe(403);
  });
});

describe('the decision whether to assess', () => {
  it('needs a recommendation, then a decision maker; a refusal sends a letter whose appeal date is the clock’s', async () => {
    const caseId = await freshRequest('DEM-%-0001');
    const decisionMaker = await signInAs(testApp, 'decisionMaker');
    const caseworker = await signInAs(testApp, 'caseworker');

    await decisionMaker.get(`/cases/${caseId}/decisions/assess`);
    const tooSoon = await decisionMaker.post(`/cases/${caseId}/decisions/assess`, {
      outcome: 'no',
      reasons: 'Needs are met at SEN support.',
      supportOffered: 'Termly reviews with the SENCO.',
    });
    expect(tooSoon.statusCode).toBe(400);
    expect(tooSoon.body).toContain('A caseworker must record a recommendation first');

    const page = await caseworker.get(`/cases/${caseId}/decisions/assess`);
    expect(page.body).not.toContain('Record the decision and send the letter');
    const blank = await caseworker.post(`/cases/${caseId}/decisions/assess/recommendation`, {});
    expect(blank.statusCode).toBe(400);
    for (const message of [
      'Enter the information considered',
      'Select your recommendation',
      'Enter the reasons for your recommendation',
    ]) {
      expect(blank.body).toContain(message);
    }
    const tooLong = await caseworker.post(`/cases/${caseId}/decisions/assess/recommendation`, {
      informationConsidered: 'x'.repeat(5001),
      recommendation: 'no',
      recommendationReasons: 'Fine',
    });
    expect(tooLong.body).toContain('The information considered must be 5,000 characters or fewer');
    const recommended = await caseworker.post(`/cases/${caseId}/decisions/assess/recommendation`, {
      informationConsidered: 'The request, the school’s SEN support plan and two reviews.',
      recommendation: 'no',
      recommendationReasons: 'Progress is good with the support in place.',
    });
    expect(recommended.statusCode).toBe(303);
    // A caseworker recommends; only a decision maker or manager decides.
    const notAllowed = await caseworker.post(`/cases/${caseId}/decisions/assess`, {
      outcome: 'yes',
      reasons: 'x',
    });
    expect(notAllowed.statusCode).toBe(403);

    // The appeal deadline is the tribunal's, as `npx pathway clock` gives it: an LA closure day
    // on that very date must not move it.
    const today = todayInEngland();
    const appealBy = clockFor({ decisionLetter: today }, 'flags').appealDeadline!;
    const { local_authority_id: laId } = await caseOf('DEM-%-0001');
    await db()
      .insertInto('closure_day')
      .values({
        local_authority_id: laId,
        closed_on: appealBy,
        description: 'Council office move',
        added_by: await userIdOf(testApp, demoEmail('admin')),
      })
      .execute();

    await decisionMaker.get(`/cases/${caseId}/decisions/assess`);
    const noSupport = await decisionMaker.post(`/cases/${caseId}/decisions/assess`, {
      outcome: 'no',
      reasons: 'Needs are met at SEN support.',
    });
    expect(noSupport.statusCode).toBe(400);
    expect(noSupport.body).toContain('Enter the support that will follow');
    const noOutcome = await decisionMaker.post(`/cases/${caseId}/decisions/assess`, {
      reasons: '',
    });
    expect(noOutcome.body).toContain('Select the decision');
    expect(noOutcome.body).toContain('Enter the reasons for the decision');

    const decided = await decisionMaker.post(`/cases/${caseId}/decisions/assess`, {
      outcome: 'no',
      reasons: 'The school’s support is meeting his needs and he is making good progress.',
      supportOffered: 'The SENCO will review his support plan every term.',
    });
    expect(decided.statusCode).toBe(303);
    const letterPath = String(decided.headers.location);
    expect(letterPath).toMatch(/\/cases\/.+\/documents\/.+/);

    const found = await caseOf('DEM-%-0001');
    expect(found.stage).toBe('not_assessing');
    expect(found.assessment_decided_on).toBe(today);
    expect(found.next_step_due_on).toBeNull();
    // The school takes part on Pathway and is told there; health and social care do not, so
    // the decision maker is told to tell them another way, and the timeline keeps the task.
    const confirmation = await decisionMaker.get(letterPath);
    expect(confirmation.body).toContain(
      'No one from health and social care takes part in this case on Pathway: tell them of the decision another way (reg 4(2))',
    );
    const toDo = await db()
      .selectFrom('case_event')
      .select('summary')
      .where('case_id', '=', caseId)
      .where('kind', '=', 'notice_to_do')
      .execute();
    expect(toDo.map((e) => e.summary)).toEqual([
      'To do: tell health and social care of the decision: they do not take part in this case on Pathway (reg 4(2))',
    ]);

    // The family reads the letter and downloads its PDF; the appeal date is the clock's.
    const parent = await signInAs(testApp, 'parent');
    const letter = await parent.get(letterPath);
    expect(letter.statusCode).toBe(200);
    expect(letter.body).toContain('We will not carry out an EHC needs assessment');
    expect(letter.body).toContain(`You must appeal by ${formatLongDate(appealBy)}`);
    expect(letter.body).toContain('mediation adviser');
    expect(letter.body).toContain('Demoshire SENDIASS');
    expect(letter.body).toContain('A meeting about what happens next');
    expect(letter.body).toContain('The SENCO will review his support plan every term.');
    const pdf = await parent.get(`${letterPath}/download`);
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    expect(String(pdf.headers['content-disposition'])).toMatch(/^attachment;/);

    // The family is told by email, with the appeal date and no child's details.
    const email = (await queuedEmails(testApp, demoEmail('parent'))).findLast(
      (e) => e.kind === 'decision-letter',
    )!;
    expect(email.text).toContain('decided not to carry out an EHC needs assessment');
    expect(email.text).toContain('appeal by');
    expect(email.text).not.toContain(found.child_first_name);
    expect(email.text).not.toContain(found.child_last_name);

    // The letter is for the LA and the family: a professional on the case cannot open it.
    const senco = await signInAs(testApp, 'senco');
    expect((await senco.get(letterPath)).statusCode).toBe(404);
    expect((await senco.get(`${letterPath}/download`)).statusCode).toBe(404);
    // ...but is told of the decision.
    expect((await senco.get('/notifications')).body).toContain(
      'decided not to carry out an EHC needs assessment',
    );

    // A decision is made once.
    const twice = await decisionMaker.post(`/cases/${caseId}/decisions/assess`, {
      outcome: 'yes',
      reasons: 'Changed my mind',
    });
    expect(twice.statusCode).toBe(400);
    expect(twice.body).toContain('This decision has already been made');
  });

  it('agreeing to assess moves the case to assessment with the 16-week date, then to drafting', async () => {
    const caseId = await freshRequest('DEM-%-0002');
    const caseworker = await signInAs(testApp, 'caseworker');
    const manager = await signInAs(testApp, 'manager');
    // The parent is invited and has not registered: they still hear of the decision.
    await caseworker.get(`/cases/${caseId}/people/invite`);
    await caseworker.post(`/cases/${caseId}/people/invite`, {
      role: 'parent_carer',
      name: 'Nadia New',
      email: 'nadia.new@example.com',
    });
    await caseworker.get(`/cases/${caseId}/decisions/assess`);
    await caseworker.post(`/cases/${caseId}/decisions/assess/recommendation`, {
      informationConsidered: 'The request and the school’s evidence.',
      recommendation: 'yes',
      recommendationReasons: 'She may need provision through a plan.',
    });
    await manager.get(`/cases/${caseId}/decisions/assess`);
    const decided = await manager.post(`/cases/${caseId}/decisions/assess`, {
      outcome: 'yes',
      reasons: 'She may have SEN and may need a plan.',
    });
    expect(decided.statusCode).toBe(303);
    const found = await caseOf('DEM-%-0002');
    expect(found.stage).toBe('assessment');
    const told = await queuedEmails(testApp, 'nadia.new@example.com');
    expect(told.map((e) => e.kind)).toEqual(['invitation', 'decision-letter']);
    expect(told[1]!.text).toContain('decided to carry out an EHC needs assessment');
    expect(told[1]!.text).not.toContain(found.child_first_name);
    expect(found.next_step_due_on).toBe(addWeeks(todayInEngland(), 16));
    const letter = await manager.get(String(decided.headers.location));
    expect(letter.body).toContain('We will carry out an EHC needs assessment');
    expect(letter.body).toContain(formatLongDate(addWeeks(todayInEngland(), 16)));

    // Advice is asked of a psychologist, who has not given it by the decision.
    const psychologistId = await userIdOf(testApp, demoEmail('psychologist'));
    const { id: psychologistPart } = await db()
      .insertInto('case_participant')
      .values({
        case_id: caseId,
        user_id: psychologistId,
        case_role: 'adviser',
        adviser_kind: 'educational_psychologist',
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await caseworker.get(`/cases/${caseId}/advice`);
    const asked = await caseworker.post(`/cases/${caseId}/advice`, {
      psychological: 'ask',
      'psychological-adviser': psychologistPart,
    });
    expect(asked.statusCode).toBe(303);
    const adviceRequest = await db()
      .selectFrom('advice_request')
      .select('id')
      .where('case_id', '=', caseId)
      .executeTakeFirstOrThrow();
    const psychologist = await signInAs(testApp, 'psychologist');
    const adviceUrl = `/cases/${caseId}/advice/${adviceRequest.id}`;
    expect((await psychologist.get('/tasks')).body).toContain(adviceUrl);

    // The decision whether to issue a plan: agreed, so the case moves to drafting (no letter).
    // Whoever recommends does not also decide.
    await manager.get(`/cases/${caseId}/decisions/issue-plan`);
    await manager.post(`/cases/${caseId}/decisions/issue-plan/recommendation`, {
      informationConsidered: 'All the advice.',
      recommendation: 'yes',
      recommendationReasons: 'Needs cannot be met from the school’s resources.',
    });
    const ownRecommendation = await manager.get(`/cases/${caseId}/decisions/issue-plan`);
    expect(ownRecommendation.body).toContain('another decision maker records the decision');
    expect(ownRecommendation.body).not.toContain('Record the decision and send the letter');
    const refused = await manager.post(`/cases/${caseId}/decisions/issue-plan`, {
      outcome: 'yes',
      reasons: 'The advice shows she needs provision through a plan.',
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain('You made the recommendation');
    await caseworker.get(`/cases/${caseId}/decisions/issue-plan`);
    await caseworker.post(`/cases/${caseId}/decisions/issue-plan/recommendation`, {
      informationConsidered: 'All the advice.',
      recommendation: 'yes',
      recommendationReasons: 'Needs cannot be met from the school’s resources.',
    });
    // The decision maker sees where the advice stands, and what is still outstanding.
    const decisionPage = await manager.get(`/cases/${caseId}/decisions/issue-plan`);
    expect(decisionPage.body).toContain('Psychological advice');
    expect(decisionPage.body).toContain('Not given yet');
    expect(decisionPage.body).toContain('1 piece of advice has not been given yet');
    const issue = await manager.post(`/cases/${caseId}/decisions/issue-plan`, {
      outcome: 'yes',
      reasons: 'The advice shows she needs provision through a plan.',
    });
    expect(issue.statusCode).toBe(303);
    expect((await caseOf('DEM-%-0002')).stage).toBe('draft_plan');
    // The advice not given is closed: off the psychologist's tasks, and no longer accepted.
    const closed = await db()
      .selectFrom('advice_request')
      .select('status')
      .where('id', '=', adviceRequest.id)
      .executeTakeFirstOrThrow();
    expect(closed.status).toBe('withdrawn');
    expect((await psychologist.get('/tasks')).body).not.toContain(adviceUrl);
    await psychologist.get(adviceUrl);
    const late = await psychologist.post(adviceUrl, {
      action: 'submit',
      expectedVersion: '0',
      needs: 'Reading.',
      outcomes: 'Reads well.',
      provisionWhat: 'Literacy programme.',
      provisionHowOften: 'Weekly.',
      provisionByWhom: 'A teaching assistant.',
      visibility: 'everyone',
      declaration: 'yes',
    });
    expect(late.statusCode).not.toBe(303);
    expect(
      await db()
        .selectFrom('advice_submission')
        .select('id')
        .where('advice_request_id', '=', adviceRequest.id)
        .execute(),
    ).toEqual([]);
    expect((await caseworker.get('/cases/nope/decisions/assess')).statusCode).toBe(404);
    expect((await caseworker.get(`/cases/${caseId}/decisions/other`)).statusCode).toBe(404);
  });

  it('refusing to issue a plan sends a letter with reasons, support and the appeal date', async () => {
    const found = await caseOf('DEM-%-0005');
    await db()
      .updateTable('case')
      .set({
        stage: 'assessment',
        request_received_on: addWeeks(todayInEngland(), -15),
        assessment_decided_on: addWeeks(todayInEngland(), -10),
        closed_on: null,
        plan_issued_on: null,
        last_review_on: null,
      })
      .where('id', '=', found.id)
      .execute();
    const caseworker = await signInAs(testApp, 'caseworker');
    const decisionMaker = await signInAs(testApp, 'decisionMaker');
    await caseworker.get(`/cases/${found.id}/decisions/issue-plan`);
    await caseworker.post(`/cases/${found.id}/decisions/issue-plan/recommendation`, {
      informationConsidered: 'Advice from the school, the EP and health.',
      recommendation: 'no',
      recommendationReasons: 'The school can meet the needs from its resources.',
    });
    await decisionMaker.get(`/cases/${found.id}/decisions/issue-plan`);
    const decided = await decisionMaker.post(`/cases/${found.id}/decisions/issue-plan`, {
      outcome: 'no',
      reasons: 'The school can meet the needs from its own resources.',
      supportOffered: 'The school will follow the EP’s advice through SEN support.',
    });
    expect(decided.statusCode).toBe(303);
    const letter = await decisionMaker.get(String(decided.headers.location));
    expect(letter.body).toContain('We will not issue an EHC plan');
    expect(letter.body).toContain('The school will follow the EP’s advice through SEN support.');
    expect(letter.body).toContain('You must appeal by');
    const after = await caseOf('DEM-%-0005');
    expect(after.stage).toBe('no_plan');
    expect(after.closed_on).toBe(todayInEngland());
  });
});

describe('documents on a case', () => {
  it('keeps an LA-only document from the family and advisers, and audits every view', async () => {
    const caseId = (await caseOf('DEM-%-0006')).id;
    const caseworker = await signInAs(testApp, 'caseworker');
    await caseworker.get(`/cases/${caseId}/documents/new`);
    const url = `/cases/${caseId}/documents/new`;
    const blank = await uploadFile(
      caseworker,
      testApp.app,
      url,
      { field: 'document', filename: 'report.pdf', data: PDF },
      { visibility: 'la_only' },
    );
    expect(blank.statusCode).toBe(400);
    for (const message of [
      'Select the type of document',
      'Enter a title',
      'Enter who wrote it',
      'Enter the date of the document',
      'Enter why the family and advisers may not see it',
    ]) {
      expect(blank.body).toContain(message);
    }
    const future = await uploadFile(
      caseworker,
      testApp.app,
      url,
      { field: 'document', filename: 'report.pdf', data: PDF },
      {
        kind: 'report',
        title: 'Safeguarding note',
        authorName: 'Social care',
        'documentDate-day': '1',
        'documentDate-month': '1',
        'documentDate-year': '2099',
        visibility: 'everyone',
      },
    );
    expect(future.body).toContain('The date must be today or in the past');
    expect(future.body).toContain('value="Safeguarding note"');
    const html = await uploadFile(
      caseworker,
      testApp.app,
      url,
      { field: 'document', filename: 'report.pdf', data: Buffer.from('<html><script>') },
      {
        kind: 'report',
        title: 'Safeguarding note',
        authorName: 'Social care',
        'documentDate-day': '1',
        'documentDate-month': '3',
        'documentDate-year': '2026',
        visibility: 'everyone',
      },
    );
    expect(html.statusCode).toBe(400);
    const fields = {
      kind: 'report',
      title: 'Safeguarding note',
      authorName: 'Social care',
      'documentDate-day': '1',
      'documentDate-month': '3',
      'documentDate-year': '2026',
      visibility: 'la_only',
      visibilityReason: 'Third-party information',
    };
    const added = await uploadFile(
      caseworker,
      testApp.app,
      url,
      { field: 'document', filename: 'note.pdf', data: PDF },
      fields,
    );
    expect(added.statusCode).toBe(303);
    const document = await db()
      .selectFrom('case_document')
      .select('id')
      .where('case_id', '=', caseId)
      .where('title', '=', 'Safeguarding note')
      .executeTakeFirstOrThrow();
    const path = `/cases/${caseId}/documents/${document.id}`;

    expect((await caseworker.get(`/cases/${caseId}/documents`)).body).toContain(
      'Safeguarding note',
    );
    expect((await caseworker.get(`${path}/download`)).statusCode).toBe(200);
    // A health adviser on the case, and the family (the demo parent, added for this test).
    const healthId = await userIdOf(testApp, demoEmail('health'));
    const parentId = await userIdOf(testApp, demoEmail('parent'));
    await db()
      .insertInto('case_participant')
      .values([
        { case_id: caseId, user_id: healthId, case_role: 'adviser', adviser_kind: 'health' },
        { case_id: caseId, user_id: parentId, case_role: 'parent_carer' },
      ])
      .execute();
    const health = await signInAs(testApp, 'health');
    const parent = await signInAs(testApp, 'parent');
    for (const outsider of [health, parent]) {
      expect((await outsider.get(`/cases/${caseId}/documents`)).body).not.toContain(
        'Safeguarding note',
      );
      expect((await outsider.get(path)).statusCode).toBe(404);
      expect((await outsider.get(`${path}/download`)).statusCode).toBe(404);
    }

    // Shared with everyone: now a professional on the case sees it.
    await caseworker.get(path);
    const noReason = await caseworker.post(`${path}/visibility`, { visibility: 'la_only' });
    expect(noReason.statusCode).toBe(400);
    const familyOnly = await caseworker.post(`${path}/visibility`, {
      visibility: 'la_and_family',
    });
    expect(familyOnly.statusCode).toBe(303);
    expect((await parent.get(path)).statusCode).toBe(200);
    expect((await health.get(path)).statusCode).toBe(404);
    const shared = await caseworker.post(`${path}/visibility`, { visibility: 'everyone' });
    expect(shared.statusCode).toBe(303);
    expect((await health.get(`${path}/download`)).statusCode).toBe(200);

    // Views the family shared with the council and the family only: the LA may narrow that,
    // but only the family may share it more widely.
    const views = await db()
      .insertInto('case_document')
      .values({
        case_id: caseId,
        kind: 'views',
        title: 'Family’s views',
        author_name: 'Priya Demo-Parent',
        author_user_id: parentId,
        document_date: todayInEngland(),
        visibility: 'la_and_family',
        shared_as: 'la_and_family',
        body_html: '<p class="govuk-body">Our views</p>',
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const viewsPath = `/cases/${caseId}/documents/${views.id}`;
    await caseworker.get(viewsPath);
    const widen = await caseworker.post(`${viewsPath}/visibility`, { visibility: 'everyone' });
    expect(widen.statusCode).toBe(400);
    expect(widen.body).toContain('Only the person who wrote it can share it more widely');
    const narrow = await caseworker.post(`${viewsPath}/visibility`, {
      visibility: 'la_only',
      visibilityReason: 'Mentions a sibling',
    });
    expect(narrow.statusCode).toBe(303);
    expect((await parent.get(viewsPath)).statusCode).toBe(404);
    // A narrowing made in error can be undone, back to what the family chose and no further.
    const back = await caseworker.post(`${viewsPath}/visibility`, { visibility: 'la_and_family' });
    expect(back.statusCode).toBe(303);
    expect((await parent.get(viewsPath)).statusCode).toBe(200);
    expect(
      (await caseworker.post(`${viewsPath}/visibility`, { visibility: 'everyone' })).statusCode,
    ).toBe(400);

    // Evidence sent with a request whose family did not agree to share it has no author on
    // Pathway: the council cannot share it with everyone either.
    const evidence = await db()
      .insertInto('case_document')
      .values({
        case_id: caseId,
        kind: 'report',
        title: 'Sent with request R999-2026-1: report.pdf',
        author_name: 'The parent or carer',
        author_user_id: null,
        document_date: todayInEngland(),
        visibility: 'la_and_family',
        shared_as: 'la_and_family',
        body_html: '<p class="govuk-body">A report</p>',
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const evidencePath = `/cases/${caseId}/documents/${evidence.id}`;
    await caseworker.get(evidencePath);
    const share = await caseworker.post(`${evidencePath}/visibility`, { visibility: 'everyone' });
    expect(share.statusCode).toBe(400);
    expect((await health.get(evidencePath)).statusCode).toBe(404);

    // What a document says cannot be changed once it is on the case, only who may see it.
    await expect(
      db()
        .updateTable('case_document')
        .set({ body_html: '<p>Rewritten</p>' })
        .where('id', '=', views.id)
        .execute(),
    ).rejects.toThrow(/cannot be changed/);

    const audit = await db()
      .selectFrom('audit_event')
      .select(['action', 'details'])
      .where('subject_id', '=', caseId)
      .where('action', 'in', [
        'viewed a document',
        'downloaded a document',
        'changed who may see a document',
        'added a document',
      ])
      .execute();
    const actions = audit.map((a) => a.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'added a document',
        'downloaded a document',
        'viewed a document',
        'changed who may see a document',
      ]),
    );
  });
});

describe('the family’s journey page', () => {
  it('shows where the case is, the decision with its letter, and whom to contact', async () => {
    const caseId = await freshRequest('DEM-%-0001');
    const parent = await signInAs(testApp, 'parent');
    const before = await parent.get(`/cases/${caseId}/journey`);
    expect(before.statusCode).toBe(200);
    expect(before.body).toContain('Deciding whether to assess');
    expect(before.body).toContain('Happening now');
    expect(before.body).toContain('No advice has been asked for yet');
    expect(before.body).toContain('Demoshire SENDIASS');
    expect(before.body).toContain('What the words mean');

    const caseworker = await signInAs(testApp, 'caseworker');
    await caseworker.get(`/cases/${caseId}/decisions/assess`);
    await caseworker.post(`/cases/${caseId}/decisions/assess/recommendation`, {
      informationConsidered: 'The request.',
      recommendation: 'yes',
      recommendationReasons: 'May need a plan.',
    });
    const decisionMaker = await signInAs(testApp, 'decisionMaker');
    await decisionMaker.get(`/cases/${caseId}/decisions/assess`);
    await decisionMaker.post(`/cases/${caseId}/decisions/assess`, {
      outcome: 'yes',
      reasons: 'He may need provision through a plan.',
    });
    const after = await parent.get(`/cases/${caseId}/journey`);
    expect(after.body).toContain('The council decided to carry out the assessment.');
    expect(after.body).toContain('Read the letter');
    expect(after.body).toMatch(/Gathering advice[\s\S]*Happening now/);
    // Reading it is audited as a view of the case: one more record for one more reading.
    const parentViews = async () =>
      (
        await db()
          .selectFrom('audit_event')
          .select('id')
          .where('subject_id', '=', caseId)
          .where('action', '=', 'viewed case')
          .where('actor_user_id', '=', await userIdOf(testApp, demoEmail('parent')))
          .execute()
      ).length;
    const viewsBefore = await parentViews();
    expect((await parent.get(`/cases/${caseId}/journey`)).statusCode).toBe(200);
    expect(await parentViews()).toBe(viewsBefore + 1);
    // Someone not on the case cannot see it.
    const psychologist = await signInAs(testApp, 'psychologist');
    expect((await psychologist.get(`/cases/${caseId}/journey`)).statusCode).toBe(403);
  });
});
