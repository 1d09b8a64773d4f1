import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildTestApp,
  caseIdOf,
  demoEmail,
  signInAs,
  uploadFile,
  userIdOf,
  type TestApp,
} from '../../../test/helpers.ts';

/**
 * Every validation rule of the assessment's forms that the journeys do not already reach: each
 * bad answer gets its GOV.UK message, a 400, what was typed kept, and nothing written.
 */

let testApp: TestApp;
const db = () => testApp.database.db;

beforeAll(async () => {
  testApp = await buildTestApp();
});
afterAll(async () => {
  await testApp?.close();
});

const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');

async function participantCount(caseId: string) {
  const rows = await db()
    .selectFrom('case_participant')
    .select('id')
    .where('case_id', '=', caseId)
    .execute();
  return rows.length;
}

describe('inviting someone to a case', () => {
  it('checks every answer, keeps what was typed and adds no one', async () => {
    const caseId = await caseIdOf(testApp, 'DEM-%-0001');
    const caseworker = await signInAs(testApp, 'caseworker');
    const url = `/cases/${caseId}/people/invite`;
    await caseworker.get(url);
    const before = await participantCount(caseId);
    const cases: [Record<string, string>, string][] = [
      [{}, 'Select the person’s role in the case'],
      [{ role: 'adviser', name: 'Ada', email: 'ada@example.org' }, 'Select what kind of adviser'],
      [{ role: 'parent_carer', email: 'ada@example.org' }, 'Enter the person’s full name'],
      [
        { role: 'parent_carer', name: 'x'.repeat(201), email: 'ada@example.org' },
        'Name must be 200 characters or fewer',
      ],
      [{ role: 'parent_carer', name: 'Ada' }, 'Enter their email address'],
      [
        { role: 'parent_carer', name: 'Ada', email: 'ada at example' },
        'Enter an email address in the correct format, like name@example.com',
      ],
      [
        { role: 'parent_carer', name: 'Ada', email: `${'a'.repeat(250)}@example.org` },
        'Email address must be 254 characters or fewer',
      ],
      [{ role: 'setting' }, 'Select the setting'],
      [
        { role: 'setting', organisationId: '00000000-0000-4000-8000-000000000000' },
        'Select a setting from the list',
      ],
    ];
    for (const [body, message] of cases) {
      const response = await caseworker.post(url, body);
      expect(response.statusCode, message).toBe(400);
      expect(response.body, message).toContain(message);
      if (body.name && body.name.length < 50)
        expect(response.body).toContain(`value="${body.name}"`);
    }

    // The setting already on the case, and a closed account.
    const school = await db()
      .selectFrom('organisation')
      .select('id')
      .where('name', '=', 'Oakfield Primary School')
      .executeTakeFirstOrThrow();
    const again = await caseworker.post(url, { role: 'setting', organisationId: school.id });
    expect(again.statusCode).toBe(400);
    expect(again.body).toContain('That setting already takes part in this case');
    await db()
      .updateTable('app_user')
      .set({ disabled_at: new Date() })
      .where('email', '=', demoEmail('socialCare'))
      .execute();
    try {
      const closed = await caseworker.post(url, {
        role: 'adviser',
        adviserKind: 'social_care',
        name: 'Sol Social',
        email: demoEmail('socialCare'),
      });
      expect(closed.statusCode).toBe(400);
      expect(closed.body).toContain('That person’s account is closed: ask an administrator');
    } finally {
      await db()
        .updateTable('app_user')
        .set({ disabled_at: null })
        .where('email', '=', demoEmail('socialCare'))
        .execute();
    }
    expect(await participantCount(caseId)).toBe(before);
  });
});

