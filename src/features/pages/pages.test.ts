import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, buildTestApp, signInAs, type TestApp } from '../../../test/helpers.ts';

let testApp: TestApp;

beforeAll(async () => {
  testApp = await buildTestApp();
});
afterAll(async () => {
  await testApp?.close();
});

describe('the home page', () => {
  it('leads a family straight to the request journey, without an account, and keeps sign-in', async () => {
    const response = await new Browser(testApp.app).get('/');
    expect(response.statusCode).toBe(200);
    const body = response.body;
    // The start button is the request journey, not sign-in.
    expect(body).toMatch(/<a href="\/request-an-assessment"[^>]*govuk-button--start/);
    expect(body).not.toMatch(/<a href="\/sign-in"[^>]*govuk-button/);
    expect(body).toContain('You do not need an account');
    expect(body).toContain('href="/sign-in"');
    expect(body).not.toContain('You cannot create an account yourself');
  });

  it('promises only what Pathway does today', async () => {
    const body = (await new Browser(testApp.app).get('/')).body;
    expect(body).not.toMatch(/comment on the draft EHC plan/);
    expect(body).not.toMatch(/must be reviewed/);
  });

  it('sends someone signed in to their cases', async () => {
    const parent = await signInAs(testApp, 'parent');
    const body = (await parent.get('/')).body;
    expect(body).toContain('Go to your cases');
    expect(body).toContain('href="/request-an-assessment"');
  });
});

describe('the README', () => {
  const root = resolve(import.meta.dirname, '../../..');
  const readme = readFileSync(resolve(root, 'README.md'), 'utf8');

  it('links only to files in the repository, and each of them exists', () => {
    const targets = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!);
    for (const target of targets) {
      expect(target, target).not.toMatch(/^[a-z][a-z0-9+.-]*:/i);
      const path = resolve(root, target.split('#')[0]!);
      expect(path.startsWith(root + '/'), target).toBe(true);
      expect(existsSync(path), target).toBe(true);
    }
    // No bare addresses that a Markdown renderer would turn into links, and no paths outside.
    const prose = readme.replace(/```[\s\S]*?```/g, '').replace(/`[^`]*`/g, '');
    expect(prose).not.toMatch(/https?:\/\//);
    expect(readme).not.toMatch(/\.\.\/shared/);
  });

  it('does not promise plans, reviews, appeals, reporting or an API as present', () => {
    expect(readme).not.toMatch(/the draft and final plan, annual reviews/);
  });
});
