import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Browser,
  buildTestApp,
  lastEmailedCode,
  lastQueuedTo,
  queuedEmails,
  signInAs,
  uploadFile,
  userIdOf,
  type TestApp,
} from '../../../test/helpers.ts';
import { submitRequest, deleteExpiredDrafts, startDraft } from './service.ts';
import { demoEmail } from '../../../test/helpers.ts';

const BASE = '/request-an-assessment';

/** A small real PDF. */
const PDF = Buffer.from(
  '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n',
);

let testApp: TestApp;

beforeAll(async () => {
  testApp = await buildTestApp();
});

afterAll(async () => {
  await testApp?.close();
});

const PARENT_ANSWERS: [string, Record<string, string>][] = [
  ['child-name', { childFirstName: 'Robin', childLastName: 'Testcase' }],
  [
    'date-of-birth',
    { 'childDateOfBirth-day': '4', 'childDateOfBirth-month': '6', 'childDateOfBirth-year': '2017' },
  ],
  [
    'address',
    { addressLine1: '1 Example Street', addressTown: 'Exampletown', addressPostcode: 'ex1 1aa' },
  ],
  ['about-the-child', { upn: '', languages: 'English', inCare: 'no' }],
  [
    'parents',
    { parentName: 'Sam Testcase', parentRelationship: 'Mother', parentResponsibility: 'yes' },
  ],
  ['education', { settingStatus: 'in-setting', settingName: 'Oakfield Primary School' }],
  [
    'needs',
    {
      needs: 'Reading and writing.\nMaking friends.',
      supportSoFar: 'Small group reading twice a week.',
    },
  ],
  ['childs-views', { childViews: 'I like drawing.' }],
  ['family-views', { familyViews: 'We hope Robin can enjoy school.' }],
  ['professionals', { professionals: 'Speech and language therapist' }],
  ['consent', { shareConsent: 'yes' }],
  ['contact', { contactEmail: 'Sam.Parent@example.com', contactBy: 'email' }],
];

/** Starts a request and answers the pages up to (not including) `stopAt`. */
async function startRequest(
  browser: Browser,
  who = 'parent',
  answers = PARENT_ANSWERS,
  stopAt?: string,
) {
  await browser.get(BASE);
  let response = await browser.post(`${BASE}/start`);
  expect(response.statusCode).toBe(303);
  const location = String(response.headers.location);
  // Two LAs take requests in the demo data: the first question is which council.
  expect(location).toBe(`${BASE}/council`);
  await browser.get(location);
  const council = /name="localAuthorityId" type="radio" value="([^"]+)"/.exec(
    (await browser.get(`${BASE}/council`)).body,
  )![1]!;
  response = await browser.post(`${BASE}/council`, { localAuthorityId: council });
  expect(response.headers.location).toBe(`${BASE}/who-is-asking`);
  await browser.get(`${BASE}/who-is-asking`);
  response = await browser.post(`${BASE}/who-is-asking`, { requesterKind: who });
  for (const [slug, form] of answers) {
    if (slug === stopAt) break;
    expect(response.headers.location).toBe(`${BASE}/${slug}`);
    const page = await browser.get(`${BASE}/${slug}`);
    expect(page.statusCode).toBe(200);
    response = await browser.post(`${BASE}/${slug}`, form);
    expect(response.statusCode, `${slug}: ${response.body.slice(0, 300)}`).toBe(303);
  }
  return { response, council };
}