describe('ending someone’s part, and the family’s suggestions', () => {
  it('limits the reason for ending, and every answer of a suggestion and its decision', async () => {
    const caseId = await caseIdOf(testApp, 'DEM-%-0001');
    const caseworker = await signInAs(testApp, 'caseworker');
    const school = await db()
      .selectFrom('case_participant')
      .select('id')
      .where('case_id', '=', caseId)
      .where('organisation_id', 'is not', null)
      .executeTakeFirstOrThrow();
    await caseworker.get(`/cases/${caseId}/people/${school.id}/end`);
    const long = await caseworker.post(`/cases/${caseId}/people/${school.id}/end`, {
      reason: 'x'.repeat(501),
    });
    expect(long.statusCode).toBe(400);
    expect(long.body).toContain('The reason must be 500 characters or fewer');

    const parent = await signInAs(testApp, 'parent');
    const url = `/cases/${caseId}/people/suggest`;
    await parent.get(url);
    const good = {
      name: 'Sam Speech',
      roleDescription: 'Speech and language therapist',
      email: '',
      reason: 'She has seen him for a year.',
    };
    const cases: [Record<string, string>, string][] = [
      [{ ...good, name: '' }, 'Enter their name'],
      [{ ...good, name: 'x'.repeat(201) }, 'Their name must be 200 characters or fewer'],
      [{ ...good, roleDescription: '' }, 'Enter who they are, for example'],
      [{ ...good, roleDescription: 'x'.repeat(201) }, 'Who they are must be 200 characters'],
      [{ ...good, reason: '' }, 'Enter why you would like them added'],
      [
        { ...good, reason: 'x'.repeat(2001) },
        'Why you would like them added must be 2,000 characters or fewer',
      ],
    ];
    for (const [body, message] of cases) {
      const response = await parent.post(url, body);
      expect(response.statusCode, message).toBe(400);
      expect(response.body, message).toContain(message);
    }
    expect(await db().selectFrom('participant_suggestion').select('id').execute()).toEqual([]);

    const made = await parent.post(url, good);
    expect(made.statusCode).toBe(303);
    const suggestion = await db()
      .selectFrom('participant_suggestion')
      .select('id')
      .executeTakeFirstOrThrow();
    await caseworker.get(`/cases/${caseId}/people`);
    const decisionUrl = `/cases/${caseId}/people/suggestions/${suggestion.id}`;
    const noStatus = await caseworker.post(decisionUrl, {});
    expect(noStatus.statusCode).toBe(400);
    expect(noStatus.body).toContain('Select whether you will add them');
    const longNote = await caseworker.post(decisionUrl, {
      status: 'declined',
      note: 'x'.repeat(2001),
    });
    expect(longNote.statusCode).toBe(400);
    expect(longNote.body).toContain('The reason must be 2,000 characters or fewer');
    const open = await db()
      .selectFrom('participant_suggestion')
      .select('status')
      .where('id', '=', suggestion.id)
      .executeTakeFirstOrThrow();
    expect(open.status).toBe('open');
  });
});

