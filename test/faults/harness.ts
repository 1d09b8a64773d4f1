/**
 * The fault suite's harness: a database of its own on the PostgreSQL server, a real Pathway
 * server process (`node src/main.ts`) reaching it through the test's proxy, and a small HTTP
 * client that keeps cookies and reads CSRF tokens as a browser would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { openDatabase } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { seedDemoData } from '../../src/features/demo/demo-data.ts';

export const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * The timeouts the suite runs the server with: short, so 20 runs of each fault fit in minutes.
 * The defaults in src/config.ts are longer; these show the same machinery at a smaller scale.
 */
export const FAULT_TIMEOUTS = {
  DATABASE_CONNECT_TIMEOUT_MS: '1000',
  DATABASE_STATEMENT_TIMEOUT_MS: '1000',
  DATABASE_QUERY_TIMEOUT_MS: '1500',
  DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: '5000',
};

export type FaultDatabase = { name: string; url: string; drop(): Promise<void> };

/** A new database with the schema and the demo data, dropped by `drop()`. */
export async function createFaultDatabase(): Promise<FaultDatabase> {
  const name = `pathway_fault_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const handle = openDatabase({ kind: 'postgres', url: url.toString(), poolSize: 2 });
  try {
    await migrateToLatest(handle.db);
    await seedDemoData(handle.db);
  } finally {
    await handle.close();
  }
  return {
    name,
    url: url.toString(),
    async drop() {
      const cleanup = new pg.Client({ connectionString: ADMIN_URL });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleanup.end();
    },
  };
}

/** Runs one statement on the database server directly (not through the proxy). */
export async function adminQuery<R extends pg.QueryResultRow>(
  url: string,
  text: string,
  values: unknown[] = [],
): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A URL with its host and port replaced: the application's database URL through the proxy. */
export function through(url: string, port: number): string {
  const u = new URL(url);
  u.hostname = '127.0.0.1';
  u.port = String(port);
  return u.toString();
}

export class ServerProcess {
  readonly port: number;
  readonly baseUrl: string;
  readonly storageDir: string;
  private readonly env: Record<string, string>;
  private child: ChildProcess | null = null;
  output = '';
  exits: { code: number | null; signal: NodeJS.Signals | null }[] = [];

  constructor(options: { databaseUrl: string; port: number; env?: Record<string, string> }) {
    this.port = options.port;
    this.baseUrl = `http://127.0.0.1:${options.port}`;
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'pathway-fault-'));
    this.storageDir = path.join(dataDir, 'documents');
    this.env = {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: String(options.port),
      DATABASE_URL: options.databaseUrl,
      DATA_DIR: dataDir,
      STORAGE_DIR: this.storageDir,
      DEMO_DATA: 'false',
      LOG_LEVEL: process.env.FAULT_LOG_LEVEL ?? 'fatal',
      ...FAULT_TIMEOUTS,
      ...options.env,
    };
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts `node src/main.ts` and waits until it answers on its port. */
  async start(timeoutMs = 30_000): Promise<void> {
    const child = spawn(process.execPath, ['src/main.ts'], {
      cwd: root,
      env: this.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-20_000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    child.on('exit', (code, signal) => this.exits.push({ code, signal }));
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`The server exited while starting:\n${this.output}`);
      try {
        await fetch(`${this.baseUrl}/health`, { signal: AbortSignal.timeout(1000) });
        return;
      } catch {
        await delay(100);
      }
    }
    throw new Error(`The server did not answer within ${timeoutMs} ms:\n${this.output}`);
  }

  /** kill -9: no chance to finish anything. */
  async kill9(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }

  /** Stops the server and removes its folders. */
  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.env.DATA_DIR!, { recursive: true, force: true });
  }
}

export const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export type Answer = { status: number; body: string; location: string | null; ms: number };

/** A browser-like HTTP client over the network: cookies, CSRF tokens, no redirects followed. */
export class WebClient {
  private readonly base: string;
  private readonly cookies = new Map<string, string>();
  csrf: string | null = null;

  constructor(base: string) {
    this.base = base;
  }

