import path from 'node:path';
import { z } from 'zod';

/** Used only outside production; production refuses to start with it. */
export const DEVELOPMENT_SESSION_SECRET = 'development-only-secret-change-me-0123456789';

const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const environmentSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  BASE_URL: z.url().optional(),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must start with postgres:// or postgresql://')
    .optional(),
  /** Milliseconds; 0 turns a timeout off. See DatabaseTimeouts in src/db/database.ts. */
  DATABASE_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(5_000),
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).max(3_600_000).default(10_000),
  DATABASE_QUERY_TIMEOUT_MS: z.coerce.number().int().min(0).max(3_600_000).optional(),
  DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(0)
    .max(3_600_000)
    .default(60_000),
  DATA_DIR: z.string().min(1).default('./data'),
  /** Where uploaded documents are kept; default DATA_DIR/documents. Outside the web root. */
  STORAGE_DIR: z.string().min(1).optional(),
  SESSION_SECRET: z.string().default(DEVELOPMENT_SESSION_SECRET),
  SESSION_IDLE_MINUTES: z.coerce
    .number()
    .int()
    .min(2)
    .max(24 * 60)
    .default(20),
  DEMO_DATA: booleanFlag.optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TRUST_PROXY: booleanFlag.default(false),
  MAILER: z
    .enum(['outbox', 'smtp', 'notify'], 'MAILER must be smtp, notify or outbox')
    .default('outbox'),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'SMTP_URL must start with smtp:// or smtps://')
    .optional(),
  NOTIFY_API_KEY: z
    .string()
    .regex(/-[0-9a-f-]{36}-[0-9a-f-]{36}$/, 'NOTIFY_API_KEY must be a GOV.UK Notify API key')
    .optional(),
  NOTIFY_TEMPLATE_ID: z.uuid('NOTIFY_TEMPLATE_ID must be a template id (a UUID)').optional(),
  NOTIFY_BASE_URL: z.url().optional(),
  MAIL_FROM: z.string().min(3).default('Pathway <no-reply@pathway.localhost>'),
  RUN_WORKERS: booleanFlag.default(true),
  EMAIL_RETRY_DELAY_SECONDS: z.coerce.number().int().min(1).max(3600).default(15),
  SERVICE_NAME: z.string().min(1).default('Pathway'),
  CLAMD_URL: z
    .string()
    .regex(
      /^(unix:\/\/\/|\/|tcp:\/\/[^/]+:\d+$)/,
      'CLAMD_URL must be unix:///path/to/clamd.socket or tcp://host:port',
    )
    .optional(),
  CLAMD_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(300).default(20),
  REQUEST_DRAFT_DAYS: z.coerce.number().int().min(1).max(365).default(28),
  REQUEST_DRAFT_STORAGE_MB_PER_ADDRESS: z.coerce.number().int().min(1).max(10_000).default(50),
  MAX_REQUESTS_IN_PROGRESS: z.coerce.number().int().min(0).max(10_000).optional(),
  MAX_REQUESTS_WAITING: z.coerce.number().int().min(0).max(100_000).default(200),
  MAX_WAIT_SECONDS: z.coerce.number().min(0.1).max(300).default(5),
});

export type Config = {
  environment: 'development' | 'test' | 'production';
  production: boolean;
  host: string;
  port: number;
  baseUrl: string;
  databaseUrl: string | undefined;
  /** PostgreSQL's connect, statement, answer and idle-in-transaction timeouts (ms; 0: none). */
  databaseTimeouts: {
    connectMs: number;
    statementMs: number;
    queryMs: number;
    idleInTransactionMs: number;
  };
  dataDir: string;
  /** The local folder holding uploaded documents (the storage adapter's root). */
  storageDir: string;
  sessionSecret: string;
  sessionIdleMinutes: number;
  /**
   * Demo mode: seed the demo accounts into an empty embedded database, show sign-in codes on
   * screen and mount the development outbox. Never in production or on PostgreSQL.
   */
  demoData: boolean;
  logLevel: string;
  trustProxy: boolean;
  mailer: 'outbox' | 'smtp' | 'notify';
  smtpUrl: string | undefined;
  notifyApiKey: string | undefined;
  notifyTemplateId: string | undefined;
  /** Only to point at a stand-in for Notify (tests, a proxy); unset means Notify itself. */
  notifyBaseUrl: string | undefined;
  /** Whether the web process also runs the job workers (off when `pathway worker` runs them). */
  runWorkers: boolean;
  /** The first wait before retrying a failed email; each retry waits twice as long. */
  emailRetryDelaySeconds: number;
  mailFrom: string;
  serviceName: string;
  /** clamd's address (unix socket or tcp://host:port); unset means no virus scan. */
  clamdUrl: string | undefined;
  clamdTimeoutSeconds: number;
  /** How long a request that is not sent is kept after its last change, with its files. */
  requestDraftDays: number;
  /** The most evidence one address may hold across requests not yet sent, in bytes. */
  requestDraftBytesPerAddress: number;
  /**
   * At most this many requests in progress at once, the rest waiting in turn; 0 for no limit.
   * Default 4 on the embedded database (one single-threaded PostgreSQL), none on PostgreSQL.
   */
  maxRequestsInProgress: number;
  /** With a limit: how many requests may wait; more are answered "service unavailable" (503). */
  maxRequestsWaiting: number;
  /** With a limit: a request still waiting after this long is answered 503 then. */
  maxWaitSeconds: number;
};

