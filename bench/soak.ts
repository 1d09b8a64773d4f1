/**
 * `npm run bench -- --soak MINUTES`: mixed traffic at 50 connections for a long stretch, to find
 * what the benchmark's short slices cannot: errors that come with time, and memory that grows.
 *
 * Every page of the benchmark, plus real form posts (each with its session's cookies and CSRF
 * token, as a browser sends them): a caseworker and a family saving their notification settings,
 * a caseworker marking their notifications read and keeping their session alive, and someone at
 * the public front door answering a question of their request draft. Each post rewrites one row
 * (the user's setting, their notifications' read time, the session, the draft's answers), so
 * nothing grows but the audit log of the pages viewed, as in the benchmark.
 *
 * The server's memory is sampled through the run: its resident set from /proc/<pid>/status, and
 * its V8 heap and external memory as the server itself reports them (bench/memory-reporter.ts,
 * loaded only by the soak). It prints a table, writes bench/results/<date>-soak.json, and exits
 * with 1 unless the verdict passes (see VERDICT).
 *
 * With --embedded, Pathway runs on the embedded database (PGlite) in a fresh DATA_DIR with the
 * demo data, as `npm start` runs it.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { openDatabase } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { seedDemoData } from '../src/features/demo/demo-data.ts';
import {
  BENCH_URL,
  benchPages,
  castOf,
  keepCookies,
  log,
  machineInfo,
  preparePostgres,
  productionEnv,
  residentMiB,
  startPathway,
  type Cast,
} from './server.ts';

/** The soak's connections; `--connections` changes it, to overload the embedded database. */
export const CONNECTIONS = 50;

/**
 * The verdict. Errors: none at all (a timeout, a connection error, or any status other than the
 * one a request expects). Memory, after a warm-up of the first third of the run (V8 sizes its
 * heap, PostgreSQL's prepared statements and the template and query caches fill):
 *
 * - the least-squares slope of the resident set over the rest of the run is under 1 MiB a
 *   minute. At the soak's ~500 requests a second that is 35 bytes a request, and 1.4 GiB a day;
 *   with samples every 15 s over 20 minutes and the garbage collector's sawtooth of about
 *   ±10 MiB, the slope's standard error is about 0.2 MiB a minute, so a flat process does not
 *   fail by chance and a leak that would matter within a day does not pass;
 * - the largest resident set of the last third is within 10% of the first sample after the
 *   warm-up: a step that the slope alone could average away.
 */
export const VERDICT = { slopeMiBPerMinute: 1, lastThirdGrowth: 0.1, warmUpFraction: 1 / 3 };

/** One request of the mix: what it sends and the statuses a working server answers with. */
type Operation = {
  name: string;
  method: 'GET' | 'POST';
  paths: string[];
  cookie: string;
  body?: (turn: number) => string;
  expect: number[];
};

type MemorySample = {
  second: number;
  requests: number;
  rps: number;
  errors: number;
  p99: number;
  rssMiB: number | null;
  heapUsedMiB: number | null;
  heapTotalMiB: number | null;
  externalMiB: number | null;
};

const mib = (bytes: number | undefined) =>
  bytes === undefined ? null : Math.round((bytes / 2 ** 20) * 10) / 10;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return Math.round(sorted[Math.max(0, index)]! * 100) / 100;
}

/** The least-squares slope of y over x. */
export function slope(points: { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const sxx = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  const sxy = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0);
  return sxx === 0 ? 0 : sxy / sxx;
}

