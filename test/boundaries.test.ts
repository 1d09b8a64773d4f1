import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/**
 * The architecture's boundaries (docs/architecture.md) are kept by `npm run lint`. Each case lints
 * one import, written in a scratch text at a made-up path inside the repository, with the
 * project's own eslint.config.js, and checks which boundary rule (if any) reports it and that the
 * message says where the thing belongs. A rule sees an import however it is written (`import`,
 * `import type`, `await import()`, `typeof import()`) and however its path is spelled.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const eslint = new ESLint({ cwd: root });

const BOUNDARY_RULES = /^(boundaries\/|no-restricted-syntax$|no-restricted-globals$)/;

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
  ...[
    "db.selectFrom('case').selectAll().execute()",
    "db['selectFrom']('case').selectAll().execute()",
    "db[`deleteFrom`]('case').execute()",
    "{ const { deleteFrom } = db; return deleteFrom('case').execute(); }",
    '{ const { connection } = db; return connection; }',
    "db.schema.dropTable('case').execute()",
    "db.withSchema('other')",
    'db.connection()',
    'db.executeQuery(query)',
  ].map((query) => ({
    rule: 'no-restricted-syntax',
    file: 'src/features/advice/service.ts',
    code: `export const rows = (db: any, query: any) => ${query};`,
    says: /A query \(selectFrom, insertInto, updateTable, deleteFrom\.\.\., db\.schema, withSchema, connection\) belongs in a feature's repository\.ts/,
  })),
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
  // However the import is written: dynamically, or as a type query.
  {
    rule: 'boundaries/no-cross-feature',
    file: 'src/features/advice/service.ts',
    code: "export const openCase = async () => (await import('../cases/service.ts')).openCase;",
    says: /features\/advice may not import features\/cases: move what they share into src\/case\//,
  },
  {
    rule: 'boundaries/no-cross-feature',
    file: 'src/features/advice/service.ts',
    code: "export type CasesService = typeof import('../cases/service.ts');",
    says: /features\/advice may not import features\/cases/,
  },
  {
    rule: 'boundaries/no-features-below',
    file: 'src/web/scratch.ts',
    code: "export const actor = () => import('../features/auth/repository.ts');",
    says: /src\/web\/ sits below the features and may not import src\/features\/: what it needs belongs in src\/case\//,
  },
  {
    rule: 'boundaries/pure-core',
    file: 'src/domain/clock/scratch.ts',
    code: "export const files = import('node:fs');",
    says: /src\/domain\/ is pure .*of Node's modules it imports only node:assert and node:util, not node:fs \(no files, network, processes or OS\); do the I\/O in a feature's service/,
  },
  {
    rule: 'boundaries/sql-in-repositories',
    file: 'src/features/advice/service.ts',
    code: "export const kysely = await import('kysely');",
    says: /Kysely belongs in a feature's repository\.ts/,
  },
  {
    rule: 'boundaries/static-import-paths',
    file: 'src/features/advice/service.ts',
    code: "const where = '../cases/service.ts';\nexport const cases = await import(where);",
    says: /Write the path of import\(\) or require\(\) out as a string/,
  },
  // However the path is spelled: the path is resolved before it is matched.
  ...[
    './../cases/service.ts',
    '../advice/../cases/service.ts',
    '../../../src/features/cases/service.ts',
    '../../features/cases/service.ts',
  ].map((spelling) => ({
    rule: 'boundaries/no-cross-feature',
    file: 'src/features/advice/scratch.ts',
    code: `import { openCase } from '${spelling}';\nexport { openCase };`,
    says: /features\/advice may not import features\/cases/,
  })),
  {
    rule: 'boundaries/pure-core',
    file: 'src/domain/clock/scratch.ts',
    code: "import { openCase } from './../../features/cases/service.ts';\nexport { openCase };",
    says: /src\/domain\/ is pure .* and may not import src\/features\//,
  },
  {
    rule: 'boundaries/no-features-below',
    file: 'src/web/scratch.ts',
    code: "import { openCase } from './../../src/features/cases/service.ts';\nexport { openCase };",
    says: /src\/web\/ sits below the features/,
  },
  {
    rule: 'boundaries/app-joins-routes',
    file: 'src/app.ts',
    code: "import { loadCaseAccess } from './features/cases/routes.ts/../repository.ts';",
    says: /src\/app\.ts imports only the features' route plugins/,
  },
  // Routes, wherever they are and whatever they are called, call their service.
  ...[
    ['src/features/advice/routes.ts', '../../case/record.ts'],
    ['src/features/requests/intake-routes.ts', '../../case/clock.ts'],
    ['src/features/advice/routes-extra.ts', '../../case/documents.ts'],
    ['src/features/advice/http/routes.ts', '../../../case/notify.ts'],
    ['src/features/cases/routes.ts', '../../case/access.ts'],
    ['src/features/auth/account-routes.ts', '../../case/invitations.ts'],
    ['src/features/admin/routes.ts', '../../case/email/email-queue.ts'],
  ].map(([file, kernel]) => ({
    rule: 'boundaries/routes-call-services',
    file: file!,
    code: `import { recordChange } from '${kernel}';\nexport { recordChange };`,
    says: /A route may not call the kernel's I\/O in src\/case\/ .*: the service does, in its transaction, and the route calls the service/,
  })),
  {
    rule: 'boundaries/routes-call-services',
    file: 'src/features/advice/routes.ts',
    code: "export const record = async () => (await import('../../case/record.ts')).recordChange;",
    says: /A route may not call the kernel's I\/O in src\/case\//,
  },
  {
    rule: 'boundaries/routes-call-services',
    file: 'src/features/advice/http/more-routes.ts',
    code: "import { listAdvice } from '../repository.ts';\nexport { listAdvice };",
    says: /A route may not import a repository/,
  },
  // The pure core reaches no network, environment or configuration.
  {
    rule: 'no-restricted-globals',
    file: 'src/domain/clock/scratch.ts',
    code: "export const holidays = () => fetch('https://www.gov.uk/bank-holidays.json');",
    says: /src\/domain\/ is pure .*: fetch\(\) is network I\/O; do the I\/O in a feature's service/,
  },
  {
    rule: 'no-restricted-globals',
    file: 'src/policy/scratch.ts',
    code: 'export const strict = process.env.STRICT === "1";',
    says: /src\/policy\/ is pure .*: process \(its env, argv, exit\) belongs in src\/config\.ts and the composition roots/,
  },
  {
    rule: 'boundaries/pure-core',
    file: 'src/policy/scratch.ts',
    code: "import { loadConfig } from '../config.ts';\nexport { loadConfig };",
    says: /src\/policy\/ is pure .* and may not import src\/config\.ts \(it reads the environment\): take the setting as an argument/,
  },
  {
    rule: 'boundaries/pure-core',
    file: 'src/domain/clock/scratch.ts',
    code: "import os from 'node:os';\nexport { os };",
    says: /src\/domain\/ is pure .*: of Node's modules it imports only node:assert and node:util, not node:os/,
  },
  {
    rule: 'boundaries/pure-core',
    file: 'src/domain/clock/scratch.ts',
    code: "import { request } from 'undici';\nexport { request };",
    says: /src\/domain\/ is pure .*: do the I\/O in a feature's service .*add undici there only if it does no I\/O/,
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
    why: 'a route, in a subfolder or named otherwise, imports types and the email words from the kernel',
    file: 'src/features/admin/http/admin-routes.ts',
    code: [
      "import type { Actor } from '../../../case/actor.ts';",
      "import type { CaseChange } from '../../../case/record.ts';",
      "import { renderMessage } from '../../../case/email/messages.ts';",
      "import { saveDraft } from '../service.ts';",
      'export type Props = { actor: Actor; change: CaseChange };',
      'export { renderMessage, saveDraft };',
    ].join('\n'),
  },
  {
    why: 'the pure core keeps its timers, its own modules and its pure packages',
    file: 'src/domain/clock/scratch.ts',
    code: [
      "import { z } from 'zod';",
      "import { addDays } from './calendar-date.ts';",
      "import { strict as assert } from 'node:assert';",
      "export type CalendarDate = import('./calendar-date.ts').CalendarDate;",
      'export const later = (run: () => void) => setTimeout(run, 1);',
      'export { z, addDays, assert };',
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
