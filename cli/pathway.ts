import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ConfigError, loadConfig, type Config } from '../src/config.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { migrateConfiguredDatabase, openConfiguredDatabase } from '../src/db/configured.ts';
import { DataDirInUseError } from '../src/db/data-dir-lock.ts';
import { STAFF_ROLES } from '../src/domain/people.ts';
import {
  DEMO_ACCOUNTS,
  DEMO_PASSWORD,
  hasAnyLocalAuthority,
  seedDemoData,
} from '../src/features/demo/demo-data.ts';
import { bootstrapLocalAuthorityAdmin } from '../src/features/admin/bootstrap.ts';
import { queueTestMessages } from '../src/case/email/test-messages.ts';
import { services, startJobs, type Services } from '../src/services.ts';
import { SingleBar, Presets } from 'cli-progress';
import { SEED_PRESETS, seedSyntheticData } from '../bench/synthetic/synthetic-data.ts';
import { todayInEngland } from '../src/domain/clock/calendar-date.ts';

type SeedPreset = keyof typeof SEED_PRESETS;
import { ClockInputError } from '../src/domain/clock/statutory-dates.ts';
import { CLOCK_INPUTS, clockFor, runBatch } from './clock.ts';

const USAGE = `Usage: npx pathway <command> [options]

Commands:
  migrate                 Bring the database schema up to date.
  seed-demo               Load the demo local authority, cases and accounts (not in production).
  seed                    Fill an empty database with synthetic LAs, people and cases at scale.
      --preset NAME         large-la (1 LA, 25,000 plans, 6,000 requests a year, 5 years) or
                            england (150 LAs, 640,000 plans, 155,000 requests a year, 5 years)
      --las N --plans N --requests-per-year N --years N
                            or choose each (totals across the LAs; they override the preset)
  create-user             Invite the first administrator of a local authority, creating the
                          authority if it is new. Prints the invitation link and emails it.
      --email ADDRESS       the administrator's email address (required)
      --la-code CODE        the local authority's 3-digit DfE code, for example 202 (required)
      --la-name NAME        the local authority's name (required when it is new)
      --role ROLE           ${STAFF_ROLES.join(' | ')} (default admin)
  worker                  Run the job workers (email delivery, reminders, digests) in this
                          process until stopped. Needs PostgreSQL (DATABASE_URL); run as many
                          as you like, and set RUN_WORKERS=false on the web processes.
  send-test-email         Queue numbered test messages through the configured mailer and exit;
                          a worker delivers them.
      --to ADDRESS          where to send them (required)
      --count N             how many, 1 to 10000 (default 1)
  clock                   Statutory EHC dates from the facts given, as one JSON object.
      --request-received DATE|DATE'T'HH:MM, --advice-requested, --draft-served,
      --plan-issued, --last-review, --review-meeting, --amendment-notice,
      --decision-letter, --mediation-certificate, --transfer-year YEAR,
      --transfer-type school|post16, --reassessment-decision, --move-date,
      --la-learned-of-move, --plan-transferred, --mediation-declined (dates YYYY-MM-DD)
      --batch               read one JSON object of inputs per line on standard input
  help                    Show this message.

The database is DATABASE_URL when set, otherwise the embedded one in DATA_DIR (default ./data).`;

class UsageError extends Error {}

const createUserSchema = z.object({
  email: z.email({
    error: (issue) =>
      issue.input === undefined
        ? '--email is required'
        : '--email must be an email address, like name@example.com',
  }),
  'la-code': z
    .string({ error: '--la-code is required' })
    .regex(/^\d{3}$/, '--la-code must be 3 digits, like 202'),
  'la-name': z
    .string()
    .trim()
    .min(2, '--la-name must be at least 2 characters')
    .max(200)
    .optional(),
  role: z.enum(STAFF_ROLES, `--role must be one of ${STAFF_ROLES.join(', ')}`).default('admin'),
});

/** What this command is, for the message another process gets while it holds DATA_DIR. */
let purpose = 'pathway';

async function withDatabase<T>(
  config: Config,
  work: (db: ReturnType<typeof openConfiguredDatabase>) => Promise<T>,
) {
  const database = openConfiguredDatabase(config, purpose, 'command');
  try {
    await migrateToLatest(database.db);
    return await work(database);
  } finally {
    await database.close();
  }
}

const testEmailSchema = z.object({
  to: z.email({
    error: (issue) =>
      issue.input === undefined
        ? '--to is required'
        : '--to must be an email address, like name@example.com',
  }),
  count: z.coerce
    .number({ error: '--count must be a whole number from 1 to 10000' })
    .int('--count must be a whole number from 1 to 10000')
    .min(1, '--count must be a whole number from 1 to 10000')
    .max(10_000, '--count must be a whole number from 1 to 10000')
    .default(1),
});

