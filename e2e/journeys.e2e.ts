import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoAccountKey } from '../src/features/demo/demo-data.ts';
import { onOrNextWorkingDay } from '../src/domain/clock/working-days.ts';
import { expectAccessible, launchBrowser, pagesChecked, signIn, visit } from './browser.ts';
import { startServer, type RunningServer } from './server.ts';

/**
 * Signs in as every demo role in a real browser, visits that role's pages and runs axe
 * (WCAG 2.0, 2.1 and 2.2 A and AA) on every page visited.
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

/** Opens the first case linked from the current page and checks it. */
async function openFirstCase(page: Page): Promise<string> {
  const link = page.locator('a[href^="/cases/"]').first();
  const href = (await link.getAttribute('href'))!;
  await visit(page, href);
  await expect(page.locator('h2', { hasText: 'Who is involved' }).count()).resolves.toBe(1);
  return href;
}

describe('signed out', () => {
  it('sees the public pages, the 404 page and sign-in errors, all accessible', async () => {
    const page = await newPage();
    await visit(page, '/');
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBeTruthy();
    // The front door: from the home page straight to the request journey, no sign-in.
    await page.getByRole('button', { name: 'Ask for an assessment' }).click();
    await page.waitForURL('**/request-an-assessment');
    await expect(page.getByRole('button', { name: 'Start now' }).count()).resolves.toBe(1);
    for (const url of [
      '/accessibility',
      '/privacy',
      '/cookies',
      '/forgot-password',
      '/dev/outbox',
    ]) {
      await visit(page, url);
    }
    await visit(page, '/no-such-page', 404);
    await expect(page.getByRole('heading', { name: 'Page not found' }).count()).resolves.toBe(1);

    await visit(page, '/sign-in');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.locator('.govuk-error-summary').waitFor();
    await expectAccessible(page, '/sign-in (with errors)');

    await visit(page, '/cases');
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    await page.context().close();
  });
});

const FAMILY_AND_PROFESSIONALS: DemoAccountKey[] = [
  'parent',
  'youngPerson',
  'senco',
  'psychologist',
  'health',
  'socialCare',
];

describe('families and professionals', () => {
  for (const key of FAMILY_AND_PROFESSIONALS) {
    it(`${key} signs in and sees their cases`, async () => {
      const page = await newPage();
      await signIn(page, key);
      expect(new URL(page.url()).pathname).toBe('/your-cases');
      await expectAccessible(page, `/your-cases as ${key}`);
      await openFirstCase(page);
      await visit(page, '/account');
      await visit(page, '/cases', 403);
      await page.getByRole('button', { name: 'Sign out' }).first().click();
      await page.waitForURL('**/signed-out');
      await expectAccessible(page, '/signed-out');
      await page.context().close();
    });
  }
});