describe('recommendations and decisions', () => {
  it('limits every answer, and refuses one at the wrong stage or already decided', async () => {
    const caseId = await caseIdOf(testApp, 'DEM-%-0003');
    const caseworker = await signInAs(testApp, 'caseworker');
    const decisionMaker = await signInAs(testApp, 'decisionMaker');
    const url = `/cases/${caseId}/decisions/assess`;
    await caseworker.get(url);
    const longReasons = await caseworker.post(`${url}/recommendation`, {
      informationConsidered: 'The request.',
      recommendation: 'yes',
      recommendationReasons: 'x'.repeat(5001),
    });
    expect(longReasons.statusCode).toBe(400);
    expect(longReasons.body).toContain('The reasons must be 5,000 characters or fewer');
    // The decision whether to issue a plan cannot be recommended before an assessment.
    const early = await caseworker.post(`/cases/${caseId}/decisions/issue-plan/recommendation`, {
      informationConsidered: 'The request.',
      recommendation: 'yes',
      recommendationReasons: 'Fine.',
    });
    expect(early.statusCode).toBe(400);
    expect(early.body).toContain('The case is not at this stage any more');

    await caseworker.post(`${url}/recommendation`, {
      informationConsidered: 'The request.',
      recommendation: 'yes',
      recommendationReasons: 'May need a plan.',
    });
    await decisionMaker.get(url);
    for (const [body, message] of [
      [{ outcome: 'yes', reasons: 'x'.repeat(5001) }, 'The reasons must be 5,000 characters'],
      [
        { outcome: 'no', reasons: 'Met at SEN support.', supportOffered: 'x'.repeat(3001) },
        'The support that follows must be 3,000 characters or fewer',
      ],
    ] as const) {
      const response = await decisionMaker.post(url, body);
      expect(response.statusCode, message).toBe(400);
      expect(response.body, message).toContain(message);
    }
    const early2 = await decisionMaker.post(`/cases/${caseId}/decisions/issue-plan`, {
      outcome: 'yes',
      reasons: 'Needs a plan.',
    });
    expect(early2.statusCode).toBe(400);
    expect(early2.body).toContain('The case is not at this stage any more');

    const decided = await decisionMaker.post(url, { outcome: 'yes', reasons: 'May need a plan.' });
    expect(decided.statusCode).toBe(303);
    await caseworker.get(url);
    const after = await caseworker.post(`${url}/recommendation`, {
      informationConsidered: 'The request.',
      recommendation: 'no',
      recommendationReasons: 'Second thoughts.',
    });
    expect(after.statusCode).toBe(400);
    expect(after.body).toContain('This decision has already been made');
    const found = await db()
      .selectFrom('case')
      .select('stage')
      .where('id', '=', caseId)
      .executeTakeFirstOrThrow();
    expect(found.stage).toBe('assessment');
    // The decision stands as made, with its letter on the case.
    const letters = await db()
      .selectFrom('case_decision')
      .select('letter_document_id')
      .where('case_id', '=', caseId)
      .execute();
    expect(letters).toHaveLength(1);
    expect(letters[0]!.letter_document_id).toBeTruthy();
  });
});

describe('adding a document', () => {
  it('needs a file, a real date and answers within their limits', async () => {
    const caseId = await caseIdOf(testApp, 'DEM-%-0005');
    const caseworker = await signInAs(testApp, 'caseworker');
    const url = `/cases/${caseId}/documents/new`;
    await caseworker.get(url);
    const good = {
      kind: 'report',
      title: 'Speech therapy report',
      authorName: 'Sam Speech',
      'documentDate-day': '1',
      'documentDate-month': '3',
      'documentDate-year': '2026',
      visibility: 'everyone',
    };
    const file = { field: 'document', filename: 'report.pdf', data: PDF };
    const cases: [Record<string, string>, string][] = [
      [
        { ...good, 'documentDate-day': '31', 'documentDate-month': '2' },
        'The date must be a real date',
      ],
      [{ ...good, title: 'x'.repeat(201) }, 'The title must be 200 characters or fewer'],
      [{ ...good, authorName: 'x'.repeat(201) }, 'Who wrote it must be 200 characters or fewer'],
      [
        { ...good, visibility: 'la_only', visibilityReason: 'x'.repeat(501) },
        'The reason must be 500 characters or fewer',
      ],
    ];
    for (const [fields, message] of cases) {
      const response = await uploadFile(caseworker, testApp.app, url, file, fields);
      expect(response.statusCode, message).toBe(400);
      expect(response.body, message).toContain(message);
    }
    const noFile = await uploadFile(
      caseworker,
      testApp.app,
      url,
      { field: 'document', filename: '', data: Buffer.alloc(0) },
      good,
    );
    expect(noFile.statusCode).toBe(400);
    expect(noFile.body).toContain('Select a file');
    expect(noFile.body).toContain('value="Speech therapy report"');
    const documents = await db()
      .selectFrom('case_document')
      .select('id')
      .where('case_id', '=', caseId)
      .where('added_by', '=', await userIdOf(testApp, demoEmail('caseworker')))
      .execute();
    expect(documents).toEqual([]);
  });
});
