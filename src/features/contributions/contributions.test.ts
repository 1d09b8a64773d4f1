import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildTestApp,
  demoEmail,
  queuedEmails,
  signInAs,
  uploadFile,
  userIdOf,
  type TestApp,
} from '../../../test/helpers.ts';
import { contributionsOfCase } from './service.ts';

/** A 1×1 PNG. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

const FAMILY_ANSWERS = {
  likeAndAdmire: 'Kind, funny and <script>alert("brave")</script> at the dentist',
  mattersNow: 'Her brother, swimming on Saturdays and a quiet bedroom',
  hopes: 'To go to the same secondary school as her friends',
  bestSupport: 'Tell her what is happening next, and give her time to answer',
};

let testApp: TestApp;
/** Demoshire's first case: the parent and Oakfield Primary School, waiting for a decision. */
let familyCase: string;
/** A Demoshire case at assessment: the parent, the school, two advisers, the caseworker. */
let assessmentCase: string;
/** A Demoshire case at the draft plan, with the young person. */
let youngPersonCase: string;

async function caseOf(reference: string) {
  const row = await testApp.database.db
    .selectFrom('case')
    .select(['id', 'child_first_name', 'child_last_name'])
    .where('reference', 'like', reference)
    .executeTakeFirstOrThrow();
  return row;
}

async function setStage(caseId: string, stage: string) {
  await testApp.database.db.updateTable('case').set({ stage }).where('id', '=', caseId).execute();
}

async function contribution(caseId: string, kind: 'family_views' | 'child_views') {
  return testApp.database.db
    .selectFrom('family_contribution')
    .selectAll()
    .where('case_id', '=', caseId)
    .where('kind', '=', kind)
    .executeTakeFirst();
}

beforeAll(async () => {
  testApp = await buildTestApp();
  familyCase = (await caseOf('DEM-%-0001')).id;
  assessmentCase = (await caseOf('DEM-%-0005')).id;
  youngPersonCase = (await caseOf('DEM-%-0010')).id;
  // The first case has no officer yet; give it the demo caseworker, to be told of the views.
  await testApp.database.db
    .updateTable('case')
    .set({ assigned_officer_id: await userIdOf(testApp, demoEmail('caseworker')) })
    .where('id', '=', familyCase)
    .execute();
});

afterAll(async () => {
  await testApp?.close();
});

describe('the your-views hub', () => {
  it('explains each contribution, how it is used and where it stands, to a parent', async () => {
    const parent = await signInAs(testApp, 'parent');
    const hub = await parent.get(`/cases/${familyCase}/your-views`);
    expect(hub.statusCode).toBe(200);
    expect(hub.body).toContain('Your views and your child’s views');
    for (const label of ['Your family’s views', 'Your child’s views', 'One-page profile']) {
      expect(hub.body).toContain(label);
    }
    expect(hub.body).toContain('section A of the education, health and care (EHC) plan');
    expect(hub.body).toContain('only the council and your family');
    expect(hub.body.match(/Not started/g)).toHaveLength(3);
    expect(hub.body).toContain(`href="/cases/${familyCase}/your-views/child-views"`);
  });

  it('speaks to a young person about their own views', async () => {
    await setStage(youngPersonCase, 'assessment');
    try {
      const youngPerson = await signInAs(testApp, 'youngPerson');
      const hub = await youngPerson.get(`/cases/${youngPersonCase}/your-views`);
      expect(hub.statusCode).toBe(200);
      expect(hub.body).toContain('<h1 class="govuk-heading-l">Your views</h1>');
      expect(hub.body).not.toMatch(/your child/i);
      const page = await youngPerson.get(`/cases/${youngPersonCase}/your-views/child-views`);
      expect(page.body).toContain('What do you like, and what are you good at?');
      expect(page.body).not.toMatch(/your child/i);
    } finally {
      await setStage(youngPersonCase, 'draft_plan');
    }
  });
});

