import { execFileSync } from 'node:child_process';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addWeeks, formatLongDate, todayInEngland } from '../src/domain/clock/calendar-date.ts';
import { expectAccessible, launchBrowser, pagesChecked, signIn, visit } from './browser.ts';
import { startServer, type RunningServer } from './server.ts';

/**
 * The assessment, tried as new users would in a real browser (issue 7): people invited to a
 * case, the decisions with their letters, advice asked for and given, the family's views, and
 * the family's journey page. axe runs on every page.
 */
let server: RunningServer;
let browser: Browser;

beforeAll(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  console.log(`axe checked ${pagesChecked.length} pages`);
});

async function newPage(): Promise<Page> {
  const context = await browser.newContext({ baseURL: server.baseUrl });
  return context.newPage();
}

/** Clicks a button and waits for the page it leads to, then checks that page. */
async function submit(page: Page, button: string, label: string) {
  await Promise.all([
    page.waitForLoadState('domcontentloaded'),
    page.getByRole('button', { name: button }).click(),
  ]);
  await page.waitForLoadState('domcontentloaded');
  await expectAccessible(page, label);
}

/** The case in the tray with this reference suffix (the demo cases are DEM-<year>-NNNN). */
async function openCase(page: Page, suffix: string): Promise<string> {
  await visit(page, '/cases?page=1');
  for (let pageNumber = 1; pageNumber <= 3; pageNumber += 1) {
    const link = page.locator('a[href^="/cases/"]', { hasText: new RegExp(`-${suffix}$`) });
    if ((await link.count()) > 0) {
      const href = (await link.first().getAttribute('href'))!;
      await visit(page, href);
      return href;
    }
    await visit(page, `/cases?page=${pageNumber + 1}`);
  }
  throw new Error(`No case ending ${suffix} in the tray`);
}

/** The newest link to register from the outbox's message to this address. */
async function invitationLink(page: Page, to: string): Promise<string> {
  await page.goto('/dev/outbox');
  const message = page
    .locator('[data-outbox-message]')
    .filter({ hasText: to })
    .filter({ hasText: '/register/' })
    .first();
  const link = /\/register\/[A-Za-z0-9_-]{43}/.exec(
    (await message.locator('[data-outbox-body]').textContent()) ?? '',
  )?.[0];
  expect(link).toBeTruthy();
  return link!;
}

/** Registers from an invitation with an emailed second factor; ends on the user's home page. */
async function register(page: Page, link: string, name: string) {
  await visit(page, link);
  await page.getByLabel('Full name').fill(name);
  await page.getByLabel('Create a password').fill('three random words');
  await page.getByLabel('Confirm password').fill('three random words');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL('**/set-up-second-factor');
  await page.getByLabel('A code sent by email').check();
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL('**/set-up-second-factor/email');
  const code = (await page.locator('[data-demo-code]').textContent())?.trim() ?? '';
  await page.getByLabel('Security code').fill(code);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL('**/recovery-codes');
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL((url) => !url.pathname.includes('recovery-codes'));
}

async function invite(
  page: Page,
  caseHref: string,
  who: { role: RegExp; kind?: RegExp; setting?: string; name?: string; email?: string },
) {
  await visit(page, `${caseHref}/people/invite`);
  await page.getByLabel(who.role).check();
  if (who.kind) await page.getByLabel(who.kind).check();
  if (who.setting)
    await page.getByLabel('Setting', { exact: true }).selectOption({ label: who.setting });
  if (who.name) await page.getByLabel('Full name', { exact: true }).fill(who.name);
  if (who.email) await page.getByLabel('Email address', { exact: true }).fill(who.email);
  await page.getByRole('button', { name: 'Invite' }).click();
  await page.waitForURL(`**${caseHref}/people`);
  await expectAccessible(page, 'who is involved, after inviting');
}