describe('LA staff', () => {
  for (const key of ['caseworker', 'decisionMaker', 'manager'] as DemoAccountKey[]) {
    it(`${key} signs in to the tray and filters it`, async () => {
      const page = await newPage();
      await signIn(page, key);
      expect(new URL(page.url()).pathname).toBe('/cases');
      await expectAccessible(page, `/cases as ${key}`);
      await page.getByLabel('Stage').selectOption('assessment');
      await page.getByRole('button', { name: 'Filter cases' }).click();
      await page.waitForURL('**/cases?**stage=assessment**');
      await expectAccessible(page, '/cases filtered');
      const caseHref = await openFirstCase(page);
      await visit(page, `${caseHref}/exceptions/new`);
      await page.getByRole('button', { name: 'Record the exception' }).click();
      await page.locator('.govuk-error-summary').waitFor();
      await expectAccessible(page, 'record an exception (with errors)');
      await visit(page, '/admin', 403);
      if (key === 'caseworker') {
        // The start-up sweep reminded the caseworker of their overdue and near steps.
        await visit(page, '/notifications');
        const unread = page.getByRole('link', { name: /^Notifications \(\d+ unread\)$/ });
        await expect(unread.count()).resolves.toBe(1);
        await page.locator('a[href^="/notifications/"]').first().click();
        await page.waitForURL(/\/cases\/[0-9a-f-]{36}$/);
        await visit(page, '/account/notifications');
        await page.getByLabel('Once a day, in one email').check();
        await page.getByRole('button', { name: 'Save' }).click();
        await page.waitForURL('**/account/notifications');
        await expectAccessible(page, '/account/notifications after saving');
      }
      await page.context().close();
    });
  }

  it('admin manages users and organisations and reads a case’s access log', async () => {
    const page = await newPage();
    await signIn(page, 'admin');
    await visit(page, '/cases');
    const caseHref = await openFirstCase(page);
    await visit(page, `${caseHref}/access-log`);
    await expect(page.locator('table').count()).resolves.toBe(1);
    for (const url of [
      '/admin',
      '/admin/users',
      '/admin/users/invite',
      '/admin/organisations',
      '/admin/organisations/new',
      '/admin/messages',
      '/admin/messages/templates/reminder',
      '/admin/audit',
      '/admin/audit?refused=yes',
      '/notifications',
    ]) {
      await visit(page, url);
    }
    // A form with errors, then a real invitation.
    await visit(page, '/admin/users/invite');
    await page.getByRole('button', { name: /invitation/i }).click();
    await page.locator('.govuk-error-summary').waitFor();
    await expectAccessible(page, '/admin/users/invite (with errors)');
    await page.getByLabel('Email address').fill('new.officer@example.com');
    await page.getByLabel('Caseworker').check();
    await page.getByRole('button', { name: /invitation/i }).click();
    await page.waitForURL('**/admin/users');
    await expect(page.getByText('new.officer@example.com').count()).resolves.toBeGreaterThan(0);
    await expectAccessible(page, '/admin/users after inviting');

    await visit(page, '/admin/organisations');
    await page.locator('a[href^="/admin/organisations/"]:not([href$="/new"])').first().click();
    await page.waitForURL(/\/admin\/organisations\/[0-9a-f-]{36}/);
    await expectAccessible(page, 'an organisation');
    await visit(page, '/admin/users');
    await page.locator('a[href^="/admin/users/"]:not([href$="/invite"])').first().click();
    await page.waitForURL(/\/admin\/users\/[0-9a-f-]{36}/);
    await expectAccessible(page, 'a staff member');

    // A closure day: the form with an error, then one added and listed with its remove button.
    await visit(page, '/admin/closure-days/new');
    await page.getByRole('button', { name: 'Add closure day' }).click();
    await page.locator('.govuk-error-summary').waitFor();
    await expectAccessible(page, '/admin/closure-days/new (with errors)');
    const closedOn = onOrNextWorkingDay(`${new Date().getFullYear() + 1}-12-29`);
    const [year, month, day] = closedOn.split('-');
    await page.getByLabel('Day').fill(day!);
    await page.getByLabel('Month').fill(month!);
    await page.getByLabel('Year').fill(year!);
    await page.getByLabel('Reason').fill('Offices closed between Christmas and New Year');
    await page.getByRole('button', { name: 'Add closure day' }).click();
    await page.waitForURL('**/admin/closure-days');
    await expect(page.getByRole('button', { name: /Remove/ }).count()).resolves.toBe(1);
    await expectAccessible(page, '/admin/closure-days with a closure day');
    await page.context().close();
  });
});

describe('the timeout warning', () => {
  it('warns before an idle session ends and lets the user stay signed in', async () => {
    const shortServer = await startServer({ SESSION_IDLE_MINUTES: '2' });
    const context = await browser.newContext({ baseURL: shortServer.baseUrl });
    const page = await context.newPage();
    try {
      await signIn(page, 'parent');
      const dialog = page.getByRole('dialog', { name: 'You’re about to be signed out' });
      await dialog.waitFor({ state: 'visible', timeout: 10_000 });
      await expectAccessible(page, 'timeout warning');
      // With a two-minute session the warning is due at once, so check the session was renewed.
      const [keepAlive] = await Promise.all([
        page.waitForResponse('**/session/keep-alive'),
        page.getByRole('button', { name: 'Stay signed in' }).click(),
      ]);
      expect(keepAlive.status()).toBe(204);
    } finally {
      await context.close();
      await shortServer.stop();
    }
  });
});

