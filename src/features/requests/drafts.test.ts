import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, buildTestApp, uploadFile, type TestApp } from '../../../test/helpers.ts';
import { pdfOfSize } from '../../../test/upload-samples.ts';
import { addEvidence, deleteExpiredDrafts, startDraft } from './service.ts';

const BASE = '/request-an-assessment';
const KB = 1024;

/** A new browser (its own session) with a request started, on the evidence page. */
async function startRequest(app: TestApp['app']): Promise<Browser> {
  const browser = new Browser(app);
  await browser.get(BASE);
  await browser.post(`${BASE}/start`, {});
  await browser.get(`${BASE}/evidence`);
  return browser;
}

async function upload(testApp: TestApp, browser: Browser, size: number, filename = 'report.pdf') {
  return uploadFile(browser, testApp.app, `${BASE}/evidence`, {
    field: 'evidence',
    filename,
    data: pdfOfSize(size),
  });
}

describe('finding 8: the evidence one address can keep in requests not sent', () => {
  let testApp: TestApp;
  beforeAll(async () => {
    // 1 MB per address, and 3 days, so that the test stays small.
    testApp = await buildTestApp({
      demo: false,
      config: { REQUEST_DRAFT_STORAGE_MB_PER_ADDRESS: '1', REQUEST_DRAFT_DAYS: '3' },
    });
  });
  afterAll(async () => {
    await testApp?.close();
  });

  it('is capped across all its drafts, with a clear message, and freed by removing a file', async () => {
    const first = await startRequest(testApp.app);
    expect((await upload(testApp, first, 400 * KB)).statusCode).toBe(303);
    expect((await upload(testApp, first, 400 * KB)).statusCode).toBe(303);

    // A second draft from the same address (a new session: a bot's next request).
    const second = await startRequest(testApp.app);
    const refused = await upload(testApp, second, 400 * KB);
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain(
      'Requests not yet sent from here already hold 1 MB of files – send your request, or remove a file, before adding another',
    );
    expect(refused.body).toContain('govuk-error-summary');
    // Nothing of the refused file was kept.
    const rows = await testApp.database.db
      .selectFrom('request_document')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(rows.n)).toBe(2);

    const page = await first.get(`${BASE}/evidence`);
    const documentId = /evidence\/([0-9a-f-]{36})\/remove/.exec(page.body)![1]!;
    expect((await first.post(`${BASE}/evidence/${documentId}/remove`)).statusCode).toBe(303);
    expect((await upload(testApp, second, 400 * KB)).statusCode).toBe(303);
  });

  it('keeps a keyed hash of the address on the draft, never the address', async () => {
    const rows = await testApp.database.db
      .selectFrom('assessment_request')
      .select('address_key')
      .where('status', '=', 'draft')
      .execute();
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row.address_key).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(row.address_key).not.toContain('127.0.0.1');
    }
  });

  it('counts each address on its own', async () => {
    const db = testApp.database.db;
    const draftId = await startDraft(db, null, { days: 3, addressKey: 'another-address' });
    const outcome = await addEvidence(
      db,
      { storage: testApp.services.storage, scanner: null },
      draftId,
      { filename: 'report.pdf', data: pdfOfSize(900 * KB) },
      { actorUserId: null, correlationId: 'test', ipAddress: null },
      { key: 'another-address', bytesPerAddress: 1024 * KB },
    );
    expect(outcome).toEqual({ ok: true });
  });

  it('keeps a draft for the configured number of days', async () => {
    await startRequest(testApp.app);
    const newest = await testApp.database.db
      .selectFrom('assessment_request')
      .select('expires_at')
      .where('status', '=', 'draft')
      .orderBy('created_at', 'desc')
      .executeTakeFirstOrThrow();
    const days = (newest.expires_at!.getTime() - Date.now()) / (24 * 60 * 60_000);
    expect(days).toBeGreaterThan(2.99);
    expect(days).toBeLessThanOrEqual(3);
  });

  it('deletes drafts past their days with their files', async () => {
    const db = testApp.database.db;
    const keys = await db.selectFrom('request_document').select('storage_key').execute();
    expect(keys.length).toBeGreaterThan(0);
    for (const { storage_key } of keys) {
      expect(await testApp.services.storage.get(storage_key)).not.toBeNull();
    }
    const deleted = await deleteExpiredDrafts(
      db,
      testApp.services.storage,
      new Date(Date.now() + 3 * 24 * 60 * 60_000 + 60_000),
    );
    expect(deleted).toBeGreaterThanOrEqual(3);
    for (const { storage_key } of keys) {
      expect(await testApp.services.storage.get(storage_key)).toBeNull();
    }
    const left = await db.selectFrom('request_document').select('id').execute();
    expect(left).toHaveLength(0);
  });
});
