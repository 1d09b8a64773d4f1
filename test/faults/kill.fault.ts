/**
 * kill -9 of the server while a family sends a request with evidence, then a restart: nothing
 * committed is lost or half-written. A request is either sent completely (reference, audit
 * record, its email queued and then delivered) or still a draft; every document row has its
 * whole file in storage; whatever the client was told had succeeded, had.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminQuery,
  answerRequest,
  BASE,
  createFaultDatabase,
  delay,
  freePort,
  ServerProcess,
  smallPdf,
  WebClient,
  type Answer,
  type FaultDatabase,
} from './harness.ts';

const RUNS = Math.max(2, Math.ceil(Number(process.env.FAULT_RUNS ?? 20) / 4) + 1);
/**
 * When to kill, after the upload or the sending starts: at once, mid-way, and once it may have
 * finished (so some kills land before the commit and some after), with a few ms of jitter.
 */
const KILL_AFTER_MS = [2, 5, 40, 40, 300, 300];

let database: FaultDatabase;
let server: ServerProcess;

beforeAll(async () => {
  database = await createFaultDatabase();
  server = new ServerProcess({ databaseUrl: database.url, port: await freePort() });
  await server.start();
});

afterAll(async () => {
  await server?.dispose();
  await database?.drop();
});

type Request = {
  id: string;
  status: string;
  reference: string | null;
  received_at: Date | null;
  contact_email: string | null;
};

/** Everything stored must hold together, whatever moment the process died at. */
async function checkConsistency() {
  const documents = await adminQuery<{ storage_key: string; size_bytes: number }>(
    database.url,
    'select storage_key, size_bytes from request_document',
  );
  for (const document of documents) {
    const file = path.join(
      server.storageDir,
      document.storage_key.slice(0, 2),
      document.storage_key,
    );
    expect(existsSync(file), `the file of document ${document.storage_key}`).toBe(true);
    expect(statSync(file).size).toBe(document.size_bytes);
  }
  const sent = await adminQuery<Request & { audited: number; emails: number }>(
    database.url,
    `select r.id, r.status, r.reference, r.received_at, r.contact_email,
       (select count(*)::int from audit_event a where a.subject_id = r.id::text
          and a.action = 'request for assessment received') as audited,
       (select count(*)::int from email_message m where m.to_address = r.contact_email
          and m.kind = 'request-received') as emails
     from assessment_request r where r.status <> 'draft'`,
  );
  for (const request of sent) {
    expect(request.reference, `request ${request.id}'s reference`).toMatch(/^R\d{3}-\d{4}-\d{5}$/);
    expect(request.received_at).not.toBeNull();
    expect(request.audited, `request ${request.id}'s audit record`).toBe(1);
    expect(request.emails, `request ${request.id}'s email`).toBe(1);
  }
  const drafts = await adminQuery<{ id: string }>(
    database.url,
    `select r.id from assessment_request r where r.status = 'draft' and (r.reference is not null
       or exists (select 1 from audit_event a where a.subject_id = r.id::text
         and a.action = 'request for assessment received'))`,
  );
  expect(drafts, 'drafts carrying part of a sending').toEqual([]);
  return { documents: documents.length, sent: sent.length };
}

/** Starts `action`, and kills the server `afterMs` later, mid-request or just after. */
async function killDuring(action: () => Promise<Answer>, afterMs: number) {
  const outcome = action().then(
    (answer) => answer,
    () => null,
  );
  await delay(afterMs);
  await server.kill9();
  return outcome;
}

describe('kill -9 during a request with uploads', () => {
  it(`keeps everything committed whole across ${RUNS} kills and restarts`, async () => {
    const promised: { email: string; documents: number; sent: boolean }[] = [];
    let interrupted = 0;
    let lastStart = new Date();
    for (let run = 0; run < RUNS; run++) {
      const email = `fault.run${run}@example.com`;
      const client = new WebClient(server.baseUrl);
      await answerRequest(client, email);
      let documents = 0;
      const upload = () =>
        client.upload(`${BASE}/evidence`, {
          field: 'evidence',
          filename: `report ${run}.pdf`,
          data: smallPdf(),
          contentType: 'application/pdf',
        });
      for (let file = 0; file < 2; file++) {
        if ((await upload()).status === 303) documents++;
      }
      // Kill while a third file is uploaded, or while the request is sent; at a random moment.
      const afterMs = KILL_AFTER_MS[run % KILL_AFTER_MS.length]! + Math.floor(Math.random() * 10);
      let sent = false;
      if (run % 2 === 0) {
        const answer = await killDuring(upload, afterMs);
        if (answer?.status === 303) documents++;
        else interrupted++;
      } else {
        await client.get(`${BASE}/check-answers`);
        const answer = await killDuring(() => client.post(`${BASE}/check-answers`), afterMs);
        sent = answer?.location === `${BASE}/confirmation`;
        if (!answer) interrupted++;
      }
      promised.push({ email, documents, sent });
      expect(server.running).toBe(false);

      lastStart = new Date();
      await server.start();
      await checkConsistency();
      // What the client was told succeeded, did.
      const [stored] = await adminQuery<{ status: string; documents: number }>(
        database.url,
        `select r.status, (select count(*)::int from request_document d where d.request_id = r.id)
           as documents from assessment_request r where r.answers->>'contactEmail' = $1`,
        [email],
      );
      expect(stored!.documents).toBeGreaterThanOrEqual(documents);
      if (sent) expect(stored!.status).toBe('submitted');
      // The same browser carries on after the restart: its session and draft were kept.
      const page = await client.get(stored!.status === 'draft' ? `${BASE}/evidence` : BASE);
      expect(page.status).toBe(200);
    }
    const totals = await checkConsistency();
    // Every request sent has its email (checked above), delivered by the restarted process's
    // workers. One whose delivery a kill cut short stays queued or claimed until its job expires
    // (DELIVERY_EXPIRY_SECONDS, 5 minutes), and is delivered then: kept, not lost. Any other is
    // delivered at once.
    const deadline = Date.now() + 20_000;
    let undelivered: unknown[] = [];
    let inFlightAtAKill: unknown[] = [];
    while (Date.now() < deadline) {
      const rows = await adminQuery<{ id: string; status: string; killed: boolean }>(
        database.url,
        `select id, status, created_at < $1 as killed from email_message
          where kind = 'request-received' and status <> 'sent'`,
        [lastStart],
      );
      inFlightAtAKill = rows.filter((r) => r.killed && ['queued', 'sending'].includes(r.status));
      undelivered = rows.filter((r) => !inFlightAtAKill.includes(r));
      if (rows.length === inFlightAtAKill.length) break;
      await delay(250);
    }
    expect(undelivered, 'emails of sent requests not delivered').toEqual([]);
    expect(inFlightAtAKill.length).toBeLessThanOrEqual(RUNS);
    // A kill mid-write may leave a temporary file, never one a row points at.
    const leftovers = readdirSync(server.storageDir, { recursive: true })
      .map(String)
      .filter((name) => name.endsWith('.tmp'));
    console.log(
      `kill -9 x${RUNS}: ${interrupted} kills interrupted a request before its answer; ${totals.documents} documents and ${totals.sent} sent requests consistent; ${promised.filter((p) => p.sent).length} sendings confirmed to the client; ${leftovers.length} temporary files left; ${inFlightAtAKill.length} emails in flight at a kill, left for their job's expiry`,
    );
    expect(server.exits.every((exit) => exit.signal === 'SIGKILL')).toBe(true);
  });
});