/** Whether memory was flat after the warm-up, by VERDICT's two tests. */
export function memoryVerdict(
  samples: { second: number; rssMiB: number | null }[],
  seconds: number,
) {
  const after = samples.filter(
    (s): s is { second: number; rssMiB: number } =>
      s.rssMiB !== null && s.second >= seconds * VERDICT.warmUpFraction,
  );
  const lastThird = after.filter((s) => s.second >= (seconds * 2) / 3);
  const slopePerMinute = slope(after.map((s) => ({ x: s.second / 60, y: s.rssMiB })));
  const first = after[0]?.rssMiB ?? 0;
  const lastMax = Math.max(...lastThird.map((s) => s.rssMiB));
  const growth = first > 0 ? lastMax / first - 1 : 0;
  const problems: string[] = [];
  if (after.length < 3 || lastThird.length === 0) problems.push('too few memory samples');
  if (slopePerMinute >= VERDICT.slopeMiBPerMinute)
    problems.push(
      `resident memory grew ${slopePerMinute.toFixed(2)} MiB a minute after the warm-up (limit ${VERDICT.slopeMiBPerMinute})`,
    );
  if (growth > VERDICT.lastThirdGrowth)
    problems.push(
      `the last third's largest resident set, ${lastMax} MiB, is ${(growth * 100).toFixed(1)}% above the first after the warm-up, ${first} MiB (limit ${VERDICT.lastThirdGrowth * 100}%)`,
    );
  return {
    slopeMiBPerMinute: Math.round(slopePerMinute * 100) / 100,
    firstAfterWarmUpMiB: first,
    lastThirdMaxMiB: lastMax,
    growth: Math.round(growth * 1000) / 1000,
    problems,
  };
}

/** The embedded database in a fresh folder, with the demo data, and the cast of a run. */
async function prepareEmbedded(dataDir: string): Promise<Cast> {
  const database = openDatabase({ kind: 'embedded', dataDir });
  try {
    await migrateToLatest(database.db);
    await seedDemoData(database.db);
    return await castOf(database.db);
  } finally {
    await database.close();
  }
}