export class ConfigError extends Error {}

/** Reads and checks the environment once; production refuses unsafe defaults. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = environmentSchema.safeParse(
    Object.fromEntries(Object.entries(env).filter(([, value]) => value !== '')),
  );
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || 'environment'}: ${issue.message}`,
    );
    throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  if (production) {
    const problems: string[] = [];
    if (!e.DATABASE_URL) problems.push('DATABASE_URL must be set in production');
    if (e.SESSION_SECRET === DEVELOPMENT_SESSION_SECRET || e.SESSION_SECRET.length < 32) {
      problems.push('SESSION_SECRET must be set to a random value of at least 32 characters');
    }
    if (!e.BASE_URL) problems.push('BASE_URL must be set in production');
    if (e.MAILER === 'outbox') problems.push('MAILER must be smtp or notify in production');
    if (e.DEMO_DATA) problems.push('DEMO_DATA cannot be used in production');
    if (problems.length > 0) {
      throw new ConfigError(`Refusing to start in production:\n  ${problems.join('\n  ')}`);
    }
  }
  // Demo mode shows sign-in codes on screen and mounts the outbox: only ever on the embedded
  // database, so a staging server on PostgreSQL cannot expose them by a forgotten NODE_ENV.
  if (e.DEMO_DATA && e.DATABASE_URL) {
    throw new ConfigError(
      'Invalid configuration:\n  DEMO_DATA needs the embedded database: unset DATABASE_URL',
    );
  }
  if (!e.RUN_WORKERS && !e.DATABASE_URL) {
    throw new ConfigError(
      'Invalid configuration:\n  RUN_WORKERS=false needs PostgreSQL (DATABASE_URL): with the embedded database, only the web process can deliver email',
    );
  }
  if (e.MAILER === 'smtp' && !e.SMTP_URL) {
    throw new ConfigError('Invalid configuration:\n  SMTP_URL must be set when MAILER is smtp');
  }
  if (e.MAILER === 'notify' && (!e.NOTIFY_API_KEY || !e.NOTIFY_TEMPLATE_ID)) {
    throw new ConfigError(
      'Invalid configuration:\n  NOTIFY_API_KEY and NOTIFY_TEMPLATE_ID must be set when MAILER is notify',
    );
  }
  // The client waits longer than the server, so a slow statement is cancelled by the server
  // (keeping its connection) before the client gives the connection up.
  const queryTimeoutMs =
    e.DATABASE_QUERY_TIMEOUT_MS ??
    (e.DATABASE_STATEMENT_TIMEOUT_MS > 0 ? e.DATABASE_STATEMENT_TIMEOUT_MS + 5_000 : 0);
  if (queryTimeoutMs > 0 && queryTimeoutMs <= e.DATABASE_STATEMENT_TIMEOUT_MS) {
    throw new ConfigError(
      'Invalid configuration:\n  DATABASE_QUERY_TIMEOUT_MS must be longer than DATABASE_STATEMENT_TIMEOUT_MS',
    );
  }
  if (e.SESSION_SECRET.length < 32) {
    throw new ConfigError(
      'Invalid configuration:\n  SESSION_SECRET must be at least 32 characters',
    );
  }
  return {
    environment: e.NODE_ENV,
    production,
    host: e.HOST,
    port: e.PORT,
    baseUrl: (e.BASE_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, ''),
    databaseUrl: e.DATABASE_URL,
    databaseTimeouts: {
      connectMs: e.DATABASE_CONNECT_TIMEOUT_MS,
      statementMs: e.DATABASE_STATEMENT_TIMEOUT_MS,
      queryMs: queryTimeoutMs,
      idleInTransactionMs: e.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS,
    },
    dataDir: e.DATA_DIR,
    storageDir: e.STORAGE_DIR ?? path.join(e.DATA_DIR, 'documents'),
    sessionSecret: e.SESSION_SECRET,
    sessionIdleMinutes: e.SESSION_IDLE_MINUTES,
    demoData: !production && (e.DEMO_DATA ?? !e.DATABASE_URL),
    logLevel: e.LOG_LEVEL,
    trustProxy: e.TRUST_PROXY,
    mailer: e.MAILER,
    smtpUrl: e.SMTP_URL,
    notifyApiKey: e.NOTIFY_API_KEY,
    notifyTemplateId: e.NOTIFY_TEMPLATE_ID,
    notifyBaseUrl: e.NOTIFY_BASE_URL,
    runWorkers: e.RUN_WORKERS,
    emailRetryDelaySeconds: e.EMAIL_RETRY_DELAY_SECONDS,
    mailFrom: e.MAIL_FROM,
    serviceName: e.SERVICE_NAME,
    clamdUrl: e.CLAMD_URL,
    clamdTimeoutSeconds: e.CLAMD_TIMEOUT_SECONDS,
    requestDraftDays: e.REQUEST_DRAFT_DAYS,
    requestDraftBytesPerAddress: e.REQUEST_DRAFT_STORAGE_MB_PER_ADDRESS * 1024 * 1024,
    maxRequestsInProgress: e.MAX_REQUESTS_IN_PROGRESS ?? (e.DATABASE_URL ? 0 : 4),
    maxRequestsWaiting: e.MAX_REQUESTS_WAITING,
    maxWaitSeconds: e.MAX_WAIT_SECONDS,
  };
}
