import { readdirSync } from 'node:fs';
import path from 'node:path';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/*
 * The architecture's boundaries (docs/architecture.md), kept by the linter. Each boundary is its
 * own rule, `boundaries/<name>`: ESLint's `no-restricted-imports` (typescript-eslint's edition,
 * which also sees `import type`), registered once per boundary so that each keeps its own files
 * and patterns, and a report names the boundary that was crossed. Patterns match the import as
 * written; imports are relative, so `(\.\./)+features/` is "src/features/, from any depth".
 * Each message says where the thing belongs.
 */
const restrictedImports = tseslint.plugin.rules['no-restricted-imports'];
const BOUNDARIES = [
  'no-cross-feature',
  'no-features-below',
  'pure-core',
  'sql-in-repositories',
  'routes-call-services',
  'app-joins-routes',
];
const boundaries = {
  meta: { name: 'pathway-boundaries' },
  rules: Object.fromEntries(BOUNDARIES.map((name) => [name, restrictedImports])),
};

/** Tests anywhere are composition roots: they may join features and use SQL to set up. */
const TESTS = [
  '**/*.test.ts',
  '**/*.e2e.ts',
  '**/*.clamd.ts',
  '**/*.fault.ts',
  'test/**',
  'e2e/**',
  'bench/**',
];

/** Where Kysely and query builders may be used (besides tests, bench and e2e). */
const SQL_HOMES = [
  'src/features/*/repository.ts',
  'src/features/*/*-repository.ts',
  'src/case/**',
  'src/db/**',
  'src/audit/**',
];

const SHARED_HOMES =
  'src/case/ (the kernel: actor, case access, clock, record of a change, participants, ' +
  'notifications, documents), src/domain/ (pure rules) or src/web/ (HTTP and input plumbing)';

const features = readdirSync(path.join(import.meta.dirname, 'src/features'), {
  withFileTypes: true,
})
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

/** An import, as written in a file anywhere under src/, of the top-level folder `src/<dir>/`. */
const intoSrc = (dir) => `^(\\.\\./)+${dir}(/|$)`;

// (a) A feature never imports another feature: not its repository, not its service, nothing.
const featureBlocks = features.map((feature) => ({
  name: `boundaries: features/${feature}`,
  files: [`src/features/${feature}/**/*.ts`],
  ignores: TESTS,
  rules: {
    'boundaries/no-cross-feature': [
      'error',
      {
        patterns: features
          .filter((other) => other !== feature)
          .map((other) => ({
            regex: `^(\\.\\./)+(features/)?${other}(/|$)`,
            message:
              `features/${feature} may not import features/${other}: move what they share into ` +
              `${SHARED_HOMES}. Only the composition roots (src/app.ts, src/services.ts, ` +
              `src/main.ts, src/jobs/, cli/, tests) join features.`,
          })),
      },
    ],
  },
}));

// (b) The layers below the features never import them.
const lowerLayerBlocks = ['web', 'case', 'policy', 'audit', 'db'].map((layer) => ({
  name: `boundaries: src/${layer} below the features`,
  files: [`src/${layer}/**/*.ts`],
  ignores: TESTS,
  rules: {
    'boundaries/no-features-below': [
      'error',
      {
        patterns: [
          {
            regex: intoSrc('features'),
            message:
              `src/${layer}/ sits below the features and may not import src/features/: what it ` +
              `needs belongs in ${SHARED_HOMES}; a feature is joined to it only in a ` +
              `composition root (src/app.ts, src/services.ts, src/main.ts, src/jobs/).`,
          },
        ],
      },
    ],
  },
}));

