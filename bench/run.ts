/**
 * `npm run bench`: Pathway's page speed under load, against PostgreSQL loaded with the
 * `large-la` preset (loaded first if the database is empty).
 *
 * The server runs as its own process (`node src/main.ts`); this process drives it with
 * autocannon over signed-in sessions. Every page is measured in the same run as a baseline (a
 * trivial page through the same framework, session and header work), so the ratio holds on a
 * noisy machine. The last line printed is one JSON object with every figure.
 *
 *   npm run bench              20 seconds a page after a warm-up
 *   npm run bench -- --quick   5 seconds a page (under 2 minutes in all)
 *   npm run bench -- --soak 30 mixed traffic with form posts for 30 minutes: errors and memory
 *                              (bench/soak.ts; with --embedded, on the embedded database)
 *
 * BENCH_DATABASE_URL chooses the database (default postgres://postgres@127.0.0.1:5432/pathway_bench;
 * it is created if missing).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import {
  BENCH_URL,
  benchPages,
  keepCookies,
  log,
  machineInfo,
  preparePostgres,
  productionEnv,
  startPathway,
} from './server.ts';
import { runSoak } from './soak.ts';

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean' },
    /** Measure only these pages (and the baseline), for working on one page. */
    only: { type: 'string', multiple: true },
    /** Write a CPU profile of the server to bench/profiles/, for reading in Chrome's DevTools. */
    profile: { type: 'boolean' },
    /** Mixed traffic (pages and form posts) at 50 connections for this many minutes. */
    soak: { type: 'string' },
    /** With --soak: on the embedded database (demo data in a fresh DATA_DIR), not PostgreSQL. */
    embedded: { type: 'boolean' },
    /** With --soak: this many connections instead of 50. */
    connections: { type: 'string' },
  },
  strict: true,
});
if (flags.soak !== undefined) {
  const minutes = Number(flags.soak);
  if (!(minutes > 0)) throw new Error('--soak needs a number of minutes, such as --soak 30');
  process.exitCode = (await runSoak({
    minutes,
    embedded: Boolean(flags.embedded),
    profile: Boolean(flags.profile),
    connections: flags.connections ? Number(flags.connections) : undefined,
  }))
    ? 0
    : 1;
  process.exit();
}
if (flags.embedded) throw new Error('--embedded goes with --soak');
const quick = Boolean(flags.quick);
const CONNECTIONS = 16;
const SECONDS = quick ? 5 : 20;
const WARM_UP_SECONDS = quick ? 1 : 3;
/** Each page's time is given in this many slices, the pages taking turns. */
const ROUNDS = quick ? 5 : 10;
/** The pause after each slice, longer than the slowest response. */
const SETTLE_MS = 250;
const TARGETS = { p95Ms: 50, ratioToBaseline: 1 / 3 };

type PageResult = {
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
  ratioToBaseline?: number;
};

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return Math.round(sorted[Math.max(0, index)]! * 100) / 100;
}

/** One stretch of load on a page: every response's time, and the failures. */
type Sample = { latencies: number[]; requests: number; seconds: number; errors: number };

