/**
 * What the benchmark and the soak share: the bench database, signed-in sessions made directly in
 * the session table, the people and cases a run drives, and Pathway started as its own process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { openDatabase, type Db } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { todayInEngland } from '../src/domain/clock/calendar-date.ts';
import { SEED_PRESETS, seedSyntheticData } from './synthetic/synthetic-data.ts';
import { freePort } from '../e2e/server.ts';

export const BENCH_URL =
  process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/pathway_bench';

export const log = (line: string) => process.stderr.write(`${line}\n`);

export async function ensureDatabase(url: string) {
  const target = new URL(url);
  const name = target.pathname.slice(1);
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`Unusable database name: ${name}`);
  const maintenance = new URL(url);
  maintenance.pathname = '/postgres';
  const client = new pg.Client({ connectionString: maintenance.toString() });
  await client.connect();
  const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${name}`);
  await client.end();
}

/** A signed-in session for a user, made directly in the session table (no password needed). */
export async function sessionFor(db: Db, userId: string) {
  const id = randomBytes(32).toString('base64url');
  await db
    .insertInto('user_session')
    .values({
      id_hash: createHash('sha256').update(id).digest('base64url'),
      user_id: userId,
      data: JSON.stringify({ userId, secondFactorVerified: true }),
      last_seen_at: new Date(),
      expires_at: new Date(Date.now() + 24 * 3600_000),
    })
    .execute();
  return `pathway_session=${id}`;
}

/** Who a run drives: the busiest caseworker, their cases, and one of their families. */
export type Cast = {
  caseworkerSession: string;
  familySession: string;
  caseIds: string[];
  localAuthorityId: string;
  counts: { cases: number; auditEvents: number };
};

export async function castOf(db: Db): Promise<Cast> {
  const officer = await db
    .selectFrom('case')
    .select(['assigned_officer_id', 'local_authority_id'])
    .select((eb) => eb.fn.countAll<string>().as('cases'))
    .where('assigned_officer_id', 'is not', null)
    .groupBy(['assigned_officer_id', 'local_authority_id'])
    .orderBy('cases', 'desc')
    .limit(1)
    .executeTakeFirstOrThrow();
  const caseIds = (
    await db
      .selectFrom('case')
      .select('id')
      .where('local_authority_id', '=', officer.local_authority_id)
      .orderBy('next_step_due_on')
      .limit(500)
      .execute()
  ).map((r) => r.id);
  const parent = await db
    .selectFrom('case_participant')
    .innerJoin('case', 'case.id', 'case_participant.case_id')
    .select('case_participant.user_id')
    .where('case.local_authority_id', '=', officer.local_authority_id)
    .where('case_participant.case_role', '=', 'parent_carer')
    .where('case.stage', '=', 'plan_in_place')
    .limit(1)
    .executeTakeFirstOrThrow();
  const counts = await sql<{ cases: string; audit: string }>`
    SELECT (SELECT count(*) FROM "case")::text AS cases,
           (SELECT count(*) FROM audit_event)::text AS audit`.execute(db);
  return {
    caseworkerSession: await sessionFor(db, officer.assigned_officer_id!),
    familySession: await sessionFor(db, parent.user_id!),
    caseIds,
    localAuthorityId: officer.local_authority_id,
    counts: { cases: Number(counts.rows[0]!.cases), auditEvents: Number(counts.rows[0]!.audit) },
  };
}

/** The pages the benchmark measures, each with the paths it takes in turn and whose session. */
export function benchPages(
  cast: Cast,
  caseworker: string,
  family: string,
): Record<string, { paths: string[]; cookie: string }> {
  return {
    baseline: { paths: ['/accessibility'], cookie: caseworker },
    tray: { paths: ['/cases'], cookie: caseworker },
    'tray-filtered': { paths: ['/cases?due=overdue'], cookie: caseworker },
    case: { paths: cast.caseIds.map((id) => `/cases/${id}`), cookie: caseworker },
    family: { paths: ['/your-cases'], cookie: family },
    notifications: { paths: ['/notifications'], cookie: caseworker },
  };
}

/**
 * The bench database on PostgreSQL, with the `large-la` preset loaded if it is empty and
 * vacuumed, and the cast of a run; the connection is closed before Pathway starts.
 */
