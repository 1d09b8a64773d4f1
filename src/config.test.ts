import { describe, expect, it } from 'vitest';
import { ConfigError, DEVELOPMENT_SESSION_SECRET, loadConfig } from './config.ts';

const productionBase = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgres://pathway@db.internal:5432/pathway',
  SESSION_SECRET: 'x'.repeat(48),
  BASE_URL: 'https://pathway.example.gov.uk',
  MAILER: 'smtp',
  SMTP_URL: 'smtp://mail.internal:587',
};

describe('configuration', () => {
  it('has safe defaults for development: embedded database and demo data', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.databaseUrl).toBeUndefined();
    expect(config.dataDir).toBe('./data');
    expect(config.demoData).toBe(true);
    expect(config.baseUrl).toBe('http://localhost:3000');
  });

  it('bounds every wait on the database by default, and takes shorter or longer bounds', () => {
    expect(loadConfig({}).databaseTimeouts).toEqual({
      connectMs: 5_000,
      statementMs: 10_000,
      queryMs: 15_000,
      idleInTransactionMs: 60_000,
    });
    const short = loadConfig({
      DATABASE_CONNECT_TIMEOUT_MS: '1000',
      DATABASE_STATEMENT_TIMEOUT_MS: '2000',
      DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: '0',
    }).databaseTimeouts;
    expect(short).toEqual({
      connectMs: 1_000,
      statementMs: 2_000,
      queryMs: 7_000,
      idleInTransactionMs: 0,
    });
    expect(loadConfig({ DATABASE_STATEMENT_TIMEOUT_MS: '0' }).databaseTimeouts.queryMs).toBe(0);
    expect(() =>
      loadConfig({ DATABASE_STATEMENT_TIMEOUT_MS: '5000', DATABASE_QUERY_TIMEOUT_MS: '5000' }),
    ).toThrow(/DATABASE_QUERY_TIMEOUT_MS must be longer than DATABASE_STATEMENT_TIMEOUT_MS/);
    expect(() => loadConfig({ DATABASE_CONNECT_TIMEOUT_MS: 'soon' })).toThrow(
      /DATABASE_CONNECT_TIMEOUT_MS/,
    );
  });

  it('starts in production with everything set', () => {
    const config = loadConfig(productionBase);
    expect(config.production).toBe(true);
    expect(config.demoData).toBe(false);
  });

  it.each([
    [
      'the default session secret',
      { SESSION_SECRET: DEVELOPMENT_SESSION_SECRET },
      /SESSION_SECRET/,
    ],
    ['no database URL', { DATABASE_URL: '' }, /DATABASE_URL must be set/],
    ['no base URL', { BASE_URL: '' }, /BASE_URL/],
    ['the development outbox', { MAILER: 'outbox' }, /MAILER/],
    ['demo data', { DEMO_DATA: 'true' }, /DEMO_DATA/],
  ])('refuses production with %s', (_name, change, message) => {
    expect(() => loadConfig({ ...productionBase, ...change })).toThrow(message);
  });

  it('keeps demo mode to the embedded database', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://localhost/pathway' }).demoData).toBe(false);
    expect(() =>
      loadConfig({ DATABASE_URL: 'postgres://localhost/pathway', DEMO_DATA: 'true' }),
    ).toThrow(/embedded database/);
    expect(loadConfig({ DEMO_DATA: 'false' }).demoData).toBe(false);
  });

  it('explains each bad value', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/postgres:\/\//);
    expect(() => loadConfig({ MAILER: 'smtp' })).toThrow(/SMTP_URL/);
    expect(() => loadConfig({ SESSION_SECRET: 'short' })).toThrow(/32 characters/);
  });
});
