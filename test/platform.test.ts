import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redactUrl } from '../src/app.ts';
import { Browser, buildTestApp, signInAs, type TestApp } from './helpers.ts';
import { DatabaseUnavailableError } from '../src/db/database.ts';

let testApp: TestApp;

beforeAll(async () => {
  testApp = await buildTestApp();
});
afterAll(async () => {
  await testApp?.close();
});

describe('security headers', () => {
  it('sends a nonce-based CSP, refuses framing and sets the other headers', async () => {
    const response = await testApp.app.inject({ url: '/' });
    const csp = String(response.headers['content-security-policy']);
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("default-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(response.body).toContain(`nonce="${nonce}"`);
    expect(response.headers['x-frame-options']).toBe('DENY');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['referrer-policy']).toBe('same-origin');
    expect(response.headers['x-correlation-id']).toMatch(/^[0-9a-f-]{36}$/);
    // HSTS only in production, where the service is behind TLS.
    expect(response.headers['strict-transport-security']).toBeUndefined();
  });

  it('tells browsers not to keep pages, which may hold a child’s details', async () => {
    const browser = await signInAs(testApp, 'caseworker');
    expect((await browser.get('/cases')).headers['cache-control']).toBe('no-store');
    const asset = await testApp.app.inject({ url: '/govuk/govuk-frontend.min.css' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).not.toBe('no-store');
  });

  it('gives each response a fresh nonce', async () => {
    const first = await testApp.app.inject({ url: '/' });
    const second = await testApp.app.inject({ url: '/' });
    expect(first.headers['content-security-policy']).not.toBe(
      second.headers['content-security-policy'],
    );
  });

  it('sets session and CSRF cookies HttpOnly and SameSite=Lax', async () => {
    const page = await testApp.app.inject({ url: '/sign-in' });
    const csrfCookie = page.cookies.find((c) => c.name === 'pathway_csrf');
    expect(csrfCookie).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    const browser = await signInAs(testApp, 'parent');
    expect(browser.cookies.get('pathway_session')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

describe('error pages', () => {
  it('shows a GOV.UK 404 page for an unknown path', async () => {
    const response = await testApp.app.inject({ url: '/no-such-page' });
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toContain('text/html');
    expect(response.body).toContain('Page not found');
    expect(response.body).toContain('govuk-footer');
  });

  it('refuses a POST without a CSRF token with a 403 page', async () => {
    const response = await testApp.app.inject({
      method: 'POST',
      url: '/sign-in',
      payload: 'email=parent%40demo.pathway.test&password=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(response.statusCode).toBe(403);
    expect(response.body).toContain('You do not have permission to see this page');
  });

  it('refuses a POST whose CSRF token does not match its cookie', async () => {
    const browser = new Browser(testApp.app);
    await browser.get('/sign-in');
    const response = await browser.post(
      '/sign-in',
      { email: 'a@b.c', password: 'x' },
      { csrf: 'forged-token' },
    );
    expect(response.statusCode).toBe(403);
  });

  it('answers a malformed body with a 400 page, not a stack trace', async () => {
    const response = await testApp.app.inject({
      method: 'POST',
      url: '/sign-in',
      payload: '{"email":',
      headers: { 'content-type': 'application/json' },
    });
    expect(response.statusCode).toBe(415);
    expect(response.body).not.toMatch(/at .*\.ts:\d+/);
    const nested = await testApp.app.inject({
      method: 'POST',
      url: '/sign-in',
      payload: `${'['.repeat(20_000)}${']'.repeat(20_000)}`,
      headers: { 'content-type': 'application/json' },
    });
    expect(nested.statusCode).toBe(415);
  });

  it('mounts the development outbox only in demo mode', async () => {
    expect((await testApp.app.inject({ url: '/dev/outbox' })).statusCode).toBe(200);
    const plain = await buildTestApp({ demo: false, config: { DEMO_DATA: 'false' } });
    try {
      expect((await plain.app.inject({ url: '/dev/outbox' })).statusCode).toBe(404);
    } finally {
      await plain.close();
    }
  });

  it('refuses a request body over the limit with a 413 page', async () => {
    const response = await testApp.app.inject({
      method: 'POST',
      url: '/sign-in',
      payload: `email=${'a'.repeat(2 * 1024 * 1024)}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(response.statusCode).toBe(413);
  });

  it('answers a bad query parameter with 400, not 500', async () => {
    const browser = await signInAs(testApp, 'caseworker');
    for (const query of [
      'stage=nonsense',
      'page=-1',
      'page=abc',
      'officer=not-a-uuid',
      'la=00000000-0000-0000-0000-000000000000',
    ]) {
      const response = await browser.get(`/cases?${query}`);
      expect(response.statusCode, query).toBe(400);
    }
  });

  it('answers an unknown or malformed case id with 404', async () => {
    const browser = await signInAs(testApp, 'caseworker');
    expect((await browser.get('/cases/not-a-uuid')).statusCode).toBe(404);
    expect((await browser.get('/cases/00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
  });
});

describe('unexpected errors', () => {
  it('show a 500 page with a reference and no detail, and a 503 page when the database is down', async () => {
    const { buildApp } = await import('../src/app.ts');
    const app = await buildApp(testApp.services, { logger: false });
    app.get('/boom', { config: { policy: 'public' } }, async () => {
      throw new Error('secret internal detail');
    });
    app.get('/database-down', { config: { policy: 'public' } }, async () => {
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
        code: 'ECONNREFUSED',
      });
    });
    app.get('/connection-lost', { config: { policy: 'public' } }, async () => {
      throw new DatabaseUnavailableError(new Error('Connection terminated unexpectedly'));
    });
    const boom = await app.inject({ url: '/boom' });
    expect(boom.statusCode).toBe(500);
    expect(boom.body).toContain('Sorry, there is a problem with the service');
    expect(boom.body).toContain(String(boom.headers['x-correlation-id']));
    expect(boom.body).not.toContain('secret internal detail');
    for (const url of ['/database-down', '/connection-lost']) {
      const down = await app.inject({ url });
      expect(down.statusCode).toBe(503);
      expect(down.body).toContain('Sorry, there is a problem with the service');
      expect(down.body).toContain(
        `give this reference: <strong>${String(down.headers['x-correlation-id'])}</strong>`,
      );
      expect(down.body).not.toContain('ECONNREFUSED');
      expect(down.body).not.toContain('Connection terminated');
    }
    await app.close();
  });
});

describe('signed-out visitors', () => {
  it('are redirected from /cases to /sign-in', async () => {
    const response = await testApp.app.inject({ url: '/cases' });
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe('/sign-in');
  });

  it('see the public pages', async () => {
    for (const url of [
      '/',
      '/accessibility',
      '/privacy',
      '/cookies',
      '/sign-in',
      '/forgot-password',
    ]) {
      const response = await testApp.app.inject({ url });
      expect(response.statusCode, url).toBe(200);
    }
  });
});

describe('health', () => {
  it('answers 200 with JSON when the database answers', async () => {
    const response = await testApp.app.inject({ url: '/health' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok', database: 'up' });
  });

  it('answers 503 when the database does not', async () => {
    const other = await buildTestApp({ demo: false });
    await other.database.close();
    const response = await other.app.inject({ url: '/health' });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({ status: 'unavailable', database: 'down' });
    await other.app.close();
  });
});

describe('logged errors', () => {
  it('never carry database detail or email addresses', async () => {
    const { safeError } = await import('../src/app.ts');
    const duplicate = Object.assign(new Error('duplicate key value violates unique constraint'), {
      code: '23505',
      detail: 'Key (email)=(someone@example.com) already exists.',
    });
    expect(JSON.stringify(safeError(duplicate))).not.toContain('someone@example.com');
    expect(safeError(duplicate).code).toBe('23505');
    const smtp = new Error('550 Recipient someone@example.com rejected');
    expect(JSON.stringify(safeError(smtp))).not.toContain('someone@example.com');
  });
});

describe('logs', () => {
  it('cut secret tokens out of logged paths', () => {
    expect(redactUrl('/register/abcDEF123_-?x=1')).toBe('/register/[redacted]?x=1');
    expect(redactUrl('/reset-password/abc')).toBe('/reset-password/[redacted]');
    expect(redactUrl('/cases/123')).toBe('/cases/123');
  });
});