export async function preparePostgres(): Promise<{ cast: Cast; postgres: string }> {
  await ensureDatabase(BENCH_URL);
  const database = openDatabase({ kind: 'postgres', url: BENCH_URL, poolSize: 4 });
  try {
    await migrateToLatest(database.db);
    const { db } = database;
    const authorities = await db.selectFrom('local_authority').select('id').execute();
    if (authorities.length === 0) {
      log('The database is empty: loading the large-la preset (about 20 seconds).');
      const started = Date.now();
      await seedSyntheticData(database, { ...SEED_PRESETS['large-la'], today: todayInEngland() });
      log(`Loaded in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
    }
    // A production database has autovacuum keeping statistics, visibility maps and the audit
    // index's pending list up to date; PostgreSQL on a development machine may run without it
    // (this one does), and every run adds audit rows. Vacuum first so each run starts the same.
    log('Vacuuming...');
    await sql`VACUUM ANALYZE`.execute(db);
    const cast = await castOf(db);
    const version = await sql<{ version: string }>`SELECT version()`.execute(db);
    return { cast, postgres: version.rows[0]!.version.split(' on ')[0]! };
  } finally {
    await database.close();
  }
}

export type BenchServer = {
  baseUrl: string;
  pid: number;
  /** The server's own figures (heap and more), reported every second through IPC. */
  memory(): NodeJS.MemoryUsage | undefined;
  stop(): Promise<void>;
};

/**
 * Starts Pathway (`node src/main.ts`) and waits for `/health`. `env` is added to a minimal
 * environment (no inherited variables). With `reportMemory`, bench/memory-reporter.ts is loaded
 * first and sends `process.memoryUsage()` every second over the IPC channel.
 */
export async function startPathway(options: {
  env: Record<string, string>;
  nodeArgs?: string[];
  reportMemory?: boolean;
}): Promise<BenchServer> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const reporter = options.reportMemory
    ? ['--import', path.join(import.meta.dirname, 'memory-reporter.ts')]
    : [];
  const server: ChildProcess = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), ...reporter, 'src/main.ts'],
    {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        SESSION_SECRET: randomBytes(48).toString('base64url'),
        PORT: String(port),
        HOST: '127.0.0.1',
        BASE_URL: baseUrl,
        LOG_LEVEL: 'warn',
        ...options.env,
      },
      stdio: ['ignore', 'inherit', 'inherit', ...(options.reportMemory ? ['ipc' as const] : [])],
    },
  );
  let memory: NodeJS.MemoryUsage | undefined;
  server.on('message', (message) => (memory = message as NodeJS.MemoryUsage));
  const stop = async () => {
    if (server.exitCode !== null) return;
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
  };
  try {
    for (let waited = 0; ; waited += 200) {
      if (server.exitCode !== null) throw new Error('Pathway exited before it started');
      try {
        if ((await fetch(`${baseUrl}/health`)).ok) break;
      } catch {
        // not listening yet
      }
      if (waited > 60_000) throw new Error('Pathway did not start within a minute');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  server.channel?.unref();
  return { baseUrl, pid: server.pid!, memory: () => memory, stop };
}

/** The environment production runs Pathway with on PostgreSQL (workers off: pages only). */
export function productionEnv(databaseUrl: string): Record<string, string> {
  return {
    // Production settings (cached templates, no development extras), as a council would run.
    NODE_ENV: 'production',
    // Required in production; never used here, as no worker runs to send anything.
    MAILER: 'smtp',
    SMTP_URL: 'smtp://127.0.0.1:2525',
    DATABASE_URL: databaseUrl,
    RUN_WORKERS: 'false',
  };
}

/**
 * A browser keeps the cookies a page sets (the CSRF secret's among them), so each session does
 * too: without it, every page would make a new CSRF secret, as only a first visit does. Returns
 * the cookie header and the page's CSRF token, for posting forms.
 */
export async function keepCookies(
  baseUrl: string,
  cookie: string,
  page = '/accessibility',
): Promise<{ cookie: string; csrf: string }> {
  const first = await fetch(`${baseUrl}${page}`, { headers: { cookie } });
  const set = first.headers.getSetCookie().map((c) => c.split(';')[0]!);
  const html = await first.text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
  return { cookie: [cookie, ...set].filter(Boolean).join('; '), csrf };
}

/** The server's resident memory, from /proc (Linux), in MiB; undefined elsewhere. */
export async function residentMiB(pid: number): Promise<number | undefined> {
  const { readFile } = await import('node:fs/promises');
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
    return kb ? Math.round((Number(kb) / 1024) * 10) / 10 : undefined;
  } catch {
    return undefined;
  }
}

export function machineInfo() {
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
  };
}
