import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import { expect } from 'vitest';
import {
  DEMO_ACCOUNTS,
  DEMO_PASSWORD,
  type DemoAccountKey,
} from '../src/features/demo/demo-data.ts';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `No Chromium at ${CHROMIUM_PATH}: run "apt-get install -y chromium" or set CHROMIUM_PATH`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

/** WCAG 2.0, 2.1 and 2.2, levels A and AA. */
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa'];

export const pagesChecked: string[] = [];

/** Runs axe on the page as it is now; fails with every violation listed. */
export async function expectAccessible(page: Page, label = page.url()): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(WCAG_TAGS).analyze();
  const violations = results.violations.map(
    (v) =>
      `${label}: ${v.id} (${v.impact}) ${v.help}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
  );
  pagesChecked.push(label);
  expect(violations).toEqual([]);
}

/** Visits a page, checks it loaded without an error status, and runs axe on it. */
export async function visit(page: Page, url: string, expectedStatus = 200): Promise<void> {
  const response = await page.goto(url);
  expect(response?.status(), url).toBe(expectedStatus);
  await expectAccessible(page, new URL(page.url()).pathname);
}

/** Signs in as a demo account with its password and the code shown on the demo page. */
export async function signIn(page: Page, key: DemoAccountKey): Promise<void> {
  const account = DEMO_ACCOUNTS.find((a) => a.key === key)!;
  await visit(page, '/sign-in');
  await page.getByLabel('Email address').fill(account.email);
  await page.getByLabel('Password', { exact: true }).fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL('**/sign-in/security-code');
  await expectAccessible(page, '/sign-in/security-code');
  const code = (await page.locator('[data-demo-code]').textContent())?.trim() ?? '';
  expect(code).toMatch(/^\d{6}$/);
  await page.getByLabel('Security code').fill(code);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/sign-in'));
}
