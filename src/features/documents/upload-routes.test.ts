import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Browser,
  buildTestApp,
  caseIdOf,
  signInAs,
  uploadFile,
  type TestApp,
} from '../../../test/helpers.ts';
import { pdfWithCatalog, samplePdf } from '../../../test/upload-samples.ts';
import { UPLOAD_MESSAGES } from '../../web/upload-checks/uploads.ts';

/** A port on which nothing listens: clamd configured but down. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('a refused upload on a page', () => {
  let testApp: TestApp;
  beforeAll(async () => {
    testApp = await buildTestApp({
      config: { CLAMD_URL: `tcp://127.0.0.1:${await closedPort()}` },
    });
  });
  afterAll(async () => {
    await testApp?.close();
  });

  it('says what is wrong with the file, keeps the rest of the form, and stores nothing', async () => {
    const caseId = await caseIdOf(testApp, 'DEM-%-0005');
    const caseworker = await signInAs(testApp, 'caseworker');
    const url = `/cases/${caseId}/documents/new`;
    await caseworker.get(url);
    const before = await testApp.database.db
      .selectFrom('case_document')
      .select('id')
      .where('case_id', '=', caseId)
      .execute();
    const response = await uploadFile(
      caseworker,
      testApp.app,
      url,
      {
        field: 'document',
        filename: 'report.pdf',
        data: pdfWithCatalog('/OpenAction << /S /JavaScript /JS (app.alert\\(1\\)) >>'),
      },
      {
        kind: 'report',
        title: 'Speech therapy report',
        authorName: 'Sam Speech',
        'documentDate-day': '1',
        'documentDate-month': '3',
        'documentDate-year': '2026',
        visibility: 'everyone',
      },
    );
    // clamd is down: the file is refused before anything else is looked at (fail closed).
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('govuk-error-summary');
    expect(response.body).toContain(UPLOAD_MESSAGES['scan-unavailable']);
    expect(response.body).toContain('value="Speech therapy report"');
    expect(response.body).toContain('value="Sam Speech"');
    const after = await testApp.database.db
      .selectFrom('case_document')
      .select('id')
      .where('case_id', '=', caseId)
      .execute();
    expect(after).toHaveLength(before.length);
  });

  it('refuses request evidence while clamd is down, saying to try again later', async () => {
    const browser = new Browser(testApp.app);
    await browser.get('/request-an-assessment');
    await browser.post('/request-an-assessment/start', {});
    await browser.get('/request-an-assessment/evidence');
    const response = await uploadFile(browser, testApp.app, '/request-an-assessment/evidence', {
      field: 'evidence',
      filename: 'report.pdf',
      data: samplePdf(),
    });
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain(
      'The selected file could not be checked for viruses – try again later',
    );
  });
});

describe('a PDF with a script, without a virus scanner', () => {
  let testApp: TestApp;
  beforeAll(async () => {
    testApp = await buildTestApp();
  });
  afterAll(async () => {
    await testApp?.close();
  });

  it('is refused on the case documents page with the PDF message and the form kept', async () => {
    const caseId = await caseIdOf(testApp, 'DEM-%-0005');
    const caseworker = await signInAs(testApp, 'caseworker');
    const url = `/cases/${caseId}/documents/new`;
    await caseworker.get(url);
    const response = await uploadFile(
      caseworker,
      testApp.app,
      url,
      {
        field: 'document',
        filename: 'report.pdf',
        data: pdfWithCatalog('/OpenAction << /S /JavaScript /JS (app.alert\\(1\\)) >>'),
      },
      {
        kind: 'report',
        title: 'Speech therapy report',
        authorName: 'Sam Speech',
        'documentDate-day': '1',
        'documentDate-month': '3',
        'documentDate-year': '2026',
        visibility: 'everyone',
      },
    );
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('The selected PDF must not contain scripts');
    expect(response.body).toContain('value="Speech therapy report"');
  });
});