/** The database, migrated, with the job queue started (no workers) for commands that queue. */
async function withServices<T>(config: Config, work: (s: Services) => Promise<T>) {
  return withDatabase(config, async (database) => {
    const s = services(config, database);
    await startJobs(s, { workers: false });
    try {
      return await work(s);
    } finally {
      await s.jobs.stop();
    }
  });
}

const count = (flag: string, max: number) =>
  z.coerce
    .number({ error: `${flag} must be a whole number` })
    .int(`${flag} must be a whole number`)
    .min(
      flag === '--las' || flag === '--years' ? 1 : 0,
      `${flag} must be at least ${flag === '--las' || flag === '--years' ? 1 : 0}`,
    )
    .max(max, `${flag} must be at most ${max.toLocaleString('en-GB')}`)
    .optional();

const seedSchema = z.object({
  preset: z
    .enum(Object.keys(SEED_PRESETS) as [SeedPreset, ...SeedPreset[]], {
      error: `--preset must be one of ${Object.keys(SEED_PRESETS).join(', ')}`,
    })
    .optional(),
  las: count('--las', 500),
  plans: count('--plans', 5_000_000),
  'requests-per-year': count('--requests-per-year', 1_000_000),
  years: count('--years', 20),
});

async function runSeed(config: Config, args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      preset: { type: 'string' },
      las: { type: 'string' },
      plans: { type: 'string' },
      'requests-per-year': { type: 'string' },
      years: { type: 'string' },
    },
    strict: true,
  });
  const parsed = seedSchema.safeParse(values);
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((i) => i.message).join('\n'));
  const given = parsed.data;
  const preset = given.preset ? SEED_PRESETS[given.preset] : undefined;
  const chosen = {
    localAuthorities: given.las ?? preset?.localAuthorities,
    plans: given.plans ?? preset?.plans,
    requestsPerYear: given['requests-per-year'] ?? preset?.requestsPerYear,
    years: given.years ?? preset?.years,
  };
  const missing = Object.entries({
    '--las': chosen.localAuthorities,
    '--plans': chosen.plans,
    '--requests-per-year': chosen.requestsPerYear,
    '--years': chosen.years,
  })
    .filter(([, value]) => value === undefined)
    .map(([flag]) => flag);
  if (missing.length > 0) {
    throw new UsageError(`Give --preset, or all of: ${missing.join(', ')}`);
  }
  if (config.production) throw new UsageError('seed cannot run in production.');
  return withDatabase(config, async (database) => {
    if (await hasAnyLocalAuthority(database.db)) {
      throw new UsageError(
        'The database already has data; synthetic data goes only into an empty database.',
      );
    }
    const bar = new SingleBar(
      {
        format: 'Seeding [{bar}] {percentage}% | {value}/{total} cases | {duration_formatted}',
        // Without a terminal (CI, a log file), a line every 10 seconds instead of a live bar.
        noTTYOutput: true,
        notTTYSchedule: 10_000,
      },
      Presets.shades_classic,
    );
    const started = Date.now();
    bar.start(1, 0);
    const summary = await seedSyntheticData(
      database,
      {
        localAuthorities: chosen.localAuthorities!,
        plans: chosen.plans!,
        requestsPerYear: chosen.requestsPerYear!,
        years: chosen.years!,
        today: todayInEngland(),
      },
      (done, total) => {
        bar.setTotal(total);
        bar.update(done);
      },
    );
    bar.stop();
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(
      `Loaded ${summary.cases.toLocaleString('en-GB')} cases in ${summary.localAuthorities} synthetic ${summary.localAuthorities === 1 ? 'LA' : 'LAs'} in ${seconds} s into ${database.description}:`,
    );
    for (const [table, rows] of Object.entries(summary.rows)) {
      console.log(`  ${table.padEnd(24)} ${rows.toLocaleString('en-GB').padStart(12)}`);
    }
    console.log('Synthetic accounts have no password: they cannot sign in.');
    return 0;
  });
}

async function runWorker(config: Config): Promise<number> {
  if (!config.databaseUrl) {
    throw new UsageError(
      'pathway worker needs PostgreSQL: set DATABASE_URL. The embedded database belongs to one process, and the web process runs the workers itself.',
    );
  }
  const database = openConfiguredDatabase(config, purpose);
  await migrateConfiguredDatabase(config, database);
  const s = services({ ...config, runWorkers: true }, database, {
    onJobError: (error) => console.error(`job queue error: ${error.message}`),
  });
  await startJobs(s, {
    workers: true,
    onError: (error, job) =>
      console.error(`${job}: ${error instanceof Error ? error.message : String(error)}`),
    onDelivery: (outcome, emailId) => {
      if (outcome === 'failed') console.error(`email ${emailId} could not be delivered`);
    },
  });
  console.log(`Pathway worker running (mailer: ${s.mailer.name}). Stop with Ctrl+C or SIGTERM.`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  console.log('Stopping: finishing jobs in hand.');
  await s.jobs.stop();
  await database.close();
  return 0;
}

/** The clock needs no configuration or database: it is a pure date checker. */
async function runClock(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      ...Object.fromEntries(CLOCK_INPUTS.map(([flag]) => [flag, { type: 'string' as const }])),
      batch: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.batch) {
    if (Object.keys(values).length > 1)
      throw new UsageError('--batch takes its inputs from standard input only');
    await runBatch(process.stdin, process.stdout);
    return 0;
  }
  const given = values as Record<string, string | boolean | undefined>;
  const raw = Object.fromEntries(
    CLOCK_INPUTS.filter(([flag]) => given[flag] !== undefined).map(([flag, key]) => [
      key,
      given[flag],
    ]),
  );
  try {
    console.log(JSON.stringify(clockFor(raw, 'flags')));
  } catch (error) {
    if (error instanceof ClockInputError) throw new UsageError(error.message);
    throw error;
  }
  return 0;
}