describe('the request journey', () => {
  it('takes a parent with no account from the start page to a reference and an email', async () => {
    const parent = new Browser(testApp.app);
    const start = await parent.get(BASE);
    expect(start.statusCode).toBe(200);
    expect(start.body).toContain('6 weeks');
    expect(start.body).toContain('SENDIASS');
    const { response } = await startRequest(parent);
    expect(response.headers.location).toBe(`${BASE}/evidence`);

    await parent.get(`${BASE}/evidence`);
    const uploaded = await uploadFile(parent, testApp.app, `${BASE}/evidence`, {
      field: 'evidence',
      filename: 'school report.pdf',
      data: PDF,
      contentType: 'application/pdf',
    });
    expect(uploaded.statusCode).toBe(303);
    const evidence = await parent.get(`${BASE}/evidence`);
    expect(evidence.body).toContain('school report.pdf');

    const check = await parent.get(`${BASE}/check-answers`);
    expect(check.statusCode).toBe(200);
    expect(check.body).toContain('Robin Testcase');
    expect(check.body).toContain('4 June 2017');
    expect(check.body).toContain('EX1 1AA');
    expect(check.body).toContain(`${BASE}/child-name?change=1`);

    const sent = await parent.post(`${BASE}/check-answers`);
    expect(sent.headers.location).toBe(`${BASE}/confirmation`);
    const confirmation = await parent.get(`${BASE}/confirmation`);
    const reference = /<strong>(R999-\d{4}-\d{5})<\/strong>/.exec(confirmation.body)?.[1];
    expect(reference).toBeTruthy();

    const email = await lastQueuedTo(testApp, 'sam.parent@example.com');
    expect(email?.kind).toBe('request-received');
    expect(email?.text).toContain(reference!);
    // No child's details in the email.
    expect(email?.text).not.toContain('Robin');
    expect(email?.text).not.toContain('Testcase');

    // The draft is gone from this browser: the journey cannot be sent twice.
    expect((await parent.post(`${BASE}/check-answers`)).headers.location).toBe(`${BASE}?expired=1`);

    // The LA sees it at once.
    const caseworker = await signInAs(testApp, 'caseworker');
    const tray = await caseworker.get('/requests');
    expect(tray.statusCode).toBe(200);
    expect(tray.body).toContain(reference!);
    expect(tray.body).toContain('Robin Testcase');
    const seen = await testApp.database.db
      .selectFrom('audit_event')
      .select('details')
      .where('action', '=', 'saw new requests in a list')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect((seen.details as { requestIds: string[] }).requestIds).toHaveLength(
      [...tray.body.matchAll(/href="\/requests\/[0-9a-f-]{36}"/g)].length,
    );
    const requestId = new RegExp(`/requests/([0-9a-f-]{36})">${reference}`).exec(tray.body)![1]!;
    const view = await caseworker.get(`/requests/${requestId}`);
    expect(view.statusCode).toBe(200);
    expect(view.body).toContain('We hope Robin can enjoy school.');
    const documentId = /\/documents\/([0-9a-f-]{36})"/.exec(view.body)![1]!;
    const download = await caseworker.get(`/requests/${requestId}/documents/${documentId}`);
    expect(download.statusCode).toBe(200);
    expect(download.headers['content-disposition']).toMatch(
      /^attachment; filename="school report.pdf"/,
    );
    expect(download.headers['content-type']).toBe('application/pdf');
    expect(download.headers['x-content-type-options']).toBe('nosniff');
    expect(download.rawPayload.equals(PDF)).toBe(true);

    // A caseworker makes it a case; the family is invited and can then see it.
    const officerId = await userIdOf(testApp, demoEmail('caseworker'));
    const opened = await caseworker.post(`/requests/${requestId}/open-case`, { officerId });
    expect(opened.statusCode).toBe(303);
    const caseUrl = String(opened.headers.location);
    expect(caseUrl).toMatch(/^\/cases\/[0-9a-f-]{36}$/);
    const casePage = await caseworker.get(caseUrl);
    expect(casePage.body).toContain(reference!.slice(1));
    expect(casePage.body).toContain('reg 4(2)');
    // The school the parent named takes part, so its SENCOs see the case.
    expect(casePage.body).toContain('Oakfield Primary School');
    const senco = await signInAs(testApp, 'senco');
    expect((await senco.get(caseUrl)).statusCode).toBe(200);
    expect((await caseworker.get('/requests')).body).not.toContain(reference!);
    // The evidence is on the case as a document: the family agreed to share, so the school
    // sees it and can download it.
    const documents = await senco.get(`${caseUrl}/documents`);
    expect(documents.body).toContain('school report.pdf');
    const caseDocumentId = /documents\/([0-9a-f-]{36})"/.exec(documents.body)![1]!;
    const fromCase = await senco.get(`${caseUrl}/documents/${caseDocumentId}/download`);
    expect(fromCase.statusCode).toBe(200);
    expect(fromCase.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');

    const invitation = await lastQueuedTo(testApp, 'sam.parent@example.com');
    expect(invitation?.kind).toBe('invitation');
    const link = /\/register\/([A-Za-z0-9_-]{43})/.exec(invitation!.text)![0];
    const family = new Browser(testApp.app);
    await family.get(link);
    const registered = await family.post(link, {
      displayName: 'Sam Testcase',
      password: 'a long enough passphrase 42',
      confirmPassword: 'a long enough passphrase 42',
    });
    expect(registered.headers.location).toBe('/set-up-second-factor');
    await family.get('/set-up-second-factor');
    await family.post('/set-up-second-factor', { method: 'email' });
    await family.get('/set-up-second-factor/email');
    const code = await lastEmailedCode(testApp, 'sam.parent@example.com');
    await family.post('/set-up-second-factor/email', { code });
    await family.get('/set-up-second-factor/recovery-codes');
    await family.post('/set-up-second-factor/recovery-codes');
    const theirCases = await family.get('/your-cases');
    expect(theirCases.statusCode).toBe(200);
    expect(theirCases.body).toContain(reference!.slice(1));
    expect((await family.get(caseUrl)).statusCode).toBe(200);
  });

  it('asks a school, and a young person, the questions that fit them', async () => {
    const school = new Browser(testApp.app);
    await startRequest(school, 'setting', PARENT_ANSWERS, 'consent');
    const consent = await school.get(`${BASE}/consent`);
    expect(consent.body).toContain('Do the parents or the young person know about this request?');
    const refused = await school.post(`${BASE}/consent`, { shareConsent: 'yes' });
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain('Select whether the parents or young person know');
    await school.post(`${BASE}/consent`, { shareConsent: 'yes', parentAware: 'yes-agrees' });
    const contact = await school.get(`${BASE}/contact`);
    expect(contact.body).toContain('Your job title and organisation');

    const youngPerson = new Browser(testApp.app);
    const { response } = await startRequest(
      youngPerson,
      'young_person',
      PARENT_ANSWERS.filter(([slug]) => slug !== 'parents' && slug !== 'family-views').map(
        ([slug, form]) =>
          slug === 'date-of-birth'
            ? [
                slug,
                {
                  'childDateOfBirth-day': '1',
                  'childDateOfBirth-month': '1',
                  'childDateOfBirth-year': '2008',
                },
              ]
            : [slug, form],
      ),
    );
    expect(response.headers.location).toBe(`${BASE}/evidence`);
  });
});

describe('the request journey’s checks', () => {
  it('checks every answer on the server, keeps what was typed, and explains', async () => {
    const browser = new Browser(testApp.app);
    await startRequest(browser, 'parent', PARENT_ANSWERS, 'child-name');
    const cases: [string, Record<string, string>, string][] = [
      ['child-name', { childFirstName: '', childLastName: 'Kept' }, 'Enter the first name'],
      [
        'child-name',
        { childFirstName: 'x'.repeat(101), childLastName: 'Kept' },
        'First name must be 100 characters or fewer',
      ],
    ];
    for (const [slug, form, message] of cases) {
      const response = await browser.post(`${BASE}/${slug}`, form);
      expect(response.statusCode).toBe(400);
      expect(response.body).toContain(message);
      expect(response.body).toContain('There is a problem');
      expect(response.body).toContain('value="Kept"');
    }
    await browser.post(`${BASE}/child-name`, { childFirstName: 'Alex', childLastName: 'Kept' });
    const nextYear = new Date().getFullYear() + 1;
    const dates: [Record<string, string>, string][] = [
      [{}, 'Enter the date of birth'],
      [{ day: '31', month: '2', year: '2015' }, 'Date of birth must be a real date'],
      [
        { day: '1', month: '1', year: String(nextYear) },
        'Date of birth must be today or in the past',
      ],
      [{ day: '1', month: '1', year: '1990' }, 'up to the age of 25'],
    ];
    for (const [parts, message] of dates) {
      const form = Object.fromEntries(
        Object.entries(parts).map(([k, v]) => [`childDateOfBirth-${k}`, v]),
      );
      const response = await browser.post(`${BASE}/date-of-birth`, form);
      expect(response.statusCode).toBe(400);
      expect(response.body).toContain(message);
      if (parts.day) expect(response.body).toContain(`value="${parts.day}"`);
    }
    await browser.post(`${BASE}/date-of-birth`, {
      'childDateOfBirth-day': '1',
      'childDateOfBirth-month': '1',
      'childDateOfBirth-year': '2016',
    });
    const address = await browser.post(`${BASE}/address`, {
      addressLine1: '1 Street',
      addressTown: 'Town',
      addressPostcode: 'NOT A CODE',
    });
    expect(address.body).toContain('Enter a real postcode');
    expect(address.body).toContain('value="NOT A CODE"');
    await browser.post(`${BASE}/address`, {
      addressLine1: '1 Street',
      addressTown: 'Town',
      addressPostcode: 'SW1A 1AA',
    });
    const upn = await browser.post(`${BASE}/about-the-child`, { upn: '12345', inCare: 'no' });
    expect(upn.body).toContain('Enter a unique pupil number in the right format');
    const inCare = await browser.post(`${BASE}/about-the-child`, { upn: 'A123456789012' });
    expect(inCare.body).toContain('Select whether they are in care');
    await browser.post(`${BASE}/about-the-child`, { upn: 'a123456789012', inCare: 'no' });
    await browser.post(`${BASE}/parents`, {
      parentName: 'P',
      parentRelationship: 'Father',
      parentResponsibility: 'yes',
    });
    const setting = await browser.post(`${BASE}/education`, {
      settingStatus: 'in-setting',
      settingName: '',
    });
    expect(setting.body).toContain('Enter the name or URN of the nursery, school or college');
    const phone = await browser.post(`${BASE}/parents`, {
      parentName: 'P',
      parentRelationship: 'Father',
      parentResponsibility: 'yes',
      parentPhone: 'call me',
    });
    expect(phone.body).toContain('Enter a phone number');
    const contact = await browser.post(`${BASE}/contact`, {
      contactEmail: 'not an email',
      contactBy: 'email',
    });
    expect(contact.statusCode).toBe(400);
    expect(contact.body).toContain('Enter an email address in the correct format');
  });

  it('refuses a young person under 16 asking for themselves, kindly', async () => {
    const browser = new Browser(testApp.app);
    await startRequest(browser, 'young_person', PARENT_ANSWERS, 'date-of-birth');
    const year = new Date().getFullYear() - 10;
    const response = await browser.post(`${BASE}/date-of-birth`, {
      'childDateOfBirth-day': '1',
      'childDateOfBirth-month': '1',
      'childDateOfBirth-year': String(year),
    });
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('You can ask for yourself from the age of 16');
  });

  it('sends a page without a request in progress back to the start', async () => {
    const stranger = new Browser(testApp.app);
    const response = await stranger.get(`${BASE}/child-name`);
    expect(response.headers.location).toBe(`${BASE}?expired=1`);
    expect((await stranger.get(`${BASE}/no-such-page`)).statusCode).toBe(404);
  });
});

const REQUIRED: Record<string, Record<string, string[]>> = {
  parent: {
    'child-name': ['Enter the first name', 'Enter the last name'],
    'date-of-birth': ['Enter the date of birth'],
    address: [
      'Enter address line 1, typically the building and street',
      'Enter town or city',
      'Enter postcode',
    ],
    'about-the-child': ['Select whether they are in care'],
    parents: [
      'Enter the full name',
      'Enter the relationship to the child',
      'Select whether they have parental responsibility',
    ],
    education: ['Select where they learn now'],
    needs: ['Enter what they find hard', 'Enter the help they have had so far, or “none”'],
    'family-views': ['Enter your views and hopes'],
    consent: ['Select whether the council can share this request'],
    contact: ['Enter your email address', 'Select how you would like to be contacted'],
  },
  setting: {
    consent: [
      'Select whether the council can share this request',
      'Select whether the parents or young person know',
    ],
    contact: [
      'Enter your full name',
      'Enter your job title and organisation',
      'Enter your email address',
      'Select how you would like to be contacted',
    ],
  },
};

const TOO_LONG: [string, Record<string, string>, string][] = [
  ['address', { addressLine1: 'x'.repeat(201) }, 'Address line 1 must be 200 characters or fewer'],
  ['about-the-child', { languages: 'x'.repeat(201) }, 'Languages must be 200 characters or fewer'],
  [
    'parents',
    { otherParents: 'x'.repeat(1001) },
    'Other parents or carers must be 1,000 characters or fewer',
  ],
  [
    'education',
    { settingStatus: 'in-setting', settingName: 'x'.repeat(201) },
    'Name must be 200 characters or fewer',
  ],
  ['needs', { needs: 'x'.repeat(5001) }, 'What they find hard must be 5,000 characters or fewer'],
  [
    'childs-views',
    { childViews: 'x'.repeat(5001) },
    'Their views must be 5,000 characters or fewer',
  ],
  [
    'family-views',
    { familyViews: 'x'.repeat(5001) },
    'Your views and hopes must be 5,000 characters or fewer',
  ],
  [
    'professionals',
    { professionals: 'x'.repeat(2001) },
    'Professionals involved must be 2,000 characters or fewer',
  ],
  [
    'contact',
    { accessNeeds: 'x'.repeat(1001), contactEmail: `${'x'.repeat(250)}@example.com` },
    'Email address must be 254 characters or fewer',
  ],
];

describe('every rule of every page', () => {
  for (const who of ['parent', 'setting']) {
    it(`names each missing answer, asked as a ${who}`, async () => {
      const browser = new Browser(testApp.app);
      await startRequest(browser, who, PARENT_ANSWERS, 'child-name');
      const expected = { ...REQUIRED.parent, ...REQUIRED[who] };
      for (const [slug, form] of PARENT_ANSWERS) {
        if (who === 'setting' && slug === 'family-views') {
          // Optional when a setting asks.
          expect((await browser.post(`${BASE}/${slug}`, {})).statusCode).toBe(303);
          continue;
        }
        await browser.get(`${BASE}/${slug}`);
        const empty = await browser.post(`${BASE}/${slug}`, {});
        for (const message of expected[slug] ?? []) {
          expect(empty.statusCode, slug).toBe(400);
          expect(empty.body, `${slug}: ${message}`).toContain(message);
        }
        if (!expected[slug]) expect(empty.statusCode, slug).toBe(303);
        const extra: Record<string, string> =
          who === 'setting' && slug === 'consent'
            ? { parentAware: 'yes-agrees' }
            : who === 'setting' && slug === 'contact'
              ? { requesterName: 'S Enco', requesterRole: 'SENCO, Oakfield' }
              : {};
        expect((await browser.post(`${BASE}/${slug}`, { ...form, ...extra })).statusCode).toBe(303);
      }
    });
  }

  it('says when an answer is too long', async () => {
    const browser = new Browser(testApp.app);
    await startRequest(browser);
    for (const [slug, form, message] of TOO_LONG) {
      await browser.get(`${BASE}/${slug}`);
      const response = await browser.post(`${BASE}/${slug}?change=1`, form);
      expect(response.statusCode, slug).toBe(400);
      expect(response.body, slug).toContain(message);
    }
  });
});

describe('evidence uploads', () => {
  it('checks each file by its content, size and count', async () => {
    const browser = new Browser(testApp.app);
    await startRequest(browser);
    await browser.get(`${BASE}/evidence`);
    const executable = Buffer.alloc(512);
    executable.write('MZ', 0);
    executable.writeUInt32LE(0x80, 0x3c);
    executable.write('PE\0\0', 0x80, 'latin1');
    const cases: [string, Buffer, string][] = [
      ['report.pdf', executable, 'The selected file must be a PDF, Word document (.docx)'],
      ['empty.pdf', Buffer.alloc(0), 'The selected file is empty'],
      [
        'page.pdf',
        Buffer.from('<html><script>alert(1)</script></html>'),
        'The selected file must be a PDF',
      ],
    ];
    for (const [filename, data, message] of cases) {
      const response = await uploadFile(browser, testApp.app, `${BASE}/evidence`, {
        field: 'evidence',
        filename,
        data,
      });
      expect(response.statusCode, filename).toBe(400);
      expect(response.body).toContain(message);
    }
    const big = Buffer.alloc(21 * 1024 * 1024, 0x20);
    PDF.copy(big);
    const tooBig = await uploadFile(browser, testApp.app, `${BASE}/evidence`, {
      field: 'evidence',
      filename: 'big.pdf',
      data: big,
    });
    expect(tooBig.statusCode).toBe(400);
    expect(tooBig.body).toContain('The selected file must be smaller than 20 MB');
    const none = await browser.post(`${BASE}/evidence`, {});
    expect(none.statusCode).toBeGreaterThanOrEqual(400);

    const ok = await uploadFile(browser, testApp.app, `${BASE}/evidence`, {
      field: 'evidence',
      filename: '..\\..\\<notes>.pdf',
      data: PDF,
    });
    expect(ok.statusCode).toBe(303);
    const page = await browser.get(`${BASE}/evidence`);
    expect(page.body).not.toContain('&lt;notes');
    expect(page.body).toContain('notes.pdf');
    const documentId = /evidence\/([0-9a-f-]{36})\/remove/.exec(page.body)![1]!;
    const removed = await browser.post(`${BASE}/evidence/${documentId}/remove`);
    expect(removed.statusCode).toBe(303);
    expect((await browser.get(`${BASE}/evidence`)).body).not.toContain('/remove');
    const uploadWithoutCsrf = await uploadFile(
      Object.assign(new Browser(testApp.app), { cookies: browser.cookies }),
      testApp.app,
      `${BASE}/evidence`,
      { field: 'evidence', filename: 'a.pdf', data: PDF },
    );
    expect(uploadWithoutCsrf.statusCode).toBe(403);
  });
});

describe('saving and coming back', () => {
  it('emails a link that resumes the request on another device', async () => {
    const browser = new Browser(testApp.app);
    await startRequest(browser, 'parent', PARENT_ANSWERS, 'address');
    await browser.get(`${BASE}/save`);
    const bad = await browser.post(`${BASE}/save`, { email: 'nope' });
    expect(bad.statusCode).toBe(400);
    const saved = await browser.post(`${BASE}/save`, { email: 'Later@Example.com' });
    expect(saved.statusCode).toBe(200);
    expect(saved.body).toContain('Check your email');
    const email = await lastQueuedTo(testApp, 'later@example.com');
    expect(email?.kind).toBe('request-resume');
    const link = /\/request-an-assessment\/resume\/[A-Za-z0-9_-]{43}/.exec(email!.text)![0];
    const elsewhere = new Browser(testApp.app);
    const resumed = await elsewhere.get(link);
    expect(resumed.headers.location).toBe(`${BASE}/address`);
    const page = await elsewhere.get(`${BASE}/address`);
    expect(page.statusCode).toBe(200);
    expect(
      (await new Browser(testApp.app).get(`${BASE}/resume/${'x'.repeat(43)}`)).statusCode,
    ).toBe(404);
  });

  it('deletes requests not sent within 28 days, with their files', async () => {
    const id = await startDraft(testApp.database.db, null);
    const deleted = await deleteExpiredDrafts(
      testApp.database.db,
      testApp.services.storage,
      new Date(Date.now() + 29 * 24 * 60 * 60_000),
    );
    expect(deleted).toBeGreaterThanOrEqual(1);
    const row = await testApp.database.db
      .selectFrom('assessment_request')
      .select('id')
      .where('id', '=', id)
      .executeTakeFirst();
    expect(row).toBeUndefined();
  });
});

describe('the clock on a request', () => {
  it('counts a request sent after 17:00 from the next working day', async () => {
    const browser = new Browser(testApp.app);
    await startRequest(browser);
    const draftId = (
      await testApp.database.db
        .selectFrom('assessment_request')
        .select('id')
        .where('status', '=', 'draft')
        .where(({ eb }) =>
          eb('answers', '@>', JSON.stringify({ contactEmail: 'sam.parent@example.com' }) as never),
        )
        .orderBy('created_at', 'desc')
        .executeTakeFirstOrThrow()
    ).id;
    // Friday 6 November 2026, 17:30 in London (GMT): counts from Monday 9 November.
    const outcome = await submitRequest(
      testApp.database.db,
      testApp.services.notifier,
      draftId,
      { actorUserId: null, correlationId: 'test', ipAddress: null, actor: null },
      new Date('2026-11-06T17:30:00Z'),
    );
    expect(outcome.outcome).toBe('submitted');
    const row = await testApp.database.db
      .selectFrom('assessment_request')
      .select(['received_on'])
      .where('id', '=', draftId)
      .executeTakeFirstOrThrow();
    expect(row.received_on).toBe('2026-11-09');
    if (outcome.outcome === 'submitted') expect(outcome.decisionDueOn).toBe('2026-12-21');
  });
});

describe('who sees requests', () => {
  it('shows the intake to the LA’s staff only', async () => {
    expect((await new Browser(testApp.app).get('/requests')).headers.location).toBe('/sign-in');
    const parent = await signInAs(testApp, 'parent');
    expect((await parent.get('/requests')).statusCode).toBe(403);
    const all = await queuedEmails(testApp);
    expect(all.length).toBeGreaterThan(0);
  });
});

describe('requests by email and letter', () => {
  it('records one with the day it came, checks the form, and adds scans', async () => {
    const caseworker = await signInAs(testApp, 'caseworker');
    const form = await caseworker.get('/requests/new');
    expect(form.statusCode).toBe(200);
    const nextYear = String(new Date().getFullYear() + 1);
    const bad = await caseworker.post('/requests/new', {
      channel: 'post',
      'receivedOn-day': '1',
      'receivedOn-month': '1',
      'receivedOn-year': nextYear,
      requesterKind: 'parent',
      childFirstName: 'Kept',
      childLastName: '',
      notes: '',
    });
    expect(bad.statusCode).toBe(400);
    for (const message of [
      'The date received must be today or in the past',
      'Enter the child’s last name',
      'Enter the date of birth',
      'Enter a summary of the request',
    ]) {
      expect(bad.body).toContain(message);
    }
    expect(bad.body).toContain('value="Kept"');
    // Monday 2 November 2026, by post.
    const recorded = await caseworker.post('/requests/new', {
      channel: 'post',
      'receivedOn-day': '2',
      'receivedOn-month': '11',
      'receivedOn-year': '2026',
      requesterKind: 'parent',
      childFirstName: 'Posty',
      childLastName: 'Letterman',
      'childDateOfBirth-day': '3',
      'childDateOfBirth-month': '3',
      'childDateOfBirth-year': '2019',
      contactEmail: '',
      notes: 'Letter from the mother asking for an assessment.',
    });
    expect(recorded.statusCode).toBe(303);
    const requestUrl = String(recorded.headers.location);
    const page = await caseworker.get(requestUrl);
    expect(page.body).toContain('Recorded from a letter');
    expect(page.body).toContain('2 November 2026');
    // The decision is due 6 weeks after the day it came: 14 December.
    expect(page.body).toContain('14 December 2026');
    const scan = await uploadFile(caseworker, testApp.app, `${requestUrl}/documents`, {
      field: 'document',
      filename: 'letter scan.pdf',
      data: PDF,
    });
    expect(scan.statusCode).toBe(303);
    expect((await caseworker.get(requestUrl)).body).toContain('letter scan.pdf');
    const wrong = await uploadFile(caseworker, testApp.app, `${requestUrl}/documents`, {
      field: 'document',
      filename: 'virus.pdf',
      data: Buffer.from('MZ this is not a pdf'),
    });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.body).toContain('The selected file must be a PDF');
    const audit = await testApp.database.db
      .selectFrom('audit_event')
      .select('action')
      .where('subject_id', '=', requestUrl.split('/').at(-1)!)
      .execute();
    expect(audit.map((a) => a.action)).toEqual(
      expect.arrayContaining([
        'recorded a request received by post',
        'added a document to a request',
      ]),
    );
    // Nobody outside the LA's staff can see it.
    const otherLa = await signInAs(testApp, 'parent');
    expect((await otherLa.get(requestUrl)).statusCode).toBe(403);
  });

  it('adds a request to the case that already exists for the child', async () => {
    const caseworker = await signInAs(testApp, 'caseworker');
    const existing = await testApp.database.db
      .selectFrom('case')
      .innerJoin('local_authority', 'local_authority.id', 'case.local_authority_id')
      .select([
        'case.id',
        'case.reference',
        'case.child_first_name',
        'case.child_last_name',
        'case.child_date_of_birth',
      ])
      .where('local_authority.code', '=', '999')
      .orderBy('case.reference')
      .executeTakeFirstOrThrow();
    const [year, month, day] = existing.child_date_of_birth.split('-');
    await caseworker.get('/requests/new');
    const recorded = await caseworker.post('/requests/new', {
      channel: 'email',
      'receivedOn-day': '2',
      'receivedOn-month': '11',
      'receivedOn-year': '2026',
      requesterKind: 'setting',
      childFirstName: existing.child_first_name,
      childLastName: existing.child_last_name.toUpperCase(),
      'childDateOfBirth-day': day!,
      'childDateOfBirth-month': month!,
      'childDateOfBirth-year': year!,
      notes: 'The school asks too.',
    });
    const requestUrl = String(recorded.headers.location);
    const page = await caseworker.get(requestUrl);
    expect(page.body).toContain('There may already be a case for this child');
    expect((await caseworker.get('/requests')).body).toContain(`case ${existing.reference}`);
    const none = await caseworker.post(`${requestUrl}/attach`, {});
    expect(none.statusCode).toBe(400);
    expect(none.body).toContain('Choose the case to add this request to');
    const attached = await caseworker.post(`${requestUrl}/attach`, { caseId: existing.id });
    expect(attached.headers.location).toBe(`/cases/${existing.id}`);
    const casePage = await caseworker.get(`/cases/${existing.id}`);
    expect(casePage.body).toContain('added to this case');
    expect(casePage.body).toContain(requestUrl);
    const again = await caseworker.post(`${requestUrl}/attach`, { caseId: existing.id });
    expect(again.headers.location).toBe(requestUrl);
  });
});