async function load(
  baseUrl: string,
  paths: string[],
  cookie: string,
  seconds: number,
): Promise<Sample> {
  const latencies: number[] = [];
  let next = 0;
  const instance = autocannon({
    url: baseUrl,
    connections: CONNECTIONS,
    duration: seconds,
    headers: { cookie },
    requests: [
      {
        setupRequest: (request) => {
          request.path = paths[next++ % paths.length]!;
          return request;
        },
      },
    ],
  });
  instance.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
  const started = process.hrtime.bigint();
  const result = await instance;
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  // autocannon stops with requests still in flight: let the server finish them before the next
  // slice, so they do not count against it.
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  return {
    latencies,
    requests: result.requests.total,
    seconds: elapsed,
    errors: result.errors + result.timeouts + result.non2xx,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** A page's figures from all its stretches of load. */
function summarise(samples: Sample[]): PageResult {
  const latencies = samples.flatMap((s) => s.latencies).sort((a, b) => a - b);
  const requests = samples.reduce((sum, s) => sum + s.requests, 0);
  const seconds = samples.reduce((sum, s) => sum + s.seconds, 0);
  return {
    rps: Math.round(requests / seconds),
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    errors: samples.reduce((sum, s) => sum + s.errors, 0),
  };
}

async function main() {
  log(
    `Pathway benchmark${quick ? ' (quick)' : ''}: ${CONNECTIONS} connections, ${SECONDS} s a page`,
  );
  const { cast, postgres } = await preparePostgres();
  const { counts } = cast;
  const profileArgs = flags.profile
    ? ['--cpu-prof', '--cpu-prof-dir', path.join(import.meta.dirname, 'profiles')]
    : [];
  const server = await startPathway({ env: productionEnv(BENCH_URL), nodeArgs: profileArgs });
  const { baseUrl } = server;
  try {
    const caseworker = (await keepCookies(baseUrl, cast.caseworkerSession)).cookie;
    const family = (await keepCookies(baseUrl, cast.familySession)).cookie;
    const pages = benchPages(cast, caseworker, family);
    for (const name of Object.keys(pages)) {
      if (flags.only && name !== 'baseline' && !flags.only.includes(name)) delete pages[name];
    }
    for (const [name, page] of Object.entries(pages)) {
      const check = await fetch(`${baseUrl}${page.paths[0]}`, { headers: { cookie: page.cookie } });
      if (check.status !== 200) throw new Error(`${name} answered ${check.status}, not 200`);
    }
    // Warm every page, then measure each.
    for (const page of Object.values(pages)) {
      await load(baseUrl, page.paths, page.cookie, WARM_UP_SECONDS);
    }
    // The machine's speed drifts over a run, and by a third within a minute here, so the pages
    // take turns in slices, each between two slices of the baseline: the baseline, page 1, the
    // baseline, page 2... and the baseline again at the end. A page's figures are its slices
    // together. Its ratio is the median, over its slices, of its throughput over the mean of the
    // baseline slices either side: each slice is compared with the machine as it was then, and
    // the median is not moved by one slice that caught a burst or a stall.
    const samples: Record<string, Sample[]> = Object.fromEntries(
      Object.keys(pages).map((name) => [name, []]),
    );
    // When each slice ran (on the monotonic clock a CPU profile's times use), so that a profile
    // can be read page by page; and each page slice's ratio to the baseline around it.
    const slices: { page: string; startUs: number; endUs: number }[] = [];
    const sliceRatios: Record<string, number[]> = {};
    const nowUs = () => Number(process.hrtime.bigint() / 1000n);
    const measure = async (name: string) => {
      const page = pages[name]!;
      const startUs = nowUs();
      const sample = await load(baseUrl, page.paths, page.cookie, SECONDS / ROUNDS);
      slices.push({ page: name, startUs, endUs: nowUs() });
      samples[name]!.push(sample);
      return sample.requests / sample.seconds;
    };
    const measured = Object.keys(pages).filter((name) => name !== 'baseline');
    let before = await measure('baseline');
    for (let round = 1; round <= ROUNDS; round++) {
      log(`round ${round} of ${ROUNDS}...`);
      for (const name of measured) {
        const rps = await measure(name);
        const after = await measure('baseline');
        (sliceRatios[name] ??= []).push(rps / ((before + after) / 2));
        before = after;
      }
    }
    if (flags.profile) {
      mkdirSync(path.join(import.meta.dirname, 'profiles'), { recursive: true });
      writeFileSync(
        path.join(import.meta.dirname, 'profiles', `slices-${process.pid}.json`),
        `${JSON.stringify(slices)}\n`,
      );
    }
    const results: Record<string, PageResult> = Object.fromEntries(
      Object.entries(samples).map(([name, s]) => [name, summarise(s)]),
    );
    const baseline = results.baseline!;
    const output = {
      pages: Object.fromEntries(
        measured.map((name) => [
          name,
          {
            ...results[name]!,
            ratioToBaseline: Math.round(median(sliceRatios[name]!) * 100) / 100,
          },
        ]),
      ),
      baseline,
    };

    const rows = Object.entries(output.pages).map(([name, r]) => ({ name, ...r }));
    rows.push({ name: 'baseline', ...baseline, ratioToBaseline: 1 });
    log('');
    log(
      `${'page'.padEnd(15)}${'req/s'.padStart(8)}${'p50 ms'.padStart(9)}${'p95 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'errors'.padStart(8)}${'ratio'.padStart(7)}`,
    );
    for (const r of rows) {
      log(
        `${r.name.padEnd(15)}${String(r.rps).padStart(8)}${String(r.p50).padStart(9)}${String(r.p95).padStart(9)}${String(r.p99).padStart(9)}${String(r.errors).padStart(8)}${String(r.ratioToBaseline).padStart(7)}`,
      );
    }
    const misses = rows.flatMap((r) => {
      const problems: string[] = [];
      if (['tray', 'case', 'family'].includes(r.name) && r.p95 >= TARGETS.p95Ms)
        problems.push(`${r.name}: p95 ${r.p95} ms (target under ${TARGETS.p95Ms})`);
      if (r.errors > 0) problems.push(`${r.name}: ${r.errors} errors`);
      if (r.name !== 'baseline' && r.ratioToBaseline! < TARGETS.ratioToBaseline)
        problems.push(`${r.name}: ${r.ratioToBaseline} of the baseline's throughput (target 0.33)`);
      return problems;
    });
    log(misses.length ? `\nMISSED TARGETS:\n  ${misses.join('\n  ')}` : '\nAll targets met.');

    const machine = { ...machineInfo(), postgres };
    const dir = path.join(import.meta.dirname, 'results');
    mkdirSync(dir, { recursive: true });
    // A partial or profiled run is a working measurement, not a result to keep.
    const keep = !flags.only && !flags.profile;
    const file = path.join(
      dir,
      `${new Date().toISOString().replace(/[:.]/g, '-')}${quick ? '-quick' : ''}.json`,
    );
    if (keep)
      writeFileSync(
        file,
        `${JSON.stringify({ date: new Date().toISOString(), quick, connections: CONNECTIONS, seconds: SECONDS, data: counts, machine, ...output, targetsMet: misses.length === 0 }, null, 2)}\n`,
      );
    if (keep) log(`Written to ${path.relative(process.cwd(), file)}`);
    console.log(JSON.stringify(output));
    process.exitCode = misses.length ? 1 : 0;
  } finally {
    // Let the last requests autocannon abandoned finish before the server stops.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await server.stop();
  }
}

await main();