async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  if (command === 'clock') return runClock(rest);
  const config = loadConfig();
  purpose = `pathway ${command}`;

  switch (command) {
    case 'migrate': {
      parseArgs({ args: rest, options: {}, strict: true });
      const database = openConfiguredDatabase(config, purpose, 'command');
      try {
        const applied = await migrateToLatest(database.db);
        console.log(
          applied.length ? `Applied: ${applied.join(', ')}` : 'The database is up to date.',
        );
      } finally {
        await database.close();
      }
      return 0;
    }
    case 'seed-demo': {
      parseArgs({ args: rest, options: {}, strict: true });
      if (config.production) throw new UsageError('seed-demo cannot run in production.');
      return withDatabase(config, async ({ db }) => {
        if (await hasAnyLocalAuthority(db)) {
          throw new UsageError(
            'The database already has data; demo data goes only into an empty database.',
          );
        }
        const { cases } = await seedDemoData(db);
        console.log(
          `Loaded ${cases} demo cases. Password for every demo account: ${DEMO_PASSWORD}`,
        );
        for (const a of DEMO_ACCOUNTS) console.log(`  ${a.describes.padEnd(34)} ${a.email}`);
        return 0;
      });
    }
    case 'seed':
      return runSeed(config, rest);
    case 'create-user': {
      const { values } = parseArgs({
        args: rest,
        options: {
          email: { type: 'string' },
          'la-code': { type: 'string' },
          'la-name': { type: 'string' },
          role: { type: 'string' },
        },
        strict: true,
      });
      const parsed = createUserSchema.safeParse(values);
      if (!parsed.success) {
        throw new UsageError(parsed.error.issues.map((i) => i.message).join('\n'));
      }
      const input = parsed.data;
      return withServices(config, async ({ db, jobs }) => {
        const result = await bootstrapLocalAuthorityAdmin(db, jobs, config.baseUrl, {
          email: input.email,
          localAuthorityCode: input['la-code'],
          localAuthorityName: input['la-name'],
          role: input.role,
        });
        if (result.outcome === 'needs-name') {
          throw new UsageError(
            `No local authority has code ${input['la-code']}: give --la-name to create it.`,
          );
        }
        console.log(
          `${result.createdAuthority ? 'Created' : 'Found'} ${result.localAuthorityName}.\n` +
            `Invitation for ${input.email} (${input.role}), valid for 14 days and usable once:\n${result.link}`,
        );
        return 0;
      });
    }
    case 'worker': {
      parseArgs({ args: rest, options: {}, strict: true });
      return runWorker(config);
    }
    case 'send-test-email': {
      const { values } = parseArgs({
        args: rest,
        options: { to: { type: 'string' }, count: { type: 'string' } },
        strict: true,
      });
      const parsed = testEmailSchema.safeParse(values);
      if (!parsed.success) {
        throw new UsageError(parsed.error.issues.map((i) => i.message).join('\n'));
      }
      const { to, count } = parsed.data;
      return withServices(config, async ({ db, jobs }) => {
        await queueTestMessages(db, jobs, { to, count, sentBy: 'an operator' });
        console.log(
          `Queued ${count} test ${count === 1 ? 'message' : 'messages'} to ${to} through the ${config.mailer} mailer; a worker will deliver ${count === 1 ? 'it' : 'them'}.`,
        );
        return 0;
      });
    }
    default:
      throw new UsageError(`Unknown command "${command}".\n\n${USAGE}`);
  }
}

try {
  process.exitCode = await run(process.argv.slice(2));
} catch (error) {
  if (error instanceof UsageError || error instanceof ConfigError) {
    console.error(error.message);
    process.exitCode = 2;
  } else if (error instanceof DataDirInUseError) {
    console.error(error.message);
    process.exitCode = 1;
  } else if (
    error instanceof TypeError &&
    (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
  ) {
    console.error(`${error.message}\n\n${USAGE}`);
    process.exitCode = 2;
  } else {
    console.error(`pathway: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