/** A caseworker's recommendation and a decision maker's decision, each on its own page. */
async function decide(
  caseworker: Page,
  decisionMaker: Page,
  caseHref: string,
  slug: 'assess' | 'issue-plan',
  outcome: { yes: boolean; reasons: string; support?: string },
) {
  await visit(caseworker, `${caseHref}/decisions/${slug}`);
  await caseworker.getByRole('button', { name: 'Save recommendation' }).click();
  await caseworker.locator('.govuk-error-summary').waitFor();
  await expectAccessible(caseworker, `${slug} recommendation (with errors)`);
  await caseworker
    .getByLabel('Information considered')
    .fill('The request, the school’s SEN support plan and its reviews.');
  await caseworker
    .getByLabel(outcome.yes ? /Carry out an EHC|Issue an EHC/ : /Do not (carry|issue)/)
    .check();
  await caseworker.getByLabel('Reasons for the recommendation').fill(outcome.reasons);
  await submit(caseworker, 'Save recommendation', `${slug} decision page with a recommendation`);

  await visit(decisionMaker, `${caseHref}/decisions/${slug}`);
  const decision = decisionMaker.getByRole('group', { name: 'Decision' });
  await decision
    .getByLabel(outcome.yes ? /Carry out an EHC|Issue an EHC/ : /Do not (carry|issue)/)
    .check();
  if (outcome.support) {
    await decisionMaker.getByLabel('What support will follow?').fill(outcome.support);
  }
  await decisionMaker.getByLabel('Reasons, against the legal test').fill(outcome.reasons);
  await submit(decisionMaker, 'Record the decision and send the letter', `${slug} decided`);
}

