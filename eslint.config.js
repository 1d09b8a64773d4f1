import { readdirSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/*
 * The architecture's boundaries (docs/architecture.md), kept by the linter. Each boundary is its
 * own rule, `boundaries/<name>`, so that each keeps its own files and patterns and a report names
 * the boundary that was crossed. Every boundary rule is the one `restrictedModules` rule below,
 * registered once per boundary. It sees every way a module is named: `import`, `import type`,
 * `export ... from`, `await import('...')`, `typeof import('...')` and `require('...')`. A
 * relative path is first resolved against the importing file to a path from the repository's
 * root (`./../cases/service.ts` in src/features/advice/ is `src/features/cases/service.ts`), so a
 * pattern's `path` is matched against that, however the import was spelled; a package's name
 * (`kysely`, `node:fs`) is matched by `package`. The first pattern that matches is reported, and
 * each message says where the thing belongs.
 */
const ROOT = import.meta.dirname;

/** What a module specifier names: a repository path for a relative one, else the package. */
function resolveSpecifier(filename, specifier) {
  let target = null;
  if (specifier.startsWith('file:')) {
    try {
      target = fileURLToPath(specifier);
    } catch {
      return { package: specifier };
    }
  } else if (specifier.startsWith('.') || specifier.startsWith('/')) {
    const from = path.isAbsolute(filename) ? path.dirname(filename) : ROOT;
    target = path.resolve(from, specifier);
  }
  if (target === null) return { package: specifier };
  return { path: path.relative(ROOT, target).split(path.sep).join('/') };
}

/** The string a node names, when it is written as a string (a literal or a plain template). */
function staticString(node) {
  if (!node) return null;
  if (node.type === 'Literal' && typeof node.value === 'string') return node.value;
  if (node.type === 'TemplateLiteral' && node.expressions.length === 0) {
    return node.quasis[0]?.value.cooked ?? null;
  }
  if (node.type === 'TSLiteralType') return staticString(node.literal);
  return null;
}

const restrictedModules = {
  meta: {
    type: 'problem',
    docs: { description: 'Modules a file may not import, however the import is written.' },
    schema: [
      {
        type: 'object',
        properties: {
          patterns: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                path: { type: 'string' },
                package: { type: 'string' },
                message: { type: 'string' },
                allowTypeImports: { type: 'boolean' },
              },
              required: ['message'],
              additionalProperties: false,
            },
          },
        },
        required: ['patterns'],
        additionalProperties: false,
      },
    ],
  },
  create(context) {
    const patterns = (context.options[0]?.patterns ?? []).map((pattern) => ({
      ...pattern,
      path: pattern.path === undefined ? null : new RegExp(pattern.path),
      package: pattern.package === undefined ? null : new RegExp(pattern.package),
    }));
    function check(node, sourceNode, typeOnly) {
      const specifier = staticString(sourceNode);
      if (specifier === null) return;
      const target = resolveSpecifier(context.filename, specifier);
      const found = patterns.find(
        (pattern) =>
          !(typeOnly && pattern.allowTypeImports) &&
          (target.path !== undefined
            ? pattern.path?.test(target.path)
            : pattern.package?.test(target.package)),
      );
      if (found) {
        context.report({ node: sourceNode, message: found.message, data: { module: specifier } });
      }
    }
    const allType = (specifiers, kind) =>
      specifiers.length > 0 && specifiers.every((specifier) => specifier[kind] === 'type');
    return {
      ImportDeclaration: (node) =>
        check(
          node,
          node.source,
          node.importKind === 'type' || allType(node.specifiers, 'importKind'),
        ),
      ExportNamedDeclaration: (node) =>
        node.source &&
        check(
          node,
          node.source,
          node.exportKind === 'type' || allType(node.specifiers, 'exportKind'),
        ),
      ExportAllDeclaration: (node) => check(node, node.source, node.exportKind === 'type'),
      ImportExpression: (node) => check(node, node.source, false),
      TSImportType: (node) => check(node, node.source ?? node.argument, true),
      TSImportEqualsDeclaration: (node) =>
        node.moduleReference.type === 'TSExternalModuleReference' &&
        check(node, node.moduleReference.expression, node.importKind === 'type'),
      'CallExpression[callee.type="Identifier"][callee.name="require"]': (node) =>
        check(node, node.arguments[0], false),
    };
  },
};

/**
 * `import(path)` with a path the linter cannot read (a variable, a template with `${}`) would
 * slip past every boundary, so the path must be written out.
 */