/** A small real PDF, as a parent's scanned report would be. */
const REPORT_PDF = Buffer.from(
  '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n',
);

/**
 * Answers the request journey as a parent with no account and returns the reference shown at
 * the end. With `axe`, every page is checked (axe runs in the page, so it needs JavaScript).
 */
async function requestAsParent(page: Page, childFirstName: string, axe = true): Promise<string> {
  const check = async (label: string) => {
    if (axe) await expectAccessible(page, label);
  };
  const next = async (label: string) => {
    await page.getByRole('button', { name: label }).click();
    await page.waitForLoadState('domcontentloaded');
    await check(`${new URL(page.url()).pathname} (${childFirstName})`);
  };
  const start = await page.goto('/request-an-assessment');
  expect(start?.status()).toBe(200);
  await check('/request-an-assessment');
  await next('Start now');
  await page.getByLabel('Demoshire County Council').check();
  await next('Continue');
  await page.getByLabel('A parent or carer of the child or young person').check();
  await next('Continue');
  // An error first: the page says what is wrong and keeps what was typed.
  await page.getByLabel('Last name').fill('Example');
  await next('Continue');
  await expect(page.locator('.govuk-error-summary').count()).resolves.toBe(1);
  await expect(page.getByLabel('Last name').inputValue()).resolves.toBe('Example');
  await page.getByLabel('First name').fill(childFirstName);
  await next('Continue');
  await page.getByLabel('Day').fill('12');
  await page.getByLabel('Month').fill('9');
  await page.getByLabel('Year').fill('2016');
  await next('Continue');
  await page.getByLabel('Address line 1', { exact: true }).fill('2 Example Road');
  await page.getByLabel('Town or city').fill('Exampletown');
  await page.getByLabel('Postcode').fill('EX2 2BB');
  await next('Continue');
  await page.getByLabel('No', { exact: true }).check();
  await next('Continue');
  await page.getByLabel('Full name').fill('Jo Example');
  await page.getByLabel('Relationship to the child').fill('Father');
  await page.getByLabel('Yes', { exact: true }).check();
  await next('Continue');
  await page.getByLabel('Goes to a nursery, school or college').check();
  await page
    .getByLabel('Name of the nursery, school or college, or its URN')
    .fill('Oakfield Primary School');
  await next('Continue');
  await page
    .getByLabel('What does the child or young person find hard?')
    .fill('Reading, and loud places.');
  await page.getByLabel('What help have they had so far').fill('A reading group at school.');
  await next('Continue');
  await page.getByLabel('What does the child or young person say?').fill('I like trains.');
  await next('Continue');
  await page
    .getByLabel('What would you like the council to know')
    .fill('We hope for a calm classroom.');
  await next('Continue');
  await next('Continue');
  await page.getByLabel('Yes', { exact: true }).check();
  await next('Continue');
  await page.getByLabel('Email address').fill(`${childFirstName.toLowerCase()}.parent@example.com`);
  await page.getByLabel('Email', { exact: true }).check();
  await next('Continue');
  await page.getByLabel('Upload a file').setInputFiles({
    name: 'school-report.pdf',
    mimeType: 'application/pdf',
    buffer: REPORT_PDF,
  });
  await next('Upload file');
  await expect(page.getByText('school-report.pdf').count()).resolves.toBeGreaterThan(0);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL('**/check-answers');
  await check(`check answers (${childFirstName})`);
  await next('Send request');
  await page.waitForURL('**/confirmation');
  const reference = (await page.locator('.govuk-panel strong').textContent())?.trim() ?? '';
  expect(reference).toMatch(/^R999-\d{4}-\d{5}$/);
  return reference;
}

