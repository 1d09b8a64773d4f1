/**
 * The database failing under Pathway, without a real failure: a stand-in PostgreSQL server that
 * accepts connections and then never answers, or ends them as PostgreSQL does when an operator
 * terminates a backend. (The fault suite, `npm run test:faults`, does the same to a real server
 * process and a real PostgreSQL.)
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { buildApp } from '../src/app.ts';
import {
  databaseAnswers,
  DatabaseUnavailableError,
  isConnectionFailure,
  isStrayConnectionError,
  openDatabase,
  type DatabaseHandle,
} from '../src/db/database.ts';
import { createJobQueue } from '../src/jobs/queue.ts';
import { services } from '../src/services.ts';
import { testConfig } from './helpers.ts';

/** A message of PostgreSQL's wire protocol: a type byte, then its length and body. */
function message(type: string, body: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeInt32BE(body.length + 4);
  return Buffer.concat([Buffer.from(type), length, body]);
}

/**
 * A stand-in for PostgreSQL. `answer: 'never'` accepts connections and says nothing (a
 * black-holed database); `answer: 'login'` lets a client log in and then answers no query, and
 * `terminate()` ends every connection with PostgreSQL's own FATAL 57P01.
 */
class StandInServer {
  readonly sockets = new Set<net.Socket>();
  connections = 0;
  private server: net.Server;
  port = 0;

  private readonly answer: 'never' | 'login';

  constructor(answer: 'never' | 'login') {
    this.answer = answer;
    this.server = net.createServer((socket) => {
      this.connections++;
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => {});
      socket.once('data', () => {
        if (this.answer === 'never') return;
        const authenticationOk = message('R', Buffer.from([0, 0, 0, 0]));
        const readyForQuery = message('Z', Buffer.from('I'));
        socket.write(Buffer.concat([authenticationOk, readyForQuery]));
      });
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
    return this.port;
  }

  terminate(): void {
    const fields = [
      'SFATAL',
      'VFATAL',
      'C57P01',
      'Mterminating connection due to administrator command',
    ];
    const body = Buffer.concat([...fields.map((f) => Buffer.from(`${f}\0`)), Buffer.from([0])]);
    for (const socket of this.sockets) socket.end(message('E', body));
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const cleanUps: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanUp of cleanUps.splice(0).reverse()) await cleanUp();
});

async function standIn(answer: 'never' | 'login') {
  const server = new StandInServer(answer);
  await server.listen();
  cleanUps.push(() => server.close());
  const handle = openDatabase({
    kind: 'postgres',
    url: `postgres://pathway@127.0.0.1:${server.port}/pathway`,
    poolSize: 2,
    timeouts: { connectMs: 300, statementMs: 200, queryMs: 400, idleInTransactionMs: 1_000 },
  });
  cleanUps.push(() => handle.close());
  return { server, handle };
}

describe('a database that never answers', () => {
  it('is reported down within a second, and queries fail rather than hang', async () => {
    const { handle } = await standIn('never');
    let started = performance.now();
    expect(await databaseAnswers(handle.db)).toBe(false);
    expect(performance.now() - started).toBeLessThan(1_500);

    started = performance.now();
    const failure = await sql`select 1`.execute(handle.db).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DatabaseUnavailableError);
    expect(performance.now() - started).toBeLessThan(1_500);
  });

  it('gets /health a 503 within 2 s and every page the error page with its reference', async () => {
    const { handle } = await standIn('never');
    const config = testConfig({ DEMO_DATA: 'false' });
    const app = await buildApp(
      services(config, handle, { jobs: createJobQueue(handle, { maintenance: false }) }),
      { logger: false },
    );
    cleanUps.push(() => app.close());

    let started = performance.now();
    const health = await app.inject({ method: 'GET', url: '/health' });
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(health.statusCode).toBe(503);
    expect(health.json()).toEqual({ status: 'unavailable', database: 'down' });

    started = performance.now();
    const page = await app.inject({ method: 'GET', url: '/request-an-assessment' });
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(page.statusCode).toBe(503);
    expect(page.body).toContain('Sorry, there is a problem with the service');
    const reference = String(page.headers['x-correlation-id']);
    expect(reference).toMatch(/^[0-9a-f-]{36}$/);
    expect(page.body).toContain(`give this reference: <strong>${reference}</strong>`);

    // The session is read from the database on every request: a page with a session cookie
    // gets the same answer, and no new session cookie for a session that was never stored.
    const withSession = await app.inject({
      method: 'GET',
      url: '/request-an-assessment/what-happens-next',
      cookies: { pathway_session: 'a'.repeat(43) },
    });
    expect(withSession.statusCode).toBe(503);
    expect(withSession.body).toContain('give this reference');
    expect(withSession.cookies.find((c) => c.name === 'pathway_session')).toBeUndefined();
  });
});

describe('a connection the database ends', () => {
  async function terminatedWhileCheckedOut(handle: DatabaseHandle, server: StandInServer) {
    // A request holds a connection (in a transaction, say) when PostgreSQL ends it.
    await handle.db.connection().execute(async () => {
      expect(server.sockets.size).toBe(1);
      server.terminate();
      await new Promise((resolve) => setTimeout(resolve, 100));
    });
  }

  it('is reported, never an unhandled error event, and never handed out again', async () => {
    const { server, handle } = await standIn('login');
    const reported: Error[] = [];
    handle.onConnectionError = (error) => reported.push(error);
    // Without a listener on the checked-out client this emits an unhandled 'error' event, which
    // ends a real process (and fails this test file).
    await terminatedWhileCheckedOut(handle, server);
    // PostgreSQL's FATAL message, then the socket's end.
    expect((reported[0] as { code?: string } | undefined)?.code).toBe('57P01');

    // The next query gets a new connection: the ended one was dropped, not reused. (The stand-in
    // answers no query, so it times out: as a database that stopped answering.)
    const failure = await sql`select 1`.execute(handle.db).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DatabaseUnavailableError);
    expect(server.connections).toBe(2);
    // That connection stopped answering, so it is dropped too; the next query makes a third.
    await sql`select 1`.execute(handle.db).catch(() => undefined);
    expect(server.connections).toBe(3);
  });

  it('is told from an ordinary SQL error, which keeps the connection', () => {
    const pgError = (severity: string, code: string) =>
      Object.assign(new Error('x'), { severity, code, name: 'error' });
    expect(isConnectionFailure(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isConnectionFailure(new Error('Query read timeout'))).toBe(true);
    expect(isConnectionFailure(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isConnectionFailure(new TypeError('Cannot read properties of undefined'))).toBe(false);
    expect(isConnectionFailure(pgError('ERROR', '23505'))).toBe(false);
    // A listen error is the process's own problem, not a stray connection's.
    expect(
      isStrayConnectionError(
        Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE', syscall: 'listen' }),
      ),
    ).toBe(false);
    expect(
      isStrayConnectionError(
        Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET', syscall: 'read' }),
      ),
    ).toBe(true);
  });
});
