import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Kysely, PostgresDialect, sql, type Transaction } from 'kysely';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { PGliteDialect } from 'kysely-pglite-dialect';
import type { Database } from './schema.ts';
import { lockDataDir, type DataDirLock } from './data-dir-lock.ts';

export type Db = Kysely<Database>;
/** Services take `Db | Trx` first, so the caller owns the transaction. */
export type Trx = Transaction<Database>;
export type DbOrTrx = Db | Trx;

/**
 * How long PostgreSQL may take, in milliseconds (0: no limit). The server cancels a statement
 * after `statementMs` and ends a session left idle in a transaction after `idleInTransactionMs`;
 * the client gives up on a connection attempt after `connectMs`, and on an answer after `queryMs`
 * (for a server that never answers at all, which no server-side timeout can catch).
 */
export type DatabaseTimeouts = {
  connectMs: number;
  statementMs: number;
  queryMs: number;
  idleInTransactionMs: number;
};

/** The defaults, the same as DATABASE_*_TIMEOUT_MS's in src/config.ts. */
export const DEFAULT_DATABASE_TIMEOUTS: DatabaseTimeouts = {
  connectMs: 5_000,
  statementMs: 10_000,
  queryMs: 15_000,
  idleInTransactionMs: 60_000,
};

export type DatabaseOptions =
  | {
      kind: 'postgres';
      url: string;
      poolSize?: number;
      timeouts?: Partial<DatabaseTimeouts>;
    }
  | {
      kind: 'embedded';
      dataDir: string | null;
      /** A data folder to start from (PGlite's `dumpDataDir`), for an in-memory database. */
      snapshot?: Blob;
      /** What this process is, for the refusal another one gets: "the Pathway server". */
      purpose?: string;
    };

export type DatabaseHandle = {
  db: Db;
  kind: 'postgres' | 'embedded';
  /** A short description for start-up logs: never includes credentials. */
  description: string;
  /** How the job queue reaches the same database: its own pool, or the one embedded instance. */
  jobs:
    | { kind: 'postgres'; url: string; timeouts: DatabaseTimeouts }
    | { kind: 'embedded'; client: PGlite };
  /**
   * Told of each connection that fails (the server ended it, or it stopped answering): the pool
   * drops that connection and makes a new one when next needed. The app points this at its log.
   */
  onConnectionError: (error: Error) => void;
  close(): Promise<void>;
};

/**
 * Raised instead of the driver's own error when the database cannot be reached, or a connection
 * to it fails mid-query: the error pages answer 503 and the log says "database unavailable".
 */
export class DatabaseUnavailableError extends Error {
  readonly code = 'DATABASE_UNAVAILABLE';
  constructor(cause: unknown) {
    super(`The database cannot be reached: ${(cause as Error | null)?.message ?? String(cause)}`, {
      cause,
    });
  }
}

/**
 * Whether an error means the connection it came from is unusable: anything but an ordinary
 * error the server reported for a statement (a constraint, a cancelled statement), which leaves
 * the connection as good as before.
 */
export function isConnectionFailure(error: unknown): boolean {
  if (error instanceof DatabaseUnavailableError) return true;
  if (error instanceof pg.DatabaseError) {
    // FATAL and PANIC end the session; class 08 is a connection exception, 57P an operator's
    // intervention (terminate, shutdown, cannot connect now).
    const code = error.code ?? '';
    return (
      error.severity === 'FATAL' ||
      error.severity === 'PANIC' ||
      code.startsWith('08') ||
      code.startsWith('57P')
    );
  }
  if (!(error instanceof Error)) return false;
  // The socket's own errors (ECONNRESET, ECONNREFUSED, EPIPE, ETIMEDOUT...), and the driver's
  // for a connection that ended, timed out or never answered.
  const code = (error as { code?: unknown }).code;
  return (
    (typeof code === 'string' && /^E[A-Z]+$/.test(code)) ||
    /Connection terminated|not queryable|Query read timeout|timeout exceeded when trying to connect/i.test(
      error.message,
    )
  );
}