describe('the front door', () => {
  it('a parent with no account asks for an assessment on a phone without JavaScript', async () => {
    const context = await browser.newContext({
      baseURL: server.baseUrl,
      viewport: { width: 375, height: 740 },
      javaScriptEnabled: false,
    });
    const page = await context.newPage();
    // Without JavaScript axe cannot run in the page: the same pages are checked in the next test.
    const reference = await requestAsParent(page, 'Phonechild', false);
    await page.goto('/dev/outbox');
    await expect(page.getByText(reference).count()).resolves.toBeGreaterThan(0);
    await context.close();
  });

  it('a parent asks on a desktop; a caseworker makes it a case; the family registers and sees it', async () => {
    const context = await browser.newContext({ baseURL: server.baseUrl });
    const parentPage = await context.newPage();
    const reference = await requestAsParent(parentPage, 'Deskchild');
    await context.close();

    const page = await newPage();
    await signIn(page, 'caseworker');
    await visit(page, '/requests');
    await page.getByRole('link', { name: reference, exact: true }).click();
    await page.waitForURL(/\/requests\/[0-9a-f-]{36}$/);
    await expectAccessible(page, 'a request, as the LA sees it');
    await page.getByRole('button', { name: 'Open a case' }).click();
    await page.waitForURL(/\/cases\/[0-9a-f-]{36}$/);
    await expectAccessible(page, 'the case made from a request');
    await expect(page.getByText(reference.slice(1)).count()).resolves.toBeGreaterThan(0);
    await page.context().close();

    // The family registers from the invitation the case sent, and sees the case.
    const family = await newPage();
    await family.goto('/dev/outbox');
    const invitation = family
      .locator('[data-outbox-message]')
      .filter({ hasText: 'deskchild.parent@example.com' })
      .filter({ hasText: 'You have been invited to Pathway' })
      .first();
    const link = /\/register\/[A-Za-z0-9_-]{43}/.exec(
      (await invitation.locator('[data-outbox-body]').textContent()) ?? '',
    )?.[0];
    expect(link).toBeTruthy();
    await visit(family, link!);
    await family.getByLabel('Full name').fill('Jo Example');
    await family.getByLabel('Create a password').fill('three random words');
    await family.getByLabel('Confirm password').fill('three random words');
    await family.getByRole('button', { name: 'Create account' }).click();
    await family.waitForURL('**/set-up-second-factor');
    await family.getByLabel('A code sent by email').check();
    await family.getByRole('button', { name: 'Continue' }).click();
    await family.waitForURL('**/set-up-second-factor/email');
    await expectAccessible(family, 'set up an emailed code, from an invitation');
    const code = (await family.locator('[data-demo-code]').textContent())?.trim() ?? '';
    await family.getByLabel('Security code').fill(code);
    await family.getByRole('button', { name: 'Continue' }).click();
    await family.waitForURL('**/recovery-codes');
    await family.getByRole('button', { name: 'Continue' }).click();
    await family.waitForURL('**/your-cases');
    await expectAccessible(family, 'Your cases, for the family that asked');
    await expect(family.getByText(reference.slice(1)).count()).resolves.toBeGreaterThan(0);
    await family.context().close();
  });
});

