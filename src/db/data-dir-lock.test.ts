import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { openConfiguredDatabase } from './configured.ts';
import { lockDataDir } from './data-dir-lock.ts';
import { databaseAnswers } from './database.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** main.ts needs Node 22.18 or later; the pinned one, when this runs on an older system Node. */
const pinnedNode = path.join(root, 'node_modules', 'node', 'bin', 'node');
const node = existsSync(pinnedNode) ? pinnedNode : process.execPath;

/** How long a new embedded database may take to answer (databaseAnswers gives up after 1 s). */
const OPENING_MS = 60_000;

const folders: string[] = [];
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function freshDataDir() {
  const folder = mkdtempSync(path.join(tmpdir(), 'pathway-lock-'));
  folders.push(folder);
  return folder;
}

const configFor = (dataDir: string) =>
  loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: dataDir, DEMO_DATA: 'false' });

type Run = { status: number | null; stdout: string; stderr: string };

function collect(child: ChildProcess) {
  const output = { stdout: '', stderr: '' };
  child.stdout?.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
  return output;
}

const environment = (dataDir: string, extra: Record<string, string> = {}) => ({
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  DATA_DIR: dataDir,
  DEMO_DATA: 'false',
  LOG_LEVEL: 'info',
  HOST: '127.0.0.1',
  ...extra,
});

/** Starts `node src/main.ts` on DATA_DIR and resolves once it listens (or rejects if it exits). */
function startServer(dataDir: string, port: number) {
  const child = spawn(node, [path.join(root, 'src', 'main.ts')], {
    env: environment(dataDir, { PORT: String(port) }),
  });
  children.push(child);
  const output = collect(child);
  return new Promise<{ child: ChildProcess; output: typeof output }>((resolve, reject) => {
    const timer = setInterval(() => {
      if (output.stdout.includes('Server listening')) {
        clearInterval(timer);
        resolve({ child, output });
      }
    }, 50);
    child.on('exit', (status) => {
      clearInterval(timer);
      reject(new Error(`server exited with ${status}: ${output.stderr}`));
    });
  });
}

/** Runs a process to its end, or reports what it printed if it is still running after `ms`. */
function runToEnd(command: string[], env: NodeJS.ProcessEnv, ms = 45_000) {
  const child = spawn(node, command, { env });
  children.push(child);
  const output = collect(child);
  return new Promise<Run>((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve({ status: null, ...output });
    }, ms);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, ...output });
    });
  });
}

const pathway = (args: string[], dataDir: string) =>
  runToEnd([path.join(root, 'bin', 'pathway.js'), ...args], environment(dataDir));