describe('writing the family’s views', () => {
  it('answers 404 for a kind of views that does not exist', async () => {
    const parent = await signInAs(testApp, 'parent');
    expect((await parent.get(`/cases/${familyCase}/your-views/school-views`)).statusCode).toBe(404);
    await parent.get(`/cases/${familyCase}/your-views`);
    const post = await parent.post(`/cases/${familyCase}/your-views/school-views`, {
      action: 'save',
    });
    expect(post.statusCode).toBe(404);
  });

  it('saves a draft with only the length limits, and shows it again', async () => {
    const parent = await signInAs(testApp, 'parent');
    const page = await parent.get(`/cases/${familyCase}/your-views/family-views`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('What do people like and admire about your child?');
    expect(page.body).toContain('govuk-character-count');
    expect(page.body).toContain('data-maxlength="5000"');
    const saved = await parent.post(`/cases/${familyCase}/your-views/family-views`, {
      action: 'save',
      likeAndAdmire: 'She is kind',
    });
    expect(saved.statusCode).toBe(303);
    expect(saved.headers.location).toBe(`/cases/${familyCase}/your-views`);
    const hub = await parent.get(`/cases/${familyCase}/your-views`);
    expect(hub.body).toContain('Draft saved');
    expect(hub.body).toMatch(/Draft saved on \d{1,2} \w+ \d{4}/);
    const again = await parent.get(`/cases/${familyCase}/your-views/family-views`);
    expect(again.body).toContain('She is kind</textarea>');
    const row = await contribution(familyCase, 'family_views');
    expect(row?.status).toBe('draft');
    expect(row?.submitted_at).toBeNull();
    expect((await contributionsOfCase(testApp.database.db, familyCase))[0]).toMatchObject({
      kind: 'family_views',
      label: 'Your family’s views',
      status: 'draft',
      submittedAt: null,
      documentId: null,
    });
  });

  it('refuses an answer over 5,000 characters, on saving and on sending, keeping what was typed', async () => {
    const parent = await signInAs(testApp, 'parent');
    await parent.get(`/cases/${familyCase}/your-views/family-views`);
    for (const action of ['save', 'submit']) {
      const tooLong = await parent.post(`/cases/${familyCase}/your-views/family-views`, {
        ...FAMILY_ANSWERS,
        action,
        history: 'a'.repeat(5001),
      });
      expect(tooLong.statusCode, action).toBe(400);
      expect(tooLong.body).toContain('There is a problem');
      expect(tooLong.body).toContain('Your child’s story so far must be 5,000 characters or fewer');
      expect(tooLong.body).toContain('href="#history"');
      expect(tooLong.body).toContain('Her brother, swimming on Saturdays');
    }
    const exactly = await parent.post(`/cases/${familyCase}/your-views/family-views`, {
      action: 'save',
      history: 'a'.repeat(5000),
    });
    expect(exactly.statusCode).toBe(303);
  });

  it('needs the required answers and a choice of who can see it only when sending', async () => {
    const parent = await signInAs(testApp, 'parent');
    await parent.get(`/cases/${familyCase}/your-views/family-views`);
    const empty = await parent.post(`/cases/${familyCase}/your-views/family-views`, {
      action: 'submit',
      likeAndAdmire: '   ',
      visibility: 'everyone',
    });
    expect(empty.statusCode).toBe(400);
    for (const message of [
      'Enter what people like and admire about your child',
      'Enter what matters to your child now',
      'Enter your hopes and aspirations for your child’s future',
      'Enter how people can best support your child',
    ]) {
      expect(empty.body).toContain(message);
    }
    // The optional questions are optional.
    expect(empty.body).not.toContain('href="#history"');
    expect(empty.body).not.toContain('href="#anythingElse"');

    for (const visibility of ['la_only', '']) {
      const hidden = await parent.post(`/cases/${familyCase}/your-views/family-views`, {
        ...FAMILY_ANSWERS,
        action: 'submit',
        visibility,
      });
      expect(hidden.statusCode, visibility).toBe(400);
      expect(hidden.body).toContain('Select who can see it once you send it');
    }
    // Saving a draft needs neither.
    const draft = await parent.post(`/cases/${familyCase}/your-views/family-views`, {
      action: 'save',
    });
    expect(draft.statusCode).toBe(303);
    expect(await contribution(familyCase, 'family_views')).toMatchObject({
      status: 'draft',
      document_id: null,
    });
  });

  it('sends the views as a document with the chosen visibility, and tells the officer', async () => {
    const db = testApp.database.db;
    const parent = await signInAs(testApp, 'parent');
    const page = await parent.get(`/cases/${familyCase}/your-views/family-views`);
    expect(page.body).toMatch(/value="everyone"\s+checked/);
    const sent = await parent.post(`/cases/${familyCase}/your-views/family-views`, {
      ...FAMILY_ANSWERS,
      history: 'Born in Demoshire.\r\n\r\nMoved to Oakfield in Year 1.',
      action: 'submit',
      visibility: 'la_and_family',
      expectedSends: '0',
    });
    expect(sent.statusCode).toBe(303);
    const row = await contribution(familyCase, 'family_views');
    expect(row?.status).toBe('submitted');
    expect(row?.submitted_at).toBeInstanceOf(Date);
    const document = await db
      .selectFrom('case_document')
      .selectAll()
      .where('id', '=', row!.document_id!)
      .executeTakeFirstOrThrow();
    expect(document).toMatchObject({
      case_id: familyCase,
      kind: 'views',
      title: 'Family’s views',
      author_name: 'Priya Demo-Parent',
      visibility: 'la_and_family',
      storage_key: null,
    });
    expect(document.body_html).toContain(
      '<h2 class="govuk-heading-s">What people like and admire</h2>',
    );
    expect(document.body_html).toContain('&lt;script&gt;alert(&quot;brave&quot;)&lt;/script&gt;');
    expect(document.body_html).not.toContain('<script>');
    expect(document.body_html).toContain('<p class="govuk-body">Moved to Oakfield in Year 1.</p>');
    expect(document.body_html).not.toContain('Anything else');

    const event = await db
      .selectFrom('case_event')
      .select('summary')
      .where('case_id', '=', familyCase)
      .where('kind', '=', 'views_submitted')
      .executeTakeFirstOrThrow();
    expect(event.summary).toBe('Family’s views sent to the council');
    const audit = await db
      .selectFrom('audit_event')
      .select('details')
      .where('subject_id', '=', familyCase)
      .where('action', '=', 'sent views to the council')
      .executeTakeFirstOrThrow();
    expect(audit.details).toMatchObject({ kind: 'family_views', visibility: 'la_and_family' });

    const caseworkerId = await userIdOf(testApp, demoEmail('caseworker'));
    const notification = await db
      .selectFrom('notification')
      .select(['kind', 'title', 'link'])
      .where('user_id', '=', caseworkerId)
      .where('kind', '=', 'views-received')
      .executeTakeFirstOrThrow();
    expect(notification.link).toBe(`/cases/${familyCase}`);
    const [email] = (await queuedEmails(testApp, demoEmail('caseworker'))).filter(
      (e) => e.kind === 'views-received',
    );
    expect(email?.subject).toMatch(/^DEM-\d{4}-0001: views received from the family$/);
    expect(email?.text).toContain('the family’s views');
    expect(email?.text).toContain(`/cases/${familyCase}`);

    const hub = await parent.get(`/cases/${familyCase}/your-views`);
    expect(hub.body).toContain('Sent to the council');
    expect(hub.body).toMatch(/Sent on \d{1,2} \w+ \d{4}/);
  });

  it('sends again as a new document, keeping the earlier one, and says so', async () => {
    const db = testApp.database.db;
    const parent = await signInAs(testApp, 'parent');
    const first = (await contribution(familyCase, 'family_views'))!;
    const page = await parent.get(`/cases/${familyCase}/your-views/family-views`);
    expect(page.body).toContain('This was sent to the council on');
    expect(page.body).toContain('keeps the earlier one');
    // A change saved but not sent shows as such.
    await parent.post(`/cases/${familyCase}/your-views/family-views`, {
      ...FAMILY_ANSWERS,
      hopes: 'To go to Oakfield Secondary with her friends',
      action: 'save',
      visibility: 'la_and_family',
    });
    const hub = await parent.get(`/cases/${familyCase}/your-views`);
    expect(hub.body).toMatch(/Sent on \d{1,2} \w+ \d{4}, changes not sent/);
    expect((await parent.get(`/cases/${familyCase}/your-views/family-views`)).body).toContain(
      'There are saved changes that have not been sent yet.',
    );
    expect((await contributionsOfCase(db, familyCase))[0]).toMatchObject({
      status: 'submitted',
      unsentChanges: true,
    });

    await parent.get(`/cases/${familyCase}/your-views/family-views`);
    const again = await parent.post(`/cases/${familyCase}/your-views/family-views`, {
      ...FAMILY_ANSWERS,
      hopes: 'To go to Oakfield Secondary with her friends',
      action: 'submit',
      visibility: 'everyone',
      expectedSends: '1',
    });
    expect(again.statusCode).toBe(303);
    const second = (await contribution(familyCase, 'family_views'))!;
    expect(second.document_id).not.toBe(first.document_id);
    const documents = await db
      .selectFrom('case_document')
      .select(['id', 'visibility', 'body_html'])
      .where('case_id', '=', familyCase)
      .where('title', '=', 'Family’s views')
      .orderBy('created_at')
      .execute();
    expect(documents.map((d) => d.id)).toEqual([first.document_id, second.document_id]);
    expect(documents[0]!.body_html).not.toContain('Oakfield Secondary');
    expect(documents[1]).toMatchObject({ visibility: 'everyone' });
    expect(documents[1]!.body_html).toContain('Oakfield Secondary');
    const banner = await parent.get(`/cases/${familyCase}/your-views`);
    expect(banner.body).toContain('Sent to the council again');
    const newPage = await parent.get(`/cases/${familyCase}/your-views/family-views`);
    expect(newPage.body).toContain('2 versions so far');
    expect(
      await db
        .selectFrom('case_event')
        .select('summary')
        .where('case_id', '=', familyCase)
        .where('kind', '=', 'views_submitted')
        .execute(),
    ).toHaveLength(2);
  });

  it('puts no child’s name and no views in any email', async () => {
    const child = await caseOf('DEM-%-0001');
    const emails = (await queuedEmails(testApp)).filter((e) => e.kind === 'views-received');
    expect(emails.length).toBeGreaterThanOrEqual(2);
    for (const email of emails) {
      for (const part of [email.subject, email.text, email.html]) {
        expect(part).not.toContain(child.child_first_name);
        expect(part).not.toContain(child.child_last_name);
        for (const answer of [...Object.values(FAMILY_ANSWERS), 'Oakfield Secondary', 'brave']) {
          expect(part).not.toContain(answer);
        }
      }
    }
  });
});

describe('the child’s views, with pictures and documents', () => {
  it('refuses a file that is not a picture or document, or is empty, on the page', async () => {
    const parent = await signInAs(testApp, 'parent');
    const page = await parent.get(`/cases/${assessmentCase}/your-views/child-views`);
    expect(page.body).toContain('enctype="multipart/form-data"');
    const refusals: [string, Buffer, string][] = [
      [
        'drawing.png',
        Buffer.from('<html><script>alert(1)</script></html>'),
        'The selected file must be a PDF',
      ],
      ['empty.png', Buffer.alloc(0), 'The selected file is empty'],
      ['huge.png', Buffer.concat([PNG, Buffer.alloc(21 * 1024 * 1024)]), 'smaller than 20 MB'],
    ];
    for (const [filename, data, message] of refusals) {
      const refused = await uploadFile(
        parent,
        testApp.app,
        `/cases/${assessmentCase}/your-views/child-views/upload`,
        { field: 'upload', filename, data },
      );
      expect(refused.statusCode, filename).toBe(400);
      expect(refused.body).toContain('There is a problem');
      expect(refused.body).toContain(message);
      expect(refused.body).toContain('href="#upload"');
    }
    const none = await testApp.database.db
      .selectFrom('case_document')
      .select('id')
      .where('case_id', '=', assessmentCase)
      .execute();
    expect(none).toHaveLength(0);
  });

  it('adds a good picture to the case, lists it, and lets the views be given through it', async () => {
    const db = testApp.database.db;
    const parent = await signInAs(testApp, 'parent');
    await parent.get(`/cases/${assessmentCase}/your-views/child-views`);
    const uploaded = await uploadFile(
      parent,
      testApp.app,
      `/cases/${assessmentCase}/your-views/child-views/upload`,
      { field: 'upload', filename: 'my <drawing>.png', data: PNG, contentType: 'image/png' },
    );
    expect(uploaded.statusCode).toBe(303);
    const file = await db
      .selectFrom('case_document')
      .selectAll()
      .where('case_id', '=', assessmentCase)
      .executeTakeFirstOrThrow();
    expect(file).toMatchObject({
      kind: 'views',
      visibility: 'la_and_family',
      content_type: 'image/png',
      author_name: 'Priya Demo-Parent',
    });
    const page = await parent.get(`/cases/${assessmentCase}/your-views/child-views`);
    expect(page.body).toContain(file.file_name!);
    expect(page.body).not.toContain('<drawing>');
    expect(page.body).toContain(
      `<a class="govuk-link" href="/cases/${assessmentCase}/documents/${file.id}">${file.file_name!}</a>`,
    );
    const documentPage = await parent.get(`/cases/${assessmentCase}/documents/${file.id}`);
    expect(documentPage.statusCode).toBe(200);
    expect(documentPage.body).toContain(`/cases/${assessmentCase}/documents/${file.id}/download`);

    // With a picture, the child's views need not be in words; who helped is still asked.
    const withoutHelp = await parent.post(`/cases/${assessmentCase}/your-views/child-views`, {
      action: 'submit',
      visibility: 'everyone',
    });
    expect(withoutHelp.statusCode).toBe(400);
    expect(withoutHelp.body).toContain('Enter who helped your child say this, and how');
    expect(withoutHelp.body).not.toContain('href="#likesAndGoodAt"');
    const sent = await parent.post(`/cases/${assessmentCase}/your-views/child-views`, {
      action: 'submit',
      visibility: 'everyone',
      findHard: 'Loud rooms',
      howCaptured: 'Her own drawing; I wrote down what she said',
      expectedSends: '0',
    });
    expect(sent.statusCode).toBe(303);
    const row = (await contribution(assessmentCase, 'child_views'))!;
    const document = await db
      .selectFrom('case_document')
      .select(['title', 'body_html'])
      .where('id', '=', row.document_id!)
      .executeTakeFirstOrThrow();
    expect(document.title).toBe('Child’s views');
    expect(document.body_html).toContain('Pictures and documents');
    expect(document.body_html).toContain(file.file_name!);
    expect(document.body_html).toContain('Loud rooms');
    // The case's officer (the demo caseworker) is told.
    const emails = (await queuedEmails(testApp, demoEmail('caseworker'))).filter(
      (e) => e.kind === 'views-received' && e.text.includes('the child’s views'),
    );
    expect(emails).toHaveLength(1);
  });

  it('offers a new file to the council and the family only, unless the family shares it', async () => {
    const parent = await signInAs(testApp, 'parent');
    const page = await parent.get(`/cases/${assessmentCase}/your-views/child-views`);
    const radios = /id="fileVisibility[\s\S]*?<\/fieldset>/.exec(page.body)?.[0] ?? '';
    expect(radios).toMatch(/value="la_and_family"\s+checked/);
    expect(radios).not.toMatch(/value="everyone"\s+checked/);
    expect(page.body).toContain('You can choose to share it with everyone on the case.');
    // The views themselves, sent later, still offer everyone first.
    expect(page.body).toMatch(/id="visibility"[^>]*value="everyone"\s+checked/);
  });

  it('keeps an uploaded file from advisers when the family chooses', async () => {
    const parent = await signInAs(testApp, 'parent');
    await parent.get(`/cases/${assessmentCase}/your-views/child-views`);
    const boundary = '----pathwaycontributions';
    const field = (name: string, value: string) =>
      `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
    const upload = (visibility: string) =>
      testApp.app.inject({
        method: 'POST',
        url: `/cases/${assessmentCase}/your-views/child-views/upload`,
        headers: {
          cookie: parent.cookieHeader,
          'content-type': `multipart/form-data; boundary=${boundary}`,
        },
        payload: Buffer.concat([
          Buffer.from(field('_csrf', parent.lastCsrf!) + field('visibility', visibility)),
          Buffer.from(
            `--${boundary}\r\nContent-Disposition: form-data; name="upload"; filename="private.png"\r\nContent-Type: image/png\r\n\r\n`,
          ),
          PNG,
          Buffer.from(`\r\n--${boundary}--\r\n`),
        ]),
      });
    const refused = await upload('la_only');
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain('Select who can see the file');
    const kept = await upload('la_and_family');
    expect(kept.statusCode).toBe(303);
    const file = await testApp.database.db
      .selectFrom('case_document')
      .select('visibility')
      .where('case_id', '=', assessmentCase)
      .where('file_name', '=', 'private.png')
      .executeTakeFirstOrThrow();
    expect(file.visibility).toBe('la_and_family');
  });

  it('needs the views in words when there is no picture', async () => {
    const parent = await signInAs(testApp, 'parent');
    await parent.get(`/cases/${familyCase}/your-views/child-views`);
    const refused = await parent.post(`/cases/${familyCase}/your-views/child-views`, {
      action: 'submit',
      visibility: 'everyone',
      howCaptured: 'Her own words',
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain(
      'Enter what your child likes and is good at, or upload a picture or document',
    );
  });
});

describe('a draft shared by the family on the case', () => {
  it('says the family can see and change the draft, and shows who last saved it', async () => {
    const db = testApp.database.db;
    await setStage(youngPersonCase, 'assessment');
    // The parent joins the young person's case, so two of the family share its drafts.
    const joined = await db
      .insertInto('case_participant')
      .values({
        case_id: youngPersonCase,
        user_id: await userIdOf(testApp, demoEmail('parent')),
        organisation_id: null,
        case_role: 'parent_carer',
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    try {
      const url = `/cases/${youngPersonCase}/your-views/family-views`;
      const parent = await signInAs(testApp, 'parent');
      const blank = await parent.get(url);
      expect(blank.body).toContain(
        'You and your family on this case can see and change this draft',
      );
      expect(blank.body).toContain('The council and others see it only once it is sent.');
      expect(blank.body).not.toContain('Last saved by');
      expect(blank.body).not.toMatch(/nobody else/i);
      await parent.post(url, { action: 'save', likeAndAdmire: 'Jordan is determined' });
      const hub = await parent.get(`/cases/${youngPersonCase}/your-views`);
      expect(hub.body).toContain(
        'you and your family on this case can see and change the draft. The council and others see it only once it is sent.',
      );
      expect(hub.body).toContain('You and your family on this case can see and change a draft.');
      expect(hub.body).not.toMatch(/nobody else/i);

      const youngPerson = await signInAs(testApp, 'youngPerson');
      const shared = await youngPerson.get(url);
      expect(shared.body).toContain('Jordan is determined</textarea>');
      expect(shared.body).toMatch(/Last saved by Priya Demo-Parent on \d{1,2} \w+ \d{4}\./);
      await youngPerson.post(url, { action: 'save', likeAndAdmire: 'I am determined' });
      const changed = await parent.get(url);
      expect(changed.body).toContain('I am determined</textarea>');
      expect(changed.body).toMatch(/Last saved by Jordan Demo-Young on \d{1,2} \w+ \d{4}\./);
    } finally {
      await db
        .updateTable('case_participant')
        .set({ ended_at: new Date() })
        .where('id', '=', joined.id)
        .execute();
      await setStage(youngPersonCase, 'draft_plan');
    }
  });
});

describe('sending twice', () => {
  it('sends a double click once, and says it was already sent', async () => {
    const db = testApp.database.db;
    const url = `/cases/${familyCase}/your-views/one-page-profile`;
    const views = () =>
      db
        .selectFrom('case_document')
        .select('id')
        .where('case_id', '=', familyCase)
        .where('title', '=', 'One-page profile')
        .execute();
    const told = async () =>
      (
        await db
          .selectFrom('notification')
          .select('id')
          .where('case_id', '=', familyCase)
          .where('kind', '=', 'views-received')
          .execute()
      ).length;
    const toldBefore = await told();
    const parent = await signInAs(testApp, 'parent');
    const page = await parent.get(url);
    expect(page.body).toContain('<input type="hidden" name="expectedSends" value="0">');
    const form = {
      action: 'submit',
      visibility: 'everyone',
      appreciate: 'Her laugh',
      important: 'Her brother',
      bestSupport: 'Time to answer',
      expectedSends: '0',
    };
    const first = await parent.post(url, form);
    expect(first.statusCode).toBe(303);
    expect(first.headers.location).toBe(`/cases/${familyCase}/your-views`);
    const second = await parent.post(url, form);
    expect(second.statusCode).toBe(303);
    expect(second.headers.location).toBe(url);
    const notice = await parent.get(url);
    expect(notice.body).toContain('This was already sent');
    expect(notice.body).toContain('<input type="hidden" name="expectedSends" value="1">');
    expect(await views()).toHaveLength(1);
    expect(await told()).toBe(toldBefore + 1);
    expect(
      await db
        .selectFrom('audit_event')
        .select('id')
        .where('subject_id', '=', familyCase)
        .where('action', '=', 'sent views to the council')
        .where(sql<boolean>`details->>'kind' = 'one_page_profile'`)
        .execute(),
    ).toHaveLength(1);

    // A sending without the page's count is not sent: the page comes back, with what was typed.
    const stale = await parent.post(url, { ...form, expectedSends: '', appreciate: 'Her smile' });
    expect(stale.statusCode).toBe(400);
    expect(stale.body).toContain('This page was out of date');
    expect(stale.body).toContain('Her smile</textarea>');
    expect(await views()).toHaveLength(1);
  });
});

describe('the audit log', () => {
  it('records each view of the hub and of a contribution', async () => {
    const db = testApp.database.db;
    const parentId = await userIdOf(testApp, demoEmail('parent'));
    const { local_authority_id } = await db
      .selectFrom('case')
      .select('local_authority_id')
      .where('id', '=', familyCase)
      .executeTakeFirstOrThrow();
    const viewed = () =>
      db
        .selectFrom('audit_event')
        .select(['actor_user_id', 'subject_type', 'local_authority_id', 'details'])
        .where('subject_id', '=', familyCase)
        .where('action', '=', 'viewed the family’s views')
        .orderBy('id')
        .execute();
    const before = (await viewed()).length;
    const parent = await signInAs(testApp, 'parent');
    expect((await parent.get(`/cases/${familyCase}/your-views`)).statusCode).toBe(200);
    expect((await parent.get(`/cases/${familyCase}/your-views/child-views`)).statusCode).toBe(200);
    const rows = (await viewed()).slice(before);
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row).toMatchObject({
        actor_user_id: parentId,
        subject_type: 'case',
        local_authority_id,
      });
    }
    expect(rows[1]!.details).toMatchObject({ kind: 'child_views' });
  });
});

describe('after the draft plan', () => {
  it('shows what was sent, read-only, and refuses changes', async () => {
    await setStage(familyCase, 'draft_plan');
    try {
      const parent = await signInAs(testApp, 'parent');
      const page = await parent.get(`/cases/${familyCase}/your-views/family-views`);
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('comment on the draft plan');
      expect(page.body).toContain('Oakfield Secondary');
      expect(page.body).toContain('What you sent on');
      expect(page.body).not.toContain('<textarea');
      expect(page.body).not.toContain('Send to the council');
      const hub = await parent.get(`/cases/${familyCase}/your-views`);
      expect(hub.body).toContain('comment on the draft plan');
      expect(hub.body).toContain('Not sent');

      const before = await contribution(familyCase, 'family_views');
      for (const action of ['save', 'submit']) {
        const refused = await parent.post(`/cases/${familyCase}/your-views/family-views`, {
          ...FAMILY_ANSWERS,
          action,
          visibility: 'everyone',
        });
        expect(refused.statusCode, action).toBe(400);
        expect(refused.body).toContain('comment on the draft plan');
      }
      expect(await contribution(familyCase, 'family_views')).toEqual(before);
      await parent.get(`/cases/${familyCase}/your-views/child-views`);
      const upload = await uploadFile(
        parent,
        testApp.app,
        `/cases/${familyCase}/your-views/child-views/upload`,
        { field: 'upload', filename: 'late.png', data: PNG },
      );
      expect(upload.statusCode).toBe(400);
      expect(upload.body).toContain('comment on the draft plan');
    } finally {
      await setStage(familyCase, 'request_received');
    }
  });
});

describe('what the council narrows to itself', () => {
  it('is no longer shown to the family on their views pages, sent text or uploaded file', async () => {
    const db = testApp.database.db;
    const parent = await signInAs(testApp, 'parent');
    // The child's views on the assessment case were sent with a picture (see above).
    const childViews = (await contribution(assessmentCase, 'child_views'))!;
    const sentDocument = await db
      .selectFrom('case_document')
      .select(['id', 'body_html'])
      .where('id', '=', childViews.document_id!)
      .executeTakeFirstOrThrow();
    const picture = await db
      .selectFrom('case_document')
      .select(['id', 'file_name'])
      .where('case_id', '=', assessmentCase)
      .where('storage_key', 'is not', null)
      .where('file_name', 'like', '%drawing%')
      .executeTakeFirstOrThrow();
    await setStage(assessmentCase, 'draft_plan');
    try {
      const before = await parent.get(`/cases/${assessmentCase}/your-views/child-views`);
      expect(before.body).toContain('Loud rooms');
      expect(before.body).toContain(picture.file_name!);

      const caseworker = await signInAs(testApp, 'caseworker');
      for (const id of [sentDocument.id, picture.id]) {
        await caseworker.get(`/cases/${assessmentCase}/documents/${id}`);
        const narrowed = await caseworker.post(
          `/cases/${assessmentCase}/documents/${id}/visibility`,
          { visibility: 'la_only', visibilityReason: 'Mentions the other parent' },
        );
        expect(narrowed.statusCode).toBe(303);
      }

      const after = await parent.get(`/cases/${assessmentCase}/your-views/child-views`);
      expect(after.statusCode).toBe(200);
      expect(after.body).not.toContain('Loud rooms');
      expect(after.body).not.toContain(picture.file_name!);
      expect(after.body).toContain('The council has since limited who can see it');
      for (const id of [sentDocument.id, picture.id]) {
        expect((await parent.get(`/cases/${assessmentCase}/documents/${id}`)).statusCode).toBe(404);
      }
      const journey = await parent.get(`/cases/${assessmentCase}/journey`);
      expect(journey.statusCode).toBe(200);
      expect(journey.body).not.toContain(`/documents/${sentDocument.id}`);
      expect(journey.body).not.toContain(`/documents/${picture.id}`);
    } finally {
      await setStage(assessmentCase, 'assessment');
    }
  });
});

describe('who may use these pages', () => {
  it('refuses a SENCO and a caseworker, who are not the family', async () => {
    for (const who of ['senco', 'caseworker'] as const) {
      const browser = await signInAs(testApp, who);
      await browser.get(`/cases/${familyCase}`);
      for (const url of ['', '/family-views', '/child-views', '/one-page-profile']) {
        const page = await browser.get(`/cases/${familyCase}/your-views${url}`);
        expect(page.statusCode, `${who} GET ${url}`).toBe(403);
      }
      const post = await browser.post(`/cases/${familyCase}/your-views/family-views`, {
        action: 'save',
        likeAndAdmire: 'Not mine to say',
      });
      expect(post.statusCode).toBe(403);
      const upload = await uploadFile(
        browser,
        testApp.app,
        `/cases/${familyCase}/your-views/child-views/upload`,
        { field: 'upload', filename: 'x.png', data: PNG },
      );
      expect(upload.statusCode).toBe(403);
    }
  });
});