// (c) The domain and the policy are pure: no database, files, network, web framework or mail.
const IO_PACKAGES = [
  'kysely',
  'kysely/*',
  'kysely-*',
  'pg',
  'pg-*',
  '@electric-sql/*',
  'fastify',
  'fastify-*',
  '@fastify/*',
  'nodemailer',
  'notifications-node-client',
  'proper-lockfile',
  ...['fs', 'fs/*', 'net', 'http', 'https', 'http2', 'tls', 'dns', 'dns/*', 'dgram']
    .concat(['child_process', 'cluster', 'worker_threads'])
    .flatMap((name) => [name, `node:${name}`]),
];
const IO_FOLDERS = ['db', 'case', 'audit', 'web', 'jobs', 'features'];
const pureBlocks = ['domain', 'policy'].map((layer) => {
  const pure =
    `src/${layer}/ is pure (no database, files, network or web framework, so it can be ` +
    `tested exhaustively)`;
  const instead =
    `do the I/O in a feature's service or repository.ts, or in src/case/ (the kernel), ` +
    `and pass the facts in; Fastify glue belongs in src/web/`;
  return {
    name: `boundaries: src/${layer} is pure`,
    files: [`src/${layer}/**/*.ts`],
    rules: {
      'boundaries/pure-core': [
        'error',
        {
          patterns: [
            { group: IO_PACKAGES, message: `${pure}: ${instead}.` },
            ...IO_FOLDERS.map((folder) => ({
              regex: intoSrc(folder),
              message: `${pure} and may not import src/${folder}/: ${instead}.`,
            })),
            {
              regex: '^(\\.\\./)+(app|main|services)\\.ts$',
              message: `${pure} and may not import a composition root: ${instead}.`,
            },
          ],
        },
      ],
    },
  };
});

// (d) Kysely (and so `sql`) only in the features' repositories and the kernel, db and audit.
const SQL_MESSAGE =
  "belongs in a feature's repository.ts, or in src/case/ (the kernel's own SQL), src/db/ or " +
  'src/audit/: services call repository functions, routes call services';
const sqlBlock = {
  name: 'boundaries: SQL in repositories',
  files: ['src/**/*.ts', 'cli/**/*.ts'],
  // src/domain and src/policy are kept by boundaries/pure-core.
  ignores: [...SQL_HOMES, 'src/domain/**', 'src/policy/**', ...TESTS],
  rules: {
    'boundaries/sql-in-repositories': [
      'error',
      {
        patterns: [
          {
            group: ['kysely', 'kysely/*', 'kysely-*'],
            message: `Kysely ${SQL_MESSAGE}.`,
          },
        ],
      },
    ],
  },
};
const QUERY_BUILDERS = [
  'selectFrom',
  'selectNoFrom',
  'insertInto',
  'replaceInto',
  'updateTable',
  'deleteFrom',
  'mergeInto',
  'executeQuery',
];
const queryBlock = {
  name: 'boundaries: queries in repositories',
  files: ['src/**/*.ts', 'cli/**/*.ts'],
  ignores: [...SQL_HOMES, ...TESTS],
  rules: {
    'no-restricted-syntax': [
      'error',
      {
        selector: `CallExpression[callee.property.name=/^(${QUERY_BUILDERS.join('|')})$/]`,
        message: `A query (selectFrom, insertInto, updateTable, deleteFrom...) ${SQL_MESSAGE}.`,
      },
    ],
  },
};

// (e) Routes are HTTP only: they call their feature's service, never a repository or the audit.
const routesBlock = {
  name: 'boundaries: routes call services',
  files: ['src/features/*/*routes.ts'],
  rules: {
    'boundaries/routes-call-services': [
      'error',
      {
        patterns: [
          {
            regex: '(^|/)([^/]*-)?repository\\.ts$',
            message:
              'A route may not import a repository: routes.ts (HTTP: parse, call the service, ' +
              'render) -> service.ts (rules, transactions, the record of a change) -> ' +
              'repository.ts (SQL). Add or use a service function.',
          },
          {
            regex: intoSrc('audit'),
            message:
              'A route may not write audit rows: the service records the change (and its audit ' +
              "row) through the kernel's recordChange in src/case/record.ts.",
          },
        ],
      },
    ],
  },
};

// (f) src/app.ts plugs in the features' routes and nothing else of theirs.
const appBlock = {
  name: 'boundaries: src/app.ts joins routes',
  files: ['src/app.ts'],
  rules: {
    'boundaries/app-joins-routes': [
      'error',
      {
        patterns: [
          {
            regex: '^\\./features/(?!.*routes\\.ts$)',
            message:
              "src/app.ts imports only the features' route plugins (*routes.ts): the actor, " +
              'case access and the rest of what every request needs belong in src/case/ (the ' +
              'kernel) or src/web/; services are built in src/services.ts.',
          },
        ],
      },
    ],
  },
};

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', 'coverage/', 'src/assets/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  { name: 'boundaries: plugin', plugins: { boundaries } },
  ...featureBlocks,
  ...lowerLayerBlocks,
  ...pureBlocks,
  sqlBlock,
  queryBlock,
  routesBlock,
  appBlock,
);
