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