const staticImportPaths = {
  meta: {
    type: 'problem',
    docs: { description: 'import() and require() take a path written out as a string.' },
    schema: [],
  },
  create(context) {
    const check = (node, source) => {
      if (source && staticString(source) === null && source.type !== 'SpreadElement') {
        context.report({
          node: source,
          message:
            'Write the path of import() or require() out as a string: the linter cannot check a ' +
            'computed path against the boundaries (docs/architecture.md).',
        });
      }
    };
    return {
      ImportExpression: (node) => check(node, node.source),
      'CallExpression[callee.type="Identifier"][callee.name="require"]': (node) =>
        check(node, node.arguments[0]),
    };
  },
};

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
  rules: {
    ...Object.fromEntries(BOUNDARIES.map((name) => [name, restrictedModules])),
    'static-import-paths': staticImportPaths,
  },
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

const features = readdirSync(path.join(ROOT, 'src/features'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

/** The top-level folder `src/<dir>/` (patterns' `path`s are paths from the repository root). */
const inSrc = (dir) => `^src/${dir}(/|$)`;

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
            path: `^src/features/${other}(/|$)`,
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
            path: inSrc('features'),
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

// (c) The domain and the policy are pure: no database, files, network, environment, web
// framework or mail. They import only themselves, the packages on this list and Node's modules
// that do no I/O; everything else is reported, so a new package is let in only on purpose.
const PURE_PACKAGES = ['zod', 'vitest', 'fast-check'];
const PURE_NODE_MODULES = ['assert', 'util'];
const PURE_NODE = `(${PURE_NODE_MODULES.join('|')})(/|$)`;
const PURE_NODE_NAMES = PURE_NODE_MODULES.map((name) => `node:${name}`).join(' and ');
const NODE_IO_MODULES = [
  ...new Set(
    builtinModules
      .map((name) => name.replace(/^node:/, '').split('/')[0])
      .filter((name) => !name.startsWith('_') && !PURE_NODE_MODULES.includes(name)),
  ),
].sort();
const IO_FOLDERS = ['db', 'case', 'audit', 'web', 'jobs', 'features'];
const pureBlocks = ['domain', 'policy'].map((layer) => {
  const pure =
    `src/${layer}/ is pure (no database, files, network, environment or web framework, so it ` +
    `can be tested exhaustively)`;
  const instead =
    `do the I/O in a feature's service or repository.ts, or in src/case/ (the kernel), ` +
    `and pass the facts in; Fastify glue belongs in src/web/`;
  const itself = layer === 'policy' ? 'src/domain/ and src/policy/' : 'src/domain/';
  const globals = [
    ['fetch', 'fetch() is network I/O'],
    ['process', 'process (its env, argv, exit) belongs in src/config.ts and the composition roots'],
    ['globalThis', 'globalThis reaches the host (fetch, process)'],
    ['global', 'global reaches the host (fetch, process)'],
    ['require', 'require() loads modules past the boundaries'],
    ['WebSocket', 'WebSocket is network I/O'],
    ['XMLHttpRequest', 'XMLHttpRequest is network I/O'],
    ['EventSource', 'EventSource is network I/O'],
  ];
  return {
    name: `boundaries: src/${layer} is pure`,
    files: [`src/${layer}/**/*.ts`],
    rules: {
      'boundaries/pure-core': [
        'error',
        {
          patterns: [
            ...IO_FOLDERS.map((folder) => ({
              path: inSrc(folder),
              message: `${pure} and may not import src/${folder}/: ${instead}.`,
            })),
            {
              path: '^src/config\\.ts$',
              message:
                `${pure} and may not import src/config.ts (it reads the environment): take the ` +
                `setting as an argument; ${instead}.`,
            },
            {
              path: '^src/[^/]+$',
              message: `${pure} and may not import a composition root: ${instead}.`,
            },
            {
              path: layer === 'policy' ? '^(?!src/(domain|policy)/)' : '^(?!src/domain/)',
              message: `${pure} and imports only ${itself}: ${instead}.`,
            },
            {
              package: `^(node:)?(${NODE_IO_MODULES.join('|')})(/|$)`,
              message:
                `${pure}: of Node's modules it imports only ${PURE_NODE_NAMES}, not ` +
                `{{module}} (no files, network, processes or OS); ${instead}.`,
            },
            {
              package: `^(?!(${PURE_PACKAGES.join('|')})(/|$)|(node:)?(${PURE_NODE}))`,
              message:
                `${pure}: ${instead}. (It imports only the packages in PURE_PACKAGES in ` +
                `eslint.config.js; add {{module}} there only if it does no I/O.)`,
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        ...globals.map(([name, what]) => ({
          name,
          message: `${pure}: ${what}; ${instead}.`,
        })),
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
          { package: '^kysely(-[^/]*)?(/|$)', message: `Kysely ${SQL_MESSAGE}.` },
          {
            package: '^(pg|pg-pool|pg-cursor|pg-copy-streams|@electric-sql/pglite)(/|$)',
            message:
              'The database driver (pg, PGlite) belongs in src/db/: everything else reaches the ' +
              "database through Kysely, in a feature's repository.ts or src/case/ (the kernel).",
          },
        ],
      },
    ],
  },
};
// Kysely's methods that run or build SQL, and change or reach around the schema.
const QUERY_BUILDERS = [
  'selectFrom',
  'selectNoFrom',
  'insertInto',
  'replaceInto',
  'updateTable',
  'deleteFrom',
  'mergeInto',
  'executeQuery',
  'withSchema',
  'withPlugin',
  'withoutPlugins',
  'withTables',
  ...['Table', 'Index', 'Schema', 'View', 'Type'].flatMap((what) => [
    `create${what}`,
    `drop${what}`,
  ]),
  'alterTable',
  'refreshMaterializedView',
];
const QUERY_NAMES = `/^(${QUERY_BUILDERS.join('|')})$/`;
const QUERY_OR_CONNECTION = `/^(${[...QUERY_BUILDERS, 'connection'].join('|')})$/`;
const QUERY_MESSAGE =
  'A query (selectFrom, insertInto, updateTable, deleteFrom..., db.schema, withSchema, ' +
  `connection) ${SQL_MESSAGE}.`;
const querySelectors = [
  // db.selectFrom(...), db?.selectFrom, const select = db.selectFrom
  `MemberExpression[computed=false][property.name=${QUERY_NAMES}]`,
  // db['selectFrom'](...), db[`selectFrom`](...)
  `MemberExpression[computed=true][property.value=${QUERY_NAMES}]`,
  `MemberExpression[computed=true][property.quasis.0.value.cooked=${QUERY_NAMES}]`,
  // db.connection(), db['connection']()
  "CallExpression[callee.type='MemberExpression'][callee.property.name='connection']",
  "CallExpression[callee.type='MemberExpression'][callee.property.value='connection']",
  // const { deleteFrom } = db, const { connection } = db
  `ObjectPattern > Property[computed=false][key.name=${QUERY_OR_CONNECTION}]`,
  `ObjectPattern > Property[key.value=${QUERY_OR_CONNECTION}]`,
];
const queryBlock = {
  name: 'boundaries: queries in repositories',
  files: ['src/**/*.ts', 'cli/**/*.ts'],
  // The job queue runs pg-boss's statements through Kysely's one PGlite connection.
  ignores: [...SQL_HOMES, 'src/jobs/queue.ts', ...TESTS],
  rules: {
    'no-restricted-syntax': [
      'error',
      ...querySelectors.map((selector) => ({ selector, message: QUERY_MESSAGE })),
    ],
  },
};

// (e) Routes are HTTP only: they call their feature's service, never a repository, the audit or
// the kernel's I/O (the service records the change, in its transaction). Every file with
// "routes" in its name, in any folder of a feature, is a route file.
const ROUTE_KERNEL_FILES = ['email/messages\\.ts$'];
const routesBlock = {
  name: 'boundaries: routes call services',
  files: ['src/features/**/*routes*.ts'],
  ignores: TESTS,
  rules: {
    'boundaries/routes-call-services': [
      'error',
      {
        patterns: [
          {
            path: '(^|/)([^/]*-)?repository(\\.[cm]?[jt]s)?$',
            message:
              'A route may not import a repository: routes.ts (HTTP: parse, call the service, ' +
              'render) -> service.ts (rules, transactions, the record of a change) -> ' +
              'repository.ts (SQL). Add or use a service function.',
          },
          {
            path: inSrc('audit'),
            message:
              'A route may not write audit rows: the service records the change (and its audit ' +
              "row) through the kernel's recordChange in src/case/record.ts.",
          },
          {
            path: `^src/case/(?!(${ROUTE_KERNEL_FILES.join('|')}))`,
            allowTypeImports: true,
            message:
              "A route may not call the kernel's I/O in src/case/ (the record of a change and " +
              'its audit rows, the clock, documents, notifications, invitations, access, the ' +
              'actor, participants): the service does, in its transaction, and the route calls ' +
              'the service. From src/case/ a route imports only types and the words of an email ' +
              '(src/case/email/messages.ts).',
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
            path: '^src/features/(?!.*routes[^/]*\\.ts$)',
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

// (g) A path the linter cannot read would slip past all of the above.
const staticPathsBlock = {
  name: 'boundaries: import paths written out',
  files: ['src/**/*.ts', 'cli/**/*.ts'],
  ignores: TESTS,
  rules: { 'boundaries/static-import-paths': 'error' },
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
  staticPathsBlock,
);