describe('settings and professionals', () => {
  it('fills in what Pathway knows of a signed-in SENCO and their school', async () => {
    const senco = await signInAs(testApp, 'senco');
    expect((await senco.get('/your-cases')).body).toContain('/request-an-assessment');
    const start = await senco.get(BASE);
    expect(start.body).toContain('You are signed in as a member of Oakfield Primary School');
    await senco.post(`${BASE}/start`);
    await senco.get(`${BASE}/council`);
    const council = /name="localAuthorityId" type="radio" value="([^"]+)"/.exec(
      (await senco.get(`${BASE}/council`)).body,
    )![1]!;
    await senco.post(`${BASE}/council`, { localAuthorityId: council });
    const who = await senco.get(`${BASE}/who-is-asking`);
    expect(who.body).toMatch(/value="setting" checked/);
    const education = await senco.get(`${BASE}/education`);
    expect(education.body).toContain('value="Oakfield Primary School"');
  });

  it('offers the settings that match what was typed, or keeps the words', async () => {
    const browser = new Browser(testApp.app);
    await startRequest(browser, 'parent', PARENT_ANSWERS, 'education');
    const byUrn = await browser.post(`${BASE}/education`, {
      settingStatus: 'in-setting',
      settingName: '999002',
    });
    expect(byUrn.headers.location).toBe(`${BASE}/needs`);
    const partial = await browser.post(`${BASE}/education`, {
      settingStatus: 'in-setting',
      settingName: 'a',
    });
    expect(partial.headers.location).toBe(`${BASE}/needs`);
    const several = await browser.post(`${BASE}/education`, {
      settingStatus: 'in-setting',
      settingName: 'demo',
    });
    // No setting's name contains "demo": the words are kept as typed.
    expect(several.headers.location).toBe(`${BASE}/needs`);
    // One school's name contains "oak", but it is not the whole name: it is offered.
    const oak = await browser.post(`${BASE}/education`, {
      settingStatus: 'in-setting',
      settingName: 'oak',
    });
    expect(oak.headers.location).toBe(`${BASE}/education/choose`);
    const school = await browser.post(`${BASE}/education`, {
      settingStatus: 'in-setting',
      settingName: 'School',
    });
    expect(school.headers.location).toBe(`${BASE}/education/choose`);
    const page = await browser.get(`${BASE}/education/choose`);
    expect(page.body).toContain('Oakfield Primary School');
    expect(page.body).toContain('URN 999001');
    const none = await browser.post(`${BASE}/education/choose`, {});
    expect(none.statusCode).toBe(400);
    expect(none.body).toContain('Select the nursery, school or college, or keep what you typed');
    const kept = await browser.post(`${BASE}/education/choose`, { setting: 'typed' });
    expect(kept.headers.location).toBe(`${BASE}/needs`);
    await browser.post(`${BASE}/education`, { settingStatus: 'in-setting', settingName: 'oak' });
    const chosen = await browser.post(`${BASE}/education/choose`, {
      setting: /name="setting" type="radio" value="([0-9a-f-]{36})"/.exec(
        (await browser.get(`${BASE}/education/choose`)).body,
      )![1]!,
    });
    expect(chosen.headers.location).toBe(`${BASE}/needs`);
    expect((await browser.get(`${BASE}/education`)).body).toContain(
      'value="Oakfield Primary School"',
    );
  });
});

