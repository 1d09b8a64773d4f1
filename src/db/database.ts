import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Kysely, PostgresDialect, sql, type Transaction } from 'kysely';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { PGliteDialect } from 'kysely-pglite-dialect';
import type { Database } from './schema.ts';

export type Db = Kysely<Database>;
/** Services take `Db | Trx` first, so the caller owns the transaction. */
export type Trx = Transaction<Database>;
export type DbOrTrx = Db | Trx;

export type DatabaseOptions =
  | { kind: 'postgres'; url: string; poolSize?: number }
  | { kind: 'embedded'; dataDir: string | null };

export type DatabaseHandle = {
  db: Db;
  kind: 'postgres' | 'embedded';
  /** A short description for start-up logs: never includes credentials. */
  description: string;
  /** How the job queue reaches the same database: its own pool, or the one embedded instance. */
  jobs: { kind: 'postgres'; url: string } | { kind: 'embedded'; client: PGlite };
  close(): Promise<void>;
};

const DATE_OID = 1082;
const INT8_OID = 20;

/** Dates stay YYYY-MM-DD strings: a calendar date has no time zone, and the clock works on days. */
pg.types.setTypeParser(DATE_OID, (value) => value);
pg.types.setTypeParser(INT8_OID, (value) => value);

/**
 * Each parameterised query is sent as a named prepared statement (named by a hash of its text),
 * so each connection parses and plans it once rather than on every request. Queries without
 * parameters (BEGIN, migrations' scripts) go as they are.
 */
function preparing(pool: pg.Pool) {
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
      const client = await pool.connect();
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      return Object.assign(Object.create(client) as pg.PoolClient, {
        query: (text: unknown, values?: unknown[]) =>
          typeof text === 'string' && values && values.length > 0
            ? query({ name: nameOf(text), text, values })
            : query(text, values),
        release: (error?: Error | boolean) => client.release(error),
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
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      // Each prepared statement is planned once per connection, not on every execution: every
      // query leads with the tenant key or a primary key, so the generic plan is the right one,
      // and PostgreSQL's default kept re-planning the tray's statement (a third of its cost;
      // 40% more throughput measured with pgbench; see docs/performance.md).
      options: '-c plan_cache_mode=force_generic_plan',
    });
    // An idle client's error (the server restarted) must not crash the process.
    pool.on('error', () => {});
    const db = new Kysely<Database>({
      dialect: new PostgresDialect({ pool: preparing(pool) as unknown as pg.Pool }),
    });
    const url = new URL(options.url);
    return {
      db,
      kind: 'postgres',
      description: `PostgreSQL at ${url.hostname}:${url.port || 5432}${url.pathname}`,
      jobs: { kind: 'postgres', url: options.url },
      close: () => db.destroy(),
    };
  }
  let dataDir: string | undefined;
  if (options.dataDir) {
    dataDir = path.resolve(options.dataDir, 'pglite');
    mkdirSync(dataDir, { recursive: true });
  }
  // Options must go in the first argument: PGlite ignores the second when the first is undefined.
  const client = new PGlite({
    dataDir,
    startParams: [...PGLITE_START_PARAMS, ...EMBEDDED_SETTINGS],
    parsers: { [DATE_OID]: (value: string) => value, [INT8_OID]: (value: string) => value },
  });
  const db = new Kysely<Database>({ dialect: new PGliteDialect(yieldingBetweenQueries(client)) });
  return {
    db,
    kind: 'embedded',
    description: dataDir ? `embedded PGlite in ${dataDir}` : 'embedded PGlite in memory',
    jobs: { kind: 'embedded', client },
    close: () => db.destroy(),
  };
}

export async function databaseAnswers(db: Db): Promise<boolean> {
  try {
    await sql`select 1`.execute(db);
    return true;
  } catch {
    return false;
  }
}