describe('the embedded database has one writer', () => {
  it('refuses a second opening of the same DATA_DIR in one process, naming the holder', async () => {
    const dataDir = freshDataDir();
    const first = openConfiguredDatabase(configFor(dataDir), 'the Pathway server');
    // Wait until PGlite has made and opened the folder (a new folder takes seconds).
    expect(await databaseAnswers(first.db, OPENING_MS)).toBe(true);
    try {
      expect(() => openConfiguredDatabase(configFor(dataDir), 'pathway migrate')).toThrow(
        new RegExp(
          `in use by the Pathway server \\(process ${process.pid} on this computer, since .+\\)`,
        ),
      );
    } finally {
      await first.close();
    }
    // Closed: the next one may open it.
    const again = openConfiguredDatabase(configFor(dataDir), 'pathway migrate');
    expect(await databaseAnswers(again.db, OPENING_MS)).toBe(true);
    await again.close();
  });

  it('refuses a second server, pathway migrate and seed-demo while a server runs, and takes over once it is killed', async () => {
    const dataDir = freshDataDir();
    const { child } = await startServer(dataDir, 43_101);

    const second = await runToEnd(
      [path.join(root, 'src', 'main.ts')],
      environment(dataDir, { PORT: '43102' }),
    );
    expect(second.status).toBe(1);
    expect(second.stderr).toContain(
      `is in use by the Pathway server (process ${child.pid} on this computer, since `,
    );
    expect(second.stderr).toContain('Stop that process first');
    // Refused before it migrated or started workers.
    expect(second.stdout).not.toContain('migrationsApplied');
    expect(second.stdout).not.toContain('job workers');

    for (const command of ['migrate', 'seed-demo']) {
      const run = await pathway([command], dataDir);
      expect(run.status, run.stdout).toBe(1);
      expect(run.stderr).toContain(`in use by the Pathway server (process ${child.pid}`);
      expect(run.stdout).toBe('');
    }

    // kill -9 leaves the lock behind; its holder is gone, so the next process takes it over.
    const exited = new Promise((resolve) => child.on('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    expect(existsSync(path.join(dataDir, 'pathway.lock'))).toBe(true);
    const run = await pathway(['migrate'], dataDir);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('The database is up to date.');
    // And it let go when it ended.
    expect(existsSync(path.join(dataDir, 'pathway.lock'))).toBe(false);
  }, 240_000);

  it('takes over a lock left by a process that has gone, but not one whose holder lives', async () => {
    const dataDir = freshDataDir();
    const gone = spawn(node, ['-e', '']);
    await new Promise((resolve) => gone.on('exit', resolve));
    const living = spawn(node, ['-e', 'setTimeout(() => {}, 60000)']);
    children.push(living);
    const leaveLock = (pid: number) => {
      mkdirSync(path.join(dataDir, 'pathway.lock'), { recursive: true });
      writeFileSync(
        path.join(dataDir, 'pathway.lock.json'),
        JSON.stringify({
          pid,
          host: hostname(),
          purpose: 'pathway seed-demo',
          since: '2026-03-01T09:30:00.000Z',
        }),
      );
    };

    leaveLock(living.pid!);
    expect(() => lockDataDir(dataDir, 'pathway migrate')).toThrow(
      `in use by pathway seed-demo (process ${living.pid} on this computer, since 1 Mar 2026, 09:30:00)`,
    );

    leaveLock(gone.pid!);
    const lock = lockDataDir(dataDir, 'pathway migrate');
    expect(JSON.parse(readFileSync(path.join(dataDir, 'pathway.lock.json'), 'utf8'))).toMatchObject(
      { pid: process.pid, purpose: 'pathway migrate' },
    );
    lock.release();
    expect(existsSync(path.join(dataDir, 'pathway.lock'))).toBe(false);
    expect(existsSync(path.join(dataDir, 'pathway.lock.json'))).toBe(false);
  });

  it('refuses a server while a command holds the folder, naming the command', async () => {
    const dataDir = freshDataDir();
    const holder = openConfiguredDatabase(configFor(dataDir), 'pathway seed');
    expect(await databaseAnswers(holder.db, OPENING_MS)).toBe(true);
    try {
      const server = await runToEnd(
        [path.join(root, 'src', 'main.ts')],
        environment(dataDir, { PORT: '43104' }),
      );
      expect(server.status).toBe(1);
      expect(server.stderr).toContain(`is in use by pathway seed (process ${process.pid}`);
    } finally {
      await holder.close();
    }
  });

  it('lets several processes share PostgreSQL: no lock without the embedded database', async () => {
    // Nothing connects until a query runs: the address need not answer.
    const url = 'postgres://pathway@127.0.0.1:1/pathway';
    const dataDir = freshDataDir();
    const config = loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATA_DIR: dataDir,
      DATABASE_URL: url,
      DEMO_DATA: 'false',
    });
    const one = openConfiguredDatabase(config, 'the Pathway server');
    const two = openConfiguredDatabase(config, 'the Pathway server');
    await Promise.all([one.close(), two.close()]);
    expect(existsSync(path.join(dataDir, 'pathway.lock'))).toBe(false);
  });
});