describe('the front door for young people, schools and letters', () => {
  it('a young person asks for themselves, and a SENCO asks for a pupil', async () => {
    const context = await browser.newContext({ baseURL: server.baseUrl });
    const page = await context.newPage();
    const next = async (label: string) => {
      await page.getByRole('button', { name: label }).click();
      await page.waitForLoadState('domcontentloaded');
      await expectAccessible(page, `${new URL(page.url()).pathname} (young person)`);
    };
    await visit(page, '/request-an-assessment');
    await next('Start now');
    await page.getByLabel('Demoshire County Council').check();
    await next('Continue');
    await page.getByLabel('A young person aged 16 to 25, asking for myself').check();
    await next('Continue');
    await expect(page.locator('h1').textContent()).resolves.toContain('What is your name?');
    await page.getByLabel('First name').fill('Yasmin');
    await page.getByLabel('Last name').fill('Youngperson');
    await next('Continue');
    await page.getByLabel('Day').fill('5');
    await page.getByLabel('Month').fill('5');
    await page.getByLabel('Year').fill('2008');
    await next('Continue');
    await page.getByLabel('Address line 1', { exact: true }).fill('3 College Lane');
    await page.getByLabel('Town or city').fill('Exampletown');
    await page.getByLabel('Postcode').fill('EX3 3CC');
    await next('Continue');
    await page.getByLabel('No', { exact: true }).check();
    await next('Continue');
    // No parents page for a young person: straight to education.
    await page.getByLabel('Goes to a nursery, school or college').check();
    await page
      .getByLabel('Name of the nursery, school or college, or its URN')
      .fill('Riverside Academy');
    await next('Continue');
    await page.getByLabel('What do you find hard?').fill('Planning my work.');
    await page.getByLabel('What help have they had so far').fill('A mentor.');
    await next('Continue');
    await page
      .getByLabel('What would you like the council to know?')
      .fill('I want to go to college.');
    await next('Continue');
    await next('Continue');
    await page.getByLabel('Yes', { exact: true }).check();
    await next('Continue');
    await page.getByLabel('Email address').fill('yasmin@example.com');
    await page.getByLabel('Email', { exact: true }).check();
    await next('Continue');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL('**/check-answers');
    await expectAccessible(page, 'check answers (young person)');
    await expect(page.getByText('Riverside Academy (URN 999002)').count()).resolves.toBe(1);
    await next('Send request');
    await expect(page.locator('.govuk-panel strong').textContent()).resolves.toMatch(/^R999-/);
    await context.close();

    const senco = await newPage();
    await signIn(senco, 'senco');
    await senco.getByRole('link', { name: /Ask for an EHC needs assessment/ }).click();
    await senco.waitForURL('**/request-an-assessment');
    await expectAccessible(senco, 'start page, signed in as a SENCO');
    await senco.getByRole('button', { name: 'Start now' }).click();
    await senco.getByLabel('Demoshire County Council').check();
    await senco.getByRole('button', { name: 'Continue' }).click();
    await senco.waitForURL('**/who-is-asking');
    await expect(senco.getByLabel('A nursery, school or college').isChecked()).resolves.toBe(true);
    await expectAccessible(senco, 'who is asking, as a SENCO');
    await senco.context().close();
  });

  it('a caseworker records a request that came by post, with a scan', async () => {
    const page = await newPage();
    await signIn(page, 'caseworker');
    await visit(page, '/requests');
    await page.getByRole('link', { name: 'Record a request that came by email or letter' }).click();
    await page.waitForURL('**/requests/new');
    await expectAccessible(page, '/requests/new');
    await page.getByRole('button', { name: 'Record the request' }).click();
    await page.locator('.govuk-error-summary').waitFor();
    await expectAccessible(page, '/requests/new with errors');
    await page.getByLabel('By post').check();
    const received = page.getByRole('group', { name: 'When did the council receive it?' });
    await received.getByLabel('Day').fill('2');
    await received.getByLabel('Month').fill('11');
    await received.getByLabel('Year').fill('2026');
    await page.getByLabel('A parent or carer of the child or young person').check();
    await page.getByLabel('Child’s or young person’s first name').fill('Letty');
    await page.getByLabel('Last name').fill('Post');
    const born = page.getByRole('group', { name: 'Date of birth' });
    await born.getByLabel('Day').fill('1');
    await born.getByLabel('Month').fill('2');
    await born.getByLabel('Year').fill('2018');
    await page.getByLabel('Summary of the request').fill('A letter asking for an assessment.');
    await page.getByRole('button', { name: 'Record the request' }).click();
    await page.waitForURL(/\/requests\/[0-9a-f-]{36}$/);
    await expectAccessible(page, 'a recorded request');
    await page.getByLabel('Add a scan or an attachment').setInputFiles({
      name: 'letter.pdf',
      mimeType: 'application/pdf',
      buffer: REPORT_PDF,
    });
    await page.getByRole('button', { name: 'Add file' }).click();
    await page.waitForURL(/\/requests\/[0-9a-f-]{36}$/);
    await expect(page.getByText('letter.pdf').count()).resolves.toBeGreaterThan(0);
    await expectAccessible(page, 'a recorded request with its scan');
    await page.context().close();
  });
});