/** The mix: every page of the benchmark and the form posts, in turn. */
async function operationsFor(baseUrl: string, cast: Cast): Promise<Operation[]> {
  const caseworker = await keepCookies(baseUrl, cast.caseworkerSession);
  const family = await keepCookies(baseUrl, cast.familySession);
  const pages = benchPages(cast, caseworker.cookie, family.cookie);
  const form = (csrf: string, fields: Record<string, string>) =>
    new URLSearchParams({ _csrf: csrf, ...fields }).toString();
  const frequencies = ['daily', 'immediate'];

  // Someone at the public front door, not signed in, with a request draft of their own.
  const visitor = await keepCookies(baseUrl, '', '/request-an-assessment');
  const started = await fetch(`${baseUrl}/request-an-assessment/start`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      cookie: visitor.cookie,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: form(visitor.csrf, {}),
  });
  if (started.status !== 303) throw new Error(`Starting a draft answered ${started.status}`);
  const visitorCookie = [
    visitor.cookie,
    ...started.headers.getSetCookie().map((c) => c.split(';')[0]!),
  ].join('; ');

  const operations: Operation[] = [
    ...Object.entries(pages).map(([name, page]) => ({
      name,
      method: 'GET' as const,
      paths: page.paths,
      cookie: page.cookie,
      expect: [200],
    })),
    {
      name: 'notification settings (page)',
      method: 'GET',
      paths: ['/account/notifications'],
      cookie: caseworker.cookie,
      expect: [200],
    },
    {
      name: 'save notification settings (caseworker)',
      method: 'POST',
      paths: ['/account/notifications'],
      cookie: caseworker.cookie,
      body: (turn) => form(caseworker.csrf, { frequency: frequencies[turn % 2]! }),
      expect: [303],
    },
    {
      name: 'save notification settings (family)',
      method: 'POST',
      paths: ['/account/notifications'],
      cookie: family.cookie,
      body: (turn) => form(family.csrf, { frequency: frequencies[turn % 2]! }),
      expect: [303],
    },
    {
      name: 'mark notifications read',
      method: 'POST',
      paths: ['/notifications/mark-all-read'],
      cookie: caseworker.cookie,
      body: () => form(caseworker.csrf, {}),
      expect: [303],
    },
    {
      name: 'keep session alive',
      method: 'POST',
      paths: ['/session/keep-alive'],
      cookie: caseworker.cookie,
      body: () => form(caseworker.csrf, {}),
      expect: [204],
    },
    {
      name: 'request draft: answer a question',
      method: 'POST',
      paths: ['/request-an-assessment/who-is-asking'],
      cookie: visitorCookie,
      body: () => form(visitor.csrf, { requesterKind: 'parent' }),
      expect: [303],
    },
    {
      name: 'request draft: the question (page)',
      method: 'GET',
      paths: ['/request-an-assessment/who-is-asking'],
      cookie: visitorCookie,
      expect: [200],
    },
  ];
  // Each must work before the load starts: a broken mix would only measure error pages.
  for (const op of operations) {
    const response = await fetch(`${baseUrl}${op.paths[0]}`, {
      method: op.method,
      redirect: 'manual',
      headers: {
        cookie: op.cookie,
        ...(op.body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body: op.body?.(0),
    });
    await response.arrayBuffer();
    if (!op.expect.includes(response.status))
      throw new Error(`${op.name} answered ${response.status}, not ${op.expect.join(' or ')}`);
  }
  return operations;
}

export async function runSoak(options: {
  minutes: number;
  embedded: boolean;
  profile?: boolean;
  connections?: number;
}): Promise<boolean> {
  const connections = options.connections ?? CONNECTIONS;
  const seconds = Math.round(options.minutes * 60);
  // About 60-120 samples: every 15 s in a 30-minute run, every second in a 30-second one.
  const sampleMs = Math.min(15_000, Math.max(1000, Math.round((seconds * 1000) / 60)));
  const where = options.embedded ? 'the embedded database (demo data)' : 'PostgreSQL (large-la)';
  log(`Pathway soak: ${connections} connections, ${options.minutes} minutes, on ${where}`);

  let dataDir: string | undefined;
  let cast: Cast;
  let database: string;
  let env: Record<string, string>;
  if (options.embedded) {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'pathway-soak-'));
    cast = await prepareEmbedded(dataDir);
    database = 'embedded PGlite';
    // As `npm start` runs it: the embedded database is refused in production, and its job
    // workers run in the web process.
    env = { NODE_ENV: 'development', DATA_DIR: dataDir, DEMO_DATA: 'true' };
  } else {
    const prepared = await preparePostgres();
    cast = prepared.cast;
    database = prepared.postgres;
    env = productionEnv(BENCH_URL);
  }
  const server = await startPathway({
    env,
    reportMemory: true,
    nodeArgs: options.profile
      ? ['--cpu-prof', '--cpu-prof-dir', path.join(import.meta.dirname, 'profiles')]
      : [],
  });
  try {
    const operations = await operationsFor(server.baseUrl, cast);
    const tally = new Map<string, { requests: number; statuses: Record<string, number> }>();
    for (const op of operations) tally.set(op.name, { requests: 0, statuses: {} });
    let turn = 0;
    let unexpected = 0;
    /** 503s among the unexpected: the embedded database's "service unavailable" when busy. */
    let busy = 0;
    let timeouts = 0;
    let connectionErrors = 0;
    const all: number[] = [];
    let window: number[] = [];
    let windowErrors = 0;

    const instance = autocannon({
      url: server.baseUrl,
      connections,
      duration: seconds,
      requests: [
        {
          setupRequest: (request, context) => {
            const n = turn++;
            const op = operations[n % operations.length]!;
            context.op = op;
            request.method = op.method;
            request.path = op.paths[Math.floor(n / operations.length) % op.paths.length]!;
            request.headers = {
              ...request.headers,
              cookie: op.cookie,
              ...(op.body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
            };
            request.body = op.body?.(n) ?? '';
            return request;
          },
          onResponse: (status, _body, context) => {
            const op = context.op as Operation;
            const entry = tally.get(op.name)!;
            entry.requests++;
            entry.statuses[status] = (entry.statuses[status] ?? 0) + 1;
            if (!op.expect.includes(status)) {
              unexpected++;
              if (status === 503) busy++;
              windowErrors++;
            }
          },
        },
      ],
    });
    instance.on('response', (_client, _status, _bytes, responseTime) => {
      all.push(responseTime);
      window.push(responseTime);
    });
    instance.on('reqError', (error: Error) => {
      windowErrors++;
      if (error.message === 'request timed out') timeouts++;
      else connectionErrors++;
    });

    const samples: MemorySample[] = [];
    const started = Date.now();
    const sample = async () => {
      const latencies = window.sort((a, b) => a - b);
      window = [];
      const errors = windowErrors;
      windowErrors = 0;
      const memory = server.memory();
      const previous = samples.at(-1);
      const second = Math.round((Date.now() - started) / 100) / 10;
      const elapsed = second - (previous?.second ?? 0);
      samples.push({
        second,
        requests: latencies.length,
        rps: elapsed > 0 ? Math.round(latencies.length / elapsed) : 0,
        errors,
        p99: percentile(latencies, 99),
        rssMiB: (await residentMiB(server.pid)) ?? null,
        heapUsedMiB: mib(memory?.heapUsed),
        heapTotalMiB: mib(memory?.heapTotal),
        externalMiB: mib(memory && memory.external + memory.arrayBuffers),
      });
      const last = samples.at(-1)!;
      log(
        `${String(Math.round(second)).padStart(6)} s ${String(last.rps).padStart(6)} req/s  p99 ${String(last.p99).padStart(7)} ms  errors ${String(errors).padStart(4)}  RSS ${last.rssMiB} MiB  heap ${last.heapUsedMiB}/${last.heapTotalMiB} MiB  external ${last.externalMiB} MiB`,
      );
    };
    await sample();
    const timer = setInterval(() => void sample(), sampleMs);
    const result = await instance;
    clearInterval(timer);
    await sample();

    const sorted = all.sort((a, b) => a - b);
    const memory = memoryVerdict(samples, seconds);
    const errors = unexpected + timeouts + connectionErrors;
    const problems = [
      ...(errors > 0
        ? [
            `${errors} errors: ${timeouts} timeouts, ${connectionErrors} connection errors, ${unexpected} unexpected statuses`,
          ]
        : []),
      ...memory.problems,
    ];
    const rss = samples.map((s) => s.rssMiB).filter((v): v is number => v !== null);
    const summary = {
      requests: result.requests.total,
      rps: Math.round(result.requests.average),
      p50: percentile(sorted, 50),
      p95: percentile(sorted, 95),
      p99: percentile(sorted, 99),
      max: percentile(sorted, 100),
      errors,
      timeouts,
      connectionErrors,
      unexpectedStatuses: unexpected,
      busy503: busy,
      rssFirstMiB: rss[0],
      rssPeakMiB: Math.max(...rss),
      rssLastMiB: rss.at(-1),
    };

    log('');
    log(`${'request'.padEnd(42)}${'count'.padStart(9)}  statuses`);
    for (const [name, entry] of tally) {
      log(
        `${name.padEnd(42)}${String(entry.requests).padStart(9)}  ${Object.entries(entry.statuses)
          .map(([status, count]) => `${status}: ${count}`)
          .join(', ')}`,
      );
    }
    log('');
    log(
      `${summary.requests} requests, ${summary.rps} req/s; p50 ${summary.p50} ms, p95 ${summary.p95} ms, p99 ${summary.p99} ms, max ${summary.max} ms`,
    );
    log(
      `errors ${errors} (timeouts ${timeouts}, connection errors ${connectionErrors}, unexpected statuses ${unexpected}, of which 503 ${busy})`,
    );
    log(
      `resident memory: first ${summary.rssFirstMiB} MiB, peak ${summary.rssPeakMiB} MiB, last ${summary.rssLastMiB} MiB; after the warm-up: slope ${memory.slopeMiBPerMinute} MiB/min, last third's peak ${memory.lastThirdMaxMiB} MiB against ${memory.firstAfterWarmUpMiB} MiB (${(memory.growth * 100).toFixed(1)}%)`,
    );
    log(problems.length ? `\nVERDICT: FAILED\n  ${problems.join('\n  ')}` : '\nVERDICT: passed');

    const dir = path.join(import.meta.dirname, 'results');
    mkdirSync(dir, { recursive: true });
    const file = path.join(
      dir,
      `${new Date().toISOString().replace(/[:.]/g, '-')}-soak${options.embedded ? '-embedded' : ''}.json`,
    );
    writeFileSync(
      file,
      `${JSON.stringify(
        {
          date: new Date().toISOString(),
          minutes: options.minutes,
          connections,
          database,
          data: cast.counts,
          machine: machineInfo(),
          verdict: { passed: problems.length === 0, problems, thresholds: VERDICT, memory },
          summary,
          operations: Object.fromEntries(tally),
          samples,
        },
        null,
        2,
      )}\n`,
    );
    log(`Written to ${path.relative(process.cwd(), file)}`);
    console.log(JSON.stringify({ summary, passed: problems.length === 0 }));
    return problems.length === 0;
  } finally {
    // Let the last requests autocannon abandoned finish before the server stops.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await server.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}
