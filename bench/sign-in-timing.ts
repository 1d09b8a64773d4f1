/**
 * How long sign-in and forgot-password take to answer for a known and an unknown email (issue 14,
 * finding 4): medians over TRIES posts each, interleaved in random order, in one process on the
 * embedded database (or PostgreSQL with TEST_DATABASE_URL). Throttles are cleared between tries
 * (outside the timing) and each try comes from its own address, so every answer is the ordinary
 * one (a wrong password, or "check your email").
 *
 *   npm run bench:sign-in                 # 50 tries each
 *   npm run bench:sign-in -- 200          # 200 tries each
 */
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { buildApp } from '../src/app.ts';
import { createJobQueue } from '../src/jobs/queue.ts';
import { services, startJobs } from '../src/services.ts';
import { seedDemoData } from '../src/features/demo/demo-data.ts';
import {
  Browser,
  createTestDatabase,
  demoEmail,
  memoryMailer,
  testConfig,
} from '../test/helpers.ts';

const TRIES = Number(process.argv[2] ?? 50);
const WARM_UP = 5;

const database = await createTestDatabase();
await seedDemoData(database.db);
const appServices = services(testConfig(), database, {
  mailer: memoryMailer(),
  jobs: createJobQueue(database, { maintenance: false }),
});
await startJobs(appServices, { workers: false });
const app = await buildApp(appServices, { logger: false });
await app.ready();

/** Clears whatever earlier tries left that would change the answer (either schema). */
async function forgetEarlierTries() {
  for (const statement of [
    'DELETE FROM rate_limit',
    'DELETE FROM sign_in_attempt',
    'UPDATE app_user SET failed_sign_in_count = 0, locked_until = NULL',
  ]) {
    await sql
      .raw(
        `DO $$ BEGIN ${statement}; EXCEPTION WHEN undefined_table OR undefined_column THEN NULL; END $$`,
      )
      .execute(database.db);
  }
}

let address = 0;
async function timeOne(url: string, form: Record<string, string>): Promise<number> {
  address++;
  const browser = new Browser(
    app,
    `10.${(address >> 16) & 255}.${(address >> 8) & 255}.${address & 255}`,
  );
  await browser.get(url);
  await forgetEarlierTries();
  const started = performance.now();
  const response = await browser.post(url, form);
  const elapsed = performance.now() - started;
  if (![303, 400].includes(response.statusCode)) {
    throw new Error(`Unexpected answer ${response.statusCode} from ${url}`);
  }
  return elapsed;
}

function summary(times: number[]) {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { median: at(0.5).toFixed(2), p10: at(0.1).toFixed(2), p90: at(0.9).toFixed(2) };
}

const cases = {
  'sign-in, known email, wrong password': () =>
    timeOne('/sign-in', { email: demoEmail('caseworker'), password: 'not-the-password' }),
  'sign-in, unknown email': () =>
    timeOne('/sign-in', { email: 'nobody.here@example.com', password: 'not-the-password' }),
  'forgot-password, known email': () =>
    timeOne('/forgot-password', { email: demoEmail('caseworker') }),
  'forgot-password, unknown email': () =>
    timeOne('/forgot-password', { email: 'nobody.here@example.com' }),
};
type CaseName = keyof typeof cases;
const names = Object.keys(cases) as CaseName[];
const times = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<
  CaseName,
  number[]
>;

for (let round = 0; round < WARM_UP + TRIES; round++) {
  const order = [...names].sort(() => Math.random() - 0.5);
  for (const name of order) {
    const elapsed = await cases[name]();
    if (round >= WARM_UP) times[name].push(elapsed);
  }
}

console.log(
  `${TRIES} tries each, ${database.kind === 'postgres' ? 'PostgreSQL' : 'embedded PGlite'}, milliseconds:`,
);
console.table(Object.fromEntries(names.map((n) => [n, summary(times[n])])));

await app.close();
await appServices.jobs.stop();
await database.close();
