import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/database.ts';

const bin = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'pathway.js');
const dataDir = mkdtempSync(path.join(tmpdir(), 'pathway-cli-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** Runs `npx pathway` on an embedded database of its own, with only the configuration given. */
function pathway(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: dataDir, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

async function queuedSubjects(to: string) {
  const database = openDatabase({ kind: 'embedded', dataDir });
  try {
    const rows = await database.db
      .selectFrom('email_message')
      .select(['subject', 'status'])
      .where('to_address', '=', to)
      .orderBy('created_at')
      .execute();
    return rows;
  } finally {
    await database.close();
  }
}

describe('npx pathway send-test-email', () => {
  it('refuses bad flags with a clear message and exit code 2', async () => {
    const missing = await pathway(['send-test-email']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('--to is required');
    const bad = await pathway(['send-test-email', '--to', 'nope', '--count', '0']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--to must be an email address, like name@example.com');
    expect(bad.stderr).toContain('--count must be a whole number from 1 to 10000');
    const huge = await pathway(['send-test-email', '--to', 'ops@example.test', '--count', '2.5']);
    expect(huge.stderr).toContain('--count must be a whole number from 1 to 10000');
  });

  it('queues numbered test messages for a worker to deliver, and exits', async () => {
    const result = await pathway(['send-test-email', '--to', 'ops@example.test', '--count', '3']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(
      'Queued 3 test messages to ops@example.test through the outbox mailer',
    );
    expect(await queuedSubjects('ops@example.test')).toEqual([
      { subject: 'Test message 1 of 3', status: 'queued' },
      { subject: 'Test message 2 of 3', status: 'queued' },
      { subject: 'Test message 3 of 3', status: 'queued' },
    ]);
  });
});

describe('npx pathway create-user', () => {
  it('creates the LA and queues the first administrator’s invitation', async () => {
    const result = await pathway([
      'create-user',
      '--email',
      'first.admin@camden.example',
      '--la-code',
      '202',
      '--la-name',
      'Camden',
    ]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain('Created Camden.');
    expect(result.stdout).toMatch(/\/register\/[A-Za-z0-9_-]{43}/);
    expect(await queuedSubjects('first.admin@camden.example')).toEqual([
      { subject: 'You have been invited to Pathway', status: 'queued' },
    ]);
  });
});

describe('npx pathway worker', () => {
  it('needs PostgreSQL, and says why', async () => {
    const result = await pathway(['worker']);
    expect(result.status, result.stderr).toBe(2);
    expect(result.stderr).toContain('pathway worker needs PostgreSQL: set DATABASE_URL');
  });
});
