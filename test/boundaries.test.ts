import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/**
 * The architecture's boundaries (docs/architecture.md) are kept by `npm run lint`. Each case lints
 * one import, written in a scratch text at a made-up path inside the repository, with the
 * project's own eslint.config.js, and checks which boundary rule (if any) reports it and that the
 * message says where the thing belongs.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const eslint = new ESLint({ cwd: root });

const BOUNDARY_RULES = /^(boundaries\/|no-restricted-syntax$)/;

async function boundaryReports(file: string, code: string) {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return (result?.messages ?? [])
    .filter((message) => message.ruleId !== null && BOUNDARY_RULES.test(message.ruleId))
    .map(({ ruleId, message }) => ({ ruleId, message }));
}

type Wrong = { rule: string; file: string; code: string; says: RegExp };

const WRONG: Wrong[] = [
  {
    rule: 'boundaries/no-cross-feature',
    file: 'src/features/advice/scratch.ts',
    code: "import { findCaseSummary } from '../cases/repository.ts';",
    says: /features\/advice may not import features\/cases: move what they share into src\/case\/ \(the kernel.*src\/domain\/.*src\/web\//,
  },
  {
    rule: 'boundaries/no-cross-feature',
    file: 'src/features/assessment/scratch.ts',
    code: "export type { AdviceType } from '../advice/advice-types.ts';",
    says: /features\/assessment may not import features\/advice/,
  },
  {
    rule: 'boundaries/no-features-below',
    file: 'src/web/scratch.ts',
    code: "import { loadActorWithUnread } from '../features/auth/repository.ts';",
    says: /src\/web\/ sits below the features and may not import src\/features\/: what it needs belongs in src\/case\//,
  },
  {
    rule: 'boundaries/no-features-below',
    file: 'src/case/email/scratch.ts',
    code: "import type { Mailer } from '../../features/notifications/mailer.ts';",
    says: /src\/case\/ sits below the features/,
  },
  {
    rule: 'boundaries/no-features-below',
    file: 'src/audit/scratch.ts',
    code: "import { caseRoutes } from '../features/cases/routes.ts';",
    says: /src\/audit\/ sits below the features/,
  },
  {
    rule: 'boundaries/pure-core',
    file: 'src/domain/clock/scratch.ts',
    code: "import { sql } from 'kysely';",
    says: /src\/domain\/ is pure .*: do the I\/O in a feature's service or repository\.ts, or in src\/case\//,
  },
  {
    rule: 'boundaries/pure-core',
    file: 'src/domain/clock/scratch.ts',
    code: "import { readFile } from 'node:fs/promises';",
    says: /src\/domain\/ is pure/,
  },
  {
    rule: 'boundaries/pure-core',
    file: 'src/policy/scratch.ts',
    code: "import type { FastifyRequest } from 'fastify';",
    says: /src\/policy\/ is pure .*Fastify glue belongs in src\/web\//,
  },
  {
    rule: 'boundaries/pure-core',
    file: 'src/policy/scratch.ts',
    code: "import type { Db } from '../db/database.ts';",
    says: /src\/policy\/ is pure .* and may not import src\/db\//,
  },
  {
    rule: 'boundaries/sql-in-repositories',
    file: 'src/features/advice/scratch.ts',
    code: "import { sql } from 'kysely';",
    says: /Kysely belongs in a feature's repository\.ts, or in src\/case\/ \(the kernel's own SQL\), src\/db\/ or src\/audit\//,
  },
  {
    rule: 'boundaries/sql-in-repositories',
    file: 'src/web/scratch.ts',
    code: "import { jsonArrayFrom } from 'kysely/helpers/postgres';",
    says: /Kysely belongs in a feature's repository\.ts/,
  },
  {
    rule: 'no-restricted-syntax',
    file: 'src/features/advice/service.ts',
    code: "export const rows = (db: any) => db.selectFrom('case').selectAll().execute();",
    says: /A query \(selectFrom, insertInto, updateTable, deleteFrom\.\.\.\) belongs in a feature's repository\.ts/,
  },
  {
    rule: 'boundaries/routes-call-services',
    file: 'src/features/advice/routes.ts',
    code: "import { listAdvice } from './repository.ts';",
    says: /A route may not import a repository: routes\.ts .* -> service\.ts .* -> repository\.ts/,
  },
  {
    rule: 'boundaries/routes-call-services',
    file: 'src/features/requests/intake-routes.ts',
    code: "import { recordAudit } from '../../audit/audit.ts';",
    says: /A route may not write audit rows: the service records the change .* src\/case\/record\.ts/,
  },
  {
    rule: 'boundaries/app-joins-routes',
    file: 'src/app.ts',
    code: "import { loadCaseAccess } from './features/cases/repository.ts';",
    says: /src\/app\.ts imports only the features' route plugins \(\*routes\.ts\)/,
  },
];

type Right = { why: string; file: string; code: string };

const RIGHT: Right[] = [
  {
    why: 'a feature uses its own files, the kernel, the domain, the policy and the web layer',
    file: 'src/features/advice/scratch.ts',
    code: [
      "import { adviceTypes } from './advice-types.ts';",
      "import { recordChange } from '../../case/record.ts';",
      "import { addDays } from '../../domain/clock/calendar-date.ts';",
      "import { canViewCase } from '../../policy/policy.ts';",
      "import { formBody } from '../../web/forms.ts';",
      "import { queue } from '../../jobs/queue.ts';",
    ].join('\n'),
  },
  {
    why: "a feature's repository writes SQL",
    file: 'src/features/advice/repository.ts',
    code: [
      "import { sql } from 'kysely';",
      "import { jsonArrayFrom } from 'kysely/helpers/postgres';",
      "export const rows = (db: any) => db.selectFrom('case').select(sql`1`).execute();",
      'export { jsonArrayFrom };',
    ].join('\n'),
  },
  {
    why: 'the kernel writes its own SQL and uses the domain and the web layer',
    file: 'src/case/scratch.ts',
    code: [
      "import { sql } from 'kysely';",
      "import { addDays } from '../domain/clock/calendar-date.ts';",
      "import { formBody } from '../web/forms.ts';",
      "export const rows = (db: any) => db.insertInto('case_event').values(sql`1`).execute();",
    ].join('\n'),
  },
  {
    why: 'the domain imports the domain, and the policy imports the domain',
    file: 'src/policy/scratch.ts',
    code: [
      "import type { StaffRole } from '../domain/people.ts';",
      "import { addDays } from '../domain/clock/calendar-date.ts';",
      "import { z } from 'zod';",
    ].join('\n'),
  },
  {
    why: 'a route calls its service and renders with the web layer',
    file: 'src/features/requests/front-door-routes.ts',
    code: [
      "import type { FastifyInstance } from 'fastify';",
      "import { saveDraft } from './service.ts';",
      "import { formBody } from '../../web/forms.ts';",
    ].join('\n'),
  },
  {
    why: 'src/app.ts plugs in route plugins',
    file: 'src/app.ts',
    code: "import { caseRoutes } from './features/cases/routes.ts';\nimport { intakeRoutes } from './features/requests/intake-routes.ts';",
  },
  {
    why: 'the composition roots join features',
    file: 'src/services.ts',
    code: "import { createMailer } from './features/notifications/mailer.ts';",
  },
  {
    why: 'a job joins features',
    file: 'src/jobs/scratch.ts',
    code: "import { sendReminders } from '../features/advice/reminders.ts';",
  },
  {
    why: 'the CLI joins features',
    file: 'cli/scratch.ts',
    code: "import { seedDemoData } from '../src/features/demo/demo-data.ts';",
  },
  {
    why: "a feature's test may use another feature and SQL to set up",
    file: 'src/features/advice/scratch.test.ts',
    code: [
      "import { sql } from 'kysely';",
      "import { openCase } from '../cases/service.ts';",
      "export const rows = (db: any) => db.selectFrom('case').select(sql`1`).execute();",
    ].join('\n'),
  },
  {
    why: 'a cross-cutting suite uses anything',
    file: 'test/scratch.test.ts',
    code: "import { sql } from 'kysely';\nimport { findCaseSummary } from '../src/features/cases/repository.ts';",
  },
];

describe('the boundaries lint keeps', () => {
  it.each(WRONG)('$rule: $file may not say $code', async ({ rule, file, code, says }) => {
    const reports = await boundaryReports(file, code);
    expect(reports).toHaveLength(1);
    expect(reports[0]?.ruleId).toBe(rule);
    expect(reports[0]?.message).toMatch(says);
  });

  it.each(RIGHT)('allows it when $why ($file)', async ({ file, code }) => {
    expect(await boundaryReports(file, code)).toEqual([]);
  });

  it('covers every feature folder, each barred from every other', async () => {
    const config = (await eslint.calculateConfigForFile(
      path.join(root, 'src/features/cases/scratch.ts'),
    )) as { rules: Record<string, [number, { patterns: { message: string }[] }]> };
    const [, options] = config.rules['boundaries/no-cross-feature'] ?? [];
    const barred = options?.patterns.map(
      (pattern) => /features\/(\S+):/.exec(pattern.message)?.[1],
    );
    expect(barred).toContain('advice');
    expect(barred).toContain('notifications');
    expect(barred).not.toContain('cases');
  });
});