const DATE_OID = 1082;
const INT8_OID = 20;

/** Dates stay YYYY-MM-DD strings: a calendar date has no time zone, and the clock works on days. */
pg.types.setTypeParser(DATE_OID, (value) => value);
pg.types.setTypeParser(INT8_OID, (value) => value);

/**
 * Whether an uncaught error is a database connection's (a connection that ended or failed under
 * a listener-less client somewhere): such an error says nothing about the process's own state.
 */
export function isStrayConnectionError(error: unknown): boolean {
  if (error instanceof DatabaseUnavailableError || error instanceof pg.DatabaseError) {
    return isConnectionFailure(error);
  }
  if (!(error instanceof Error)) return false;
  const { code, syscall } = error as { code?: unknown; syscall?: unknown };
  return (
    /^(Connection terminated|Client has encountered a connection error|Query read timeout)/.test(
      error.message,
    ) ||
    ((code === 'ECONNRESET' || code === 'EPIPE' || code === 'ETIMEDOUT') &&
      (syscall === 'read' || syscall === 'write'))
  );
}

/**
 * Hands out the pool's clients to Kysely. Each parameterised query is sent as a named prepared
 * statement (named by a hash of its text), so each connection parses and plans it once rather
 * than on every request. Queries without parameters (BEGIN, migrations' scripts) go as they are.
 *
 * Every client gets an error listener for its whole life, idle or checked out: without one, a
 * connection the server ends while a request holds it (pg_terminate_backend, a restart) emits an
 * unhandled 'error' event and the process exits. A client whose query failed for want of a
 * connection (not an ordinary SQL error) is destroyed when released, never reused, so the pool
 * recovers by itself once the database is back.
 */
function preparing(pool: pg.Pool, onConnectionError: (error: Error) => void) {
  const listened = new WeakSet<pg.PoolClient>();
  const named = new Map<string, string>();
  const nameOf = (text: string) => {
    let name = named.get(text);
    if (!name) {
      name = `k${createHash('sha1').update(text).digest('base64url')}`;
      if (named.size < 5_000) named.set(text, name);
    }
    return name;
  };
  return {
    async connect() {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (error) {
        throw new DatabaseUnavailableError(error);
      }
      if (!listened.has(client)) {
        listened.add(client);
        client.on('error', (error) => onConnectionError(error));
      }
      let broken = false;
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      const watch = (result: unknown) =>
        result instanceof Promise
          ? result.catch((error: unknown) => {
              if (!isConnectionFailure(error)) throw error;
              broken = true;
              throw new DatabaseUnavailableError(error);
            })
          : result;
      return Object.assign(Object.create(client) as pg.PoolClient, {
        query: (text: unknown, values?: unknown[]) =>
          watch(
            typeof text === 'string' && values && values.length > 0
              ? query({ name: nameOf(text), text, values })
              : query(text, values),
          ),
        release: (error?: Error | boolean) => client.release(error || broken),
      });
    },
    end: () => pool.end(),
  };
}

const PGLITE_START_PARAMS = (PGlite as unknown as { defaultStartParams: string[] })
  .defaultStartParams;

/**
 * The embedded PostgreSQL lives in this process's WebAssembly memory, which grows and never
 * shrinks: its default 128 MB of shared buffers (PostgreSQL's page cache) ended up resident after
 * a few minutes of load. A PGlite database with a data folder reads its pages through the
 * operating system's file cache anyway, so a small buffer pool costs little (docs/performance.md).
 */
const EMBEDDED_SETTINGS = ['-c', 'shared_buffers=16MB', '-c', 'work_mem=2MB'];

/**
 * PGlite runs each query synchronously on this thread, and its answers come back as promises
 * already settled: under load one request's queries and the next's run as one unbroken chain of
 * microtasks, and Node.js reads no socket and fires no timer until the chain ends (measured: 300
 * connections, a median of 7.7 s, every wait spent outside the server's own queue, so it could
 * not refuse anyone). Each query first lets the event loop turn once.
 */