  private async send(url: string, init: RequestInit, timeoutMs: number): Promise<Answer> {
    const started = performance.now();
    const response = await fetch(`${this.base}${url}`, {
      ...init,
      redirect: 'manual',
      signal: AbortSignal.timeout(Math.round(timeoutMs)),
      headers: {
        ...(init.headers as Record<string, string>),
        cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
      },
    });
    const body = await response.text();
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const index = pair!.indexOf('=');
      const name = pair!.slice(0, index).trim();
      const value = pair!.slice(index + 1).trim();
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const token = /name="_csrf" value="([^"]+)"/.exec(body);
    if (token) this.csrf = token[1]!;
    return {
      status: response.status,
      body,
      location: response.headers.get('location'),
      ms: performance.now() - started,
    };
  }

  get(url: string, timeoutMs = 30_000): Promise<Answer> {
    return this.send(url, { method: 'GET' }, timeoutMs);
  }

  post(url: string, form: Record<string, string> = {}, timeoutMs = 30_000): Promise<Answer> {
    const body = new URLSearchParams({ ...(this.csrf ? { _csrf: this.csrf } : {}), ...form });
    return this.send(
      url,
      {
        method: 'POST',
        body: body.toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      },
      timeoutMs,
    );
  }

  upload(
    url: string,
    file: { field: string; filename: string; data: Buffer; contentType: string },
    timeoutMs = 30_000,
  ): Promise<Answer> {
    const form = new FormData();
    if (this.csrf) form.append('_csrf', this.csrf);
    form.append(
      file.field,
      new Blob([new Uint8Array(file.data)], { type: file.contentType }),
      file.filename,
    );
    return this.send(url, { method: 'POST', body: form }, timeoutMs);
  }
}

export const BASE = '/request-an-assessment';

/** The answers of a parent's request, as the request journey's tests give them. */
export function parentAnswers(contactEmail: string): [string, Record<string, string>][] {
  return [
    ['child-name', { childFirstName: 'Robin', childLastName: 'Faultcase' }],
    [
      'date-of-birth',
      {
        'childDateOfBirth-day': '4',
        'childDateOfBirth-month': '6',
        'childDateOfBirth-year': '2017',
      },
    ],
    [
      'address',
      { addressLine1: '1 Example Street', addressTown: 'Exampletown', addressPostcode: 'ex1 1aa' },
    ],
    ['about-the-child', { upn: '', languages: 'English', inCare: 'no' }],
    [
      'parents',
      { parentName: 'Sam Faultcase', parentRelationship: 'Mother', parentResponsibility: 'yes' },
    ],
    ['education', { settingStatus: 'in-setting', settingName: 'Oakfield Primary School' }],
    ['needs', { needs: 'Reading and writing.', supportSoFar: 'Small group reading.' }],
    ['childs-views', { childViews: 'I like drawing.' }],
    ['family-views', { familyViews: 'We hope Robin can enjoy school.' }],
    ['professionals', { professionals: 'Speech and language therapist' }],
    ['consent', { shareConsent: 'yes' }],
    ['contact', { contactEmail, contactBy: 'email' }],
  ];
}

/**
 * Starts a request as a parent and answers every question, up to the evidence page. Throws
 * when a step does not go where the journey goes.
 */
export async function answerRequest(client: WebClient, contactEmail: string): Promise<void> {
  await client.get(BASE);
  let response = await client.post(`${BASE}/start`);
  if (response.location !== `${BASE}/council`) {
    throw new Error(`start: ${response.status} ${response.location}`);
  }
  const council = /name="localAuthorityId" type="radio" value="([^"]+)"/.exec(
    (await client.get(`${BASE}/council`)).body,
  )?.[1];
  if (!council) throw new Error('No council to choose');
  await client.post(`${BASE}/council`, { localAuthorityId: council });
  await client.get(`${BASE}/who-is-asking`);
  response = await client.post(`${BASE}/who-is-asking`, { requesterKind: 'parent' });
  for (const [slug, form] of parentAnswers(contactEmail)) {
    if (response.location !== `${BASE}/${slug}`) {
      throw new Error(`expected ${slug}, went to ${response.status} ${response.location}`);
    }
    await client.get(`${BASE}/${slug}`);
    response = await client.post(`${BASE}/${slug}`, form);
  }
  if (response.location !== `${BASE}/evidence`) {
    throw new Error(`expected the evidence page, went to ${response.status} ${response.location}`);
  }
  await client.get(`${BASE}/evidence`);
}

/** A small real PDF, different each time. */
export function smallPdf(): Buffer {
  return Buffer.from(
    `%PDF-1.4\n% ${randomBytes(8).toString('hex')}\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n`,
  );
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Whether a page is the ordinary error page with a reference (the correlation id). */
export function isErrorPageWithReference(answer: Answer): boolean {
  return (
    answer.status >= 500 &&
    /Sorry, there is a problem with the service/.test(answer.body) &&
    /give this reference: <strong>[0-9a-f-]{36}<\/strong>/.test(answer.body)
  );
}
