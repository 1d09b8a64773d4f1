import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, buildTestApp, uploadFile, type TestApp } from '../../../test/helpers.ts';
import { eicar, samplePdf } from '../../../test/upload-samples.ts';
import { createClamdScanner, parseClamdUrl } from './clamd.ts';

/**
 * Against the real clamd that .ci/clamd starts with a signature for the EICAR test file only
 * (no download): TEST_CLAMD_URL says where it listens. Without it this suite fails, rather than
 * passing having tested nothing.
 */
const url = process.env.TEST_CLAMD_URL;
if (!url) {
  throw new Error('Set TEST_CLAMD_URL to a running clamd (see .ci/clamd): npm run test:clamd');
}

describe('a real clamd', () => {
  const scanner = createClamdScanner({ address: parseClamdUrl(url), timeoutMs: 20_000 });

  it('finds the EICAR test file', async () => {
    const result = await scanner.scan(eicar());
    expect(result).toMatchObject({ status: 'infected' });
    expect(result.status === 'infected' && result.signature).toMatch(/^Eicar-Test-Signature/);
  });

  it('passes a clean file, including one of 20 MB', async () => {
    expect(await scanner.scan(samplePdf())).toEqual({ status: 'clean' });
    expect(await scanner.scan(Buffer.alloc(20 * 1024 * 1024, 0x20))).toEqual({ status: 'clean' });
  });
});

describe('uploads with CLAMD_URL set', () => {
  let testApp: TestApp;
  beforeAll(async () => {
    testApp = await buildTestApp({ config: { CLAMD_URL: url } });
  });
  afterAll(async () => {
    await testApp?.close();
  });

  it('refuses the EICAR file sent as evidence, and audits it without the file or its name', async () => {
    const browser = new Browser(testApp.app);
    await browser.get('/request-an-assessment');
    await browser.post('/request-an-assessment/start', {});
    await browser.get('/request-an-assessment/evidence');
    const refused = await uploadFile(browser, testApp.app, '/request-an-assessment/evidence', {
      field: 'evidence',
      filename: 'Robin Testcase report.pdf',
      data: eicar(),
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain('The selected file contains a virus');
    const audit = await testApp.database.db
      .selectFrom('audit_event')
      .select(['subject_type', 'details'])
      .where('action', '=', 'refused an upload with a virus')
      .execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]!.subject_type).toBe('request');
    expect(JSON.stringify(audit[0]!.details)).toMatch(/Eicar-Test-Signature/);
    expect(JSON.stringify(audit[0]!.details)).not.toContain('Robin');

    const accepted = await uploadFile(browser, testApp.app, '/request-an-assessment/evidence', {
      field: 'evidence',
      filename: 'report.pdf',
      data: samplePdf(),
    });
    expect(accepted.statusCode).toBe(303);
  });
});