// Last: it uses up this test app's per-address limits.
describe('flooding', () => {
  it('sends at most three links an hour to one address, and limits each address', async () => {
    const browser = new Browser(testApp.app);
    await startRequest(browser, 'parent', PARENT_ANSWERS, 'address');
    for (let i = 0; i < 3; i++) {
      await browser.get(`${BASE}/save`);
      expect((await browser.post(`${BASE}/save`, { email: 'flood@example.com' })).statusCode).toBe(
        200,
      );
    }
    await browser.get(`${BASE}/save`);
    const refused = await browser.post(`${BASE}/save`, { email: 'flood@example.com' });
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain('already sent several links');
    expect((await queuedEmails(testApp, 'flood@example.com')).length).toBe(3);

    // Sending is limited per address, for people who are not signed in.
    const sender = new Browser(testApp.app);
    const { council } = await startRequest(
      sender,
      'parent',
      PARENT_ANSWERS.map(([slug, form]) =>
        slug === 'contact'
          ? [slug, { contactEmail: 'busy@example.com', contactBy: 'email' }]
          : [slug, form],
      ),
    );
    for (let i = 0; i < 10; i++) {
      await testApp.database.db
        .insertInto('assessment_request')
        .values({
          local_authority_id: council,
          status: 'submitted',
          requester_kind: 'parent',
          answers: '{}',
          reference: `TEST-${i}`,
          contact_email: 'busy@example.com',
          received_at: new Date(),
          received_on: '2026-11-23',
        })
        .execute();
    }
    await sender.get(`${BASE}/check-answers`);
    const refusedSend = await sender.post(`${BASE}/check-answers`);
    expect(refusedSend.statusCode).toBe(429);
    expect(refusedSend.body).toContain('already had 10 requests from this email address today');
    expect(refusedSend.body).toContain('Robin Testcase');

    // Starting requests is limited per IP address.
    const bot = new Browser(testApp.app);
    await bot.get(BASE);
    const statuses: number[] = [];
    for (let i = 0; i < 35; i++) {
      const response = await bot.post(`${BASE}/start`);
      statuses.push(response.statusCode);
      bot.cookies.clear();
      await bot.get(BASE);
    }
    expect(statuses).toContain(429);
  });
});