describe('the assessment', () => {
  it('a refusal to assess sends a letter whose appeal deadline is the one `npx pathway clock` gives', async () => {
    const caseworker = await newPage();
    await signIn(caseworker, 'caseworker');
    const caseHref = await openCase(caseworker, '0002');
    const decisionMaker = await newPage();
    await signIn(decisionMaker, 'decisionMaker');
    await decide(caseworker, decisionMaker, caseHref, 'assess', {
      yes: false,
      reasons: 'The school’s support is meeting her needs and she is making good progress.',
      support: 'The SENCO will review her support plan each term, with a speech therapist.',
    });
    await expect(decisionMaker.locator('h1').textContent()).resolves.toContain(
      'We will not carry out an EHC needs assessment',
    );
    const today = todayInEngland();
    const clock = JSON.parse(
      execFileSync(
        process.execPath,
        [path.join('cli', 'pathway.ts'), 'clock', '--decision-letter', today],
        { encoding: 'utf8' },
      ),
    ) as { appealDeadline: string };
    await expect(
      decisionMaker.getByText(`You must appeal by ${formatLongDate(clock.appealDeadline)}`).count(),
    ).resolves.toBe(1);
    const download = decisionMaker.getByRole('link', { name: /^Download .*\.pdf/ });
    const pdf = await decisionMaker.request.get(
      new URL((await download.getAttribute('href'))!, server.baseUrl).toString(),
    );
    expect(pdf.status()).toBe(200);
    expect(pdf.headers()['content-type']).toBe('application/pdf');
    expect((await pdf.body()).subarray(0, 5).toString()).toBe('%PDF-');
    await caseworker.context().close();
    await decisionMaker.context().close();
  });

  it('invites, decides, asks for advice, takes it in, hears the family, and decides to issue a plan', async () => {
    const caseworker = await newPage();
    await signIn(caseworker, 'caseworker');
    const caseHref = await openCase(caseworker, '0003');

    // The caseworker invites the family, the school, a health adviser with an account, and an
    // educational psychologist who has never used Pathway.
    await visit(caseworker, `${caseHref}/people/invite`);
    await caseworker.getByRole('button', { name: 'Invite' }).click();
    await caseworker.locator('.govuk-error-summary').waitFor();
    await expectAccessible(caseworker, 'invite (with errors)');
    await invite(caseworker, caseHref, {
      role: /Parent or carer/,
      name: 'Priya Demo-Parent',
      email: 'parent@demo.pathway.test',
    });
    await invite(caseworker, caseHref, {
      role: /school, college or early years setting/,
      setting: 'Oakfield Primary School (URN 999001)',
    });
    await invite(caseworker, caseHref, {
      role: /Adviser \(a professional/,
      kind: /Health \(doctor/,
      name: 'Hari Health',
      email: 'health@demo.pathway.test',
    });
    await invite(caseworker, caseHref, {
      role: /Adviser \(a professional/,
      kind: /Educational psychologist/,
      name: 'Eve Psychologist',
      email: 'eve.psychologist@example.org',
    });
    await expect(caseworker.getByText('Eve Psychologist').count()).resolves.toBeGreaterThan(0);
    await expect(caseworker.getByText('Invited').count()).resolves.toBeGreaterThan(0);

    // The decision maker agrees to assess.
    const decisionMaker = await newPage();
    await signIn(decisionMaker, 'decisionMaker');
    await decide(caseworker, decisionMaker, caseHref, 'assess', {
      yes: true,
      reasons: 'He may have special educational needs and may need a plan.',
    });
    await expect(decisionMaker.locator('h1').textContent()).resolves.toContain(
      'We will carry out an EHC needs assessment',
    );

    // The advice requests go out the same day, each due in 6 weeks.
    await visit(caseworker, `${caseHref}/advice`);
    const choose = async (type: string, who: string) => {
      await caseworker.locator(`input[name="${type}"][value="ask"]`).check();
      const option = caseworker.locator(`#${type}-adviser option`, { hasText: who }).first();
      await caseworker
        .locator(`#${type}-adviser`)
        .selectOption((await option.getAttribute('value'))!);
    };
    await choose('psychological', 'Eve Psychologist');
    await choose('medical', 'Morgan Demo-Health');
    await choose('educational', 'Oakfield Primary School');
    await choose('parent', 'Priya Demo-Parent');
    await submit(caseworker, 'Send the requests for advice', 'the advice page, requests sent');
    const due = formatLongDate(addWeeks(todayInEngland(), 6));
    await expect(caseworker.getByText(due).count()).resolves.toBeGreaterThan(3);

    // The psychologist registers from the invitation, sees the task and gives structured advice.
    const eve = await newPage();
    await register(
      eve,
      await invitationLink(eve, 'eve.psychologist@example.org'),
      'Eve Psychologist',
    );
    await visit(eve, '/tasks');
    await eve
      .getByRole('link', { name: /Psychological advice/ })
      .first()
      .click();
    await eve.waitForURL(/\/advice\/[0-9a-f-]{36}$/);
    await expectAccessible(eve, 'the adviser’s form');
    await eve
      .getByLabel('What are the child or young person’s special educational needs?')
      .fill('Difficulties with reading and with working memory.');
    await eve.getByRole('button', { name: 'Save as draft' }).click();
    await eve.waitForLoadState('domcontentloaded');
    await expectAccessible(eve, 'after saving a draft');
    if (!/\/advice\/[0-9a-f-]{36}$/.test(eve.url())) {
      await eve
        .getByRole('link', { name: /Psychological advice/ })
        .first()
        .click();
    }
    await eve
      .getByLabel('What outcomes should the plan aim for?')
      .fill('Reads at age level by Year 4.');
    await eve.getByLabel('What provision is needed?').fill('A structured literacy programme.');
    await eve.getByLabel('How often and for how long?').fill('3 sessions of 30 minutes a week.');
    await eve.getByLabel('Who should provide it?').fill('A trained teaching assistant.');
    await eve.getByLabel('I confirm this advice is accurate').check();
    await submit(eve, 'Submit advice', 'after submitting advice');

    // The health adviser signs in and uploads a report as their advice.
    const health = await newPage();
    await signIn(health, 'health');
    await visit(health, '/tasks');
    await health
      .getByRole('link', { name: /Medical advice/ })
      .first()
      .click();
    await health.waitForURL(/\/advice\/[0-9a-f-]{36}$/);
    await health.getByLabel('Upload a report').setInputFiles({
      name: 'paediatric-report.pdf',
      mimeType: 'application/pdf',
      buffer: REPORT_PDF,
    });
    await health.getByLabel('I confirm this report is accurate').check();
    await submit(health, 'Upload report', 'after uploading a report');

    // The school's SENCO answers for the school, in the same form.
    const senco = await newPage();
    await signIn(senco, 'senco');
    await visit(senco, '/tasks');
    await senco
      .getByRole('link', { name: /Educational advice/ })
      .first()
      .click();
    await senco.waitForURL(/\/advice\/[0-9a-f-]{36}$/);
    await senco
      .getByLabel('What are the child or young person’s special educational needs?')
      .fill('Reading, and staying calm in busy places.');
    await senco.getByLabel('What outcomes should the plan aim for?').fill('Joins in group work.');
    await senco
      .getByLabel('What provision is needed?')
      .fill('A quiet space and a visual timetable.');
    await senco.getByLabel('How often and for how long?').fill('Every day.');
    await senco.getByLabel('Who should provide it?').fill('The class teacher.');
    await senco.getByLabel('I confirm this advice is accurate').check();
    await submit(senco, 'Submit advice', 'the school’s advice, submitted');

    // The family gives their views and a one-page profile, and sees every piece arrive.
    const parent = await newPage();
    await signIn(parent, 'parent');
    await visit(parent, `${caseHref}/your-views`);
    await visit(parent, `${caseHref}/your-views/family-views`);
    await parent.getByRole('button', { name: 'Send to the council' }).click();
    await parent.locator('.govuk-error-summary').waitFor();
    await expectAccessible(parent, 'family views (with errors)');
    await parent
      .getByLabel('What do people like and admire about your child?')
      .fill('His kindness.');
    await parent.getByLabel('What matters to your child now?').fill('Trains and his dog.');
    await parent.getByLabel('What are your hopes and aspirations').fill('A calm classroom.');
    await parent.getByLabel('How can people best support your child?').fill('Calm voices.');
    await submit(parent, 'Send to the council', 'your views, after sending');
    await visit(parent, `${caseHref}/your-views/one-page-profile`);
    await parent.getByLabel('What do people appreciate about your child?').fill('His humour.');
    await parent.getByLabel('What is important to your child?').fill('Routine.');
    await parent.getByLabel('How can people best support your child?').fill('Warn him of changes.');
    await submit(parent, 'Send to the council', 'one-page profile sent');
    await visit(parent, `${caseHref}/journey`);
    const journey = parent.locator('main');
    // Each step is numbered once, in its heading ("1. The request"), not again by the list.
    await expect(
      journey.locator('ol.app-journey').evaluate(
        (ol) =>
          (
            globalThis as unknown as {
              getComputedStyle(element: unknown): { listStyleType: string };
            }
          ).getComputedStyle(ol).listStyleType,
      ),
    ).resolves.toBe('none');
    // Each adviser's row says their advice was received; the psychologist's names them.
    const adviceRow = (type: string) => journey.locator('tr', { hasText: type });
    for (const type of ['Psychological advice', 'Medical advice', 'Educational advice']) {
      await expect(adviceRow(type).filter({ hasText: 'Received' }).count(), type).resolves.toBe(1);
    }
    await expect(
      adviceRow('Psychological advice').filter({ hasText: 'Eve Psychologist' }).count(),
    ).resolves.toBe(1);
    // The family's own part: both sent, and each is a document on the case.
    for (const label of ['Your family’s views', 'One-page profile']) {
      await expect(
        journey
          .locator('li', { hasText: label })
          .filter({ has: parent.locator('.govuk-tag', { hasText: 'Sent' }) })
          .count(),
        label,
      ).resolves.toBe(1);
    }
    for (const title of ['Family’s views', 'One-page profile']) {
      await expect(
        journey.getByRole('link', { name: title, exact: true }).count(),
        title,
      ).resolves.toBe(1);
    }
    await expect(
      journey.getByRole('link', { name: 'Read it (Medical advice)' }).count(),
    ).resolves.toBe(1);
    await parent.getByRole('link', { name: 'Read it (Psychological advice)' }).click();
    await parent.waitForURL(/\/documents\/[0-9a-f-]{36}$/);
    await expectAccessible(parent, 'the psychologist’s advice, as the family sees it');
    await visit(parent, `${caseHref}/people`);
    await visit(parent, `${caseHref}/people/suggest`);
    await visit(parent, `${caseHref}/documents`);

    await visit(parent, `${caseHref}/your-views/child-views`);

    // The LA's other pages on the case: adding a document, an exception to an adviser's 6
    // weeks, ending someone's access.
    await visit(caseworker, `${caseHref}/documents/new`);
    await caseworker.getByRole('button', { name: 'Add document' }).click();
    await caseworker.locator('.govuk-error-summary').waitFor();
    await expectAccessible(caseworker, 'add a document (with errors)');
    await visit(caseworker, `${caseHref}/advice`);
    await caseworker
      .getByRole('link', { name: /Record an exception/ })
      .first()
      .click();
    await caseworker.waitForURL(/\/exception$/);
    await expectAccessible(caseworker, 'an exception to an adviser’s 6 weeks');
    await visit(caseworker, `${caseHref}/people`);
    await caseworker
      .getByRole('link', { name: /End access/ })
      .first()
      .click();
    await caseworker.waitForURL(/\/end$/);
    await expectAccessible(caseworker, 'end someone’s access');

    // With the advice in, the decision to issue a plan is recorded.
    await decide(caseworker, decisionMaker, caseHref, 'issue-plan', {
      yes: true,
      reasons: 'The advice shows he needs provision through an EHC plan.',
    });
    await visit(parent, `${caseHref}/journey`);
    await expect(
      parent.getByText('The council decided to issue an EHC plan.').count(),
    ).resolves.toBe(1);
    for (const page of [caseworker, decisionMaker, eve, health, senco, parent]) {
      await page.context().close();
    }
  }, 300_000);
});

/** A small real PDF, as a professional's report would be. */
const REPORT_PDF = Buffer.from(
  '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n',
);