function yieldingBetweenQueries(client: PGlite): PGlite {
  return {
    query: async (...args: Parameters<PGlite['query']>) => {
      await new Promise((resolve) => setImmediate(resolve));
      return client.query(...args);
    },
    close: () => client.close(),
  } as unknown as PGlite;
}

export function openDatabase(options: DatabaseOptions): DatabaseHandle {
  if (options.kind === 'postgres') {
    const timeouts = { ...DEFAULT_DATABASE_TIMEOUTS, ...options.timeouts };
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      // Gives up on a connection (or on waiting for a free one) rather than wait for ever.
      connectionTimeoutMillis: timeouts.connectMs,
      // Gives up on an answer that never comes (a black-holed network); the connection is then
      // destroyed (see `preparing`). Longer than the statement timeout, so a slow statement is
      // cancelled by the server first and its connection kept.
      query_timeout: timeouts.queryMs || undefined,
      // Notices a peer that has gone away on an idle connection.
      keepAlive: true,
      // Each prepared statement is planned once per connection, not on every execution: every
      // query leads with the tenant key or a primary key, so the generic plan is the right one,
      // and PostgreSQL's default kept re-planning the tray's statement (a third of its cost;
      // 40% more throughput measured with pgbench; see docs/performance.md).
      options: [
        '-c plan_cache_mode=force_generic_plan',
        `-c statement_timeout=${timeouts.statementMs}`,
        `-c idle_in_transaction_session_timeout=${timeouts.idleInTransactionMs}`,
      ].join(' '),
    });
    const handle: DatabaseHandle = {
      db: undefined as unknown as Db,
      kind: 'postgres',
      description: '',
      jobs: { kind: 'postgres', url: options.url, timeouts },
      onConnectionError: (error) =>
        console.error(
          `database connection failed: ${(error as { code?: string }).code ?? ''} ${error.message}`,
        ),
      close: () => handle.db.destroy(),
    };
    // An idle client's error reaches both its own listener (below) and the pool's: the pool
    // drops the client; the listener reports it.
    pool.on('error', () => {});
    handle.db = new Kysely<Database>({
      dialect: new PostgresDialect({
        pool: preparing(pool, (error) => handle.onConnectionError(error)) as unknown as pg.Pool,
      }),
    });
    const url = new URL(options.url);
    handle.description = `PostgreSQL at ${url.hostname}:${url.port || 5432}${url.pathname}`;
    return handle;
  }
  let dataDir: string | undefined;
  // One process per folder: locked before PGlite (or anything else) opens it.
  let lock: DataDirLock | undefined;
  if (options.dataDir) {
    lock = lockDataDir(options.dataDir, options.purpose);
    dataDir = path.resolve(options.dataDir, 'pglite');
  }
  try {
    if (dataDir) mkdirSync(dataDir, { recursive: true });
    // Options must go in the first argument: PGlite ignores the second when the first is undefined.
    const client = new PGlite({
      dataDir,
      ...(options.snapshot ? { loadDataDir: options.snapshot } : {}),
      startParams: [...PGLITE_START_PARAMS, ...EMBEDDED_SETTINGS],
      parsers: { [DATE_OID]: (value: string) => value, [INT8_OID]: (value: string) => value },
    });
    const db = new Kysely<Database>({ dialect: new PGliteDialect(yieldingBetweenQueries(client)) });
    return {
      db,
      kind: 'embedded',
      description: dataDir ? `embedded PGlite in ${dataDir}` : 'embedded PGlite in memory',
      jobs: { kind: 'embedded', client },
      onConnectionError: () => {},
      close: async () => {
        try {
          await db.destroy();
        } finally {
          lock?.release();
        }
      },
    };
  } catch (error) {
    lock?.release();
    throw error;
  }
}

/**
 * Whether the database answers `select 1` within `timeoutMs`: false when it fails or is slower,
 * so a health check answers in time whatever the database does. A query still running when the
 * time is up goes on to its own timeout; its outcome is ignored.
 */
export async function databaseAnswers(db: Db, timeoutMs = 1_000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([
      sql`select 1`.execute(db).then(
        () => true,
        () => false,
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
