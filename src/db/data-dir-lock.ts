import { mkdirSync, readFileSync, renameSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import lockfile from 'proper-lockfile';

/**
 * The embedded database (PGlite) is one process's: two processes writing one folder corrupt it.
 * So the folder is locked by whoever opens it, before PGlite or the migrations touch it, and held
 * until the database is closed or the process ends.
 *
 * The lock itself is proper-lockfile's: an atomic mkdir of DATA_DIR/pathway.lock whose mtime the
 * holder refreshes, removed on exit (signals included). Beside it, pathway.lock.json says who
 * holds it, so a refusal can name the process; and a holder that died without removing it
 * (kill -9, a power cut) is recognised at once by its process id on this computer, or by its
 * mtime going stale when it ran on another one.
 */
export type LockHolder = {
  pid: number;
  host: string;
  /** What the process is: "the Pathway server", "pathway migrate". */
  purpose: string;
  /** ISO 8601. */
  since: string;
};

export type DataDirLock = { release(): void };

/** Unrefreshed for this long, a lock whose holder cannot be checked by pid is taken over. */
const STALE_MS = 60_000;
const REFRESH_MS = 10_000;

export class DataDirInUseError extends Error {
  readonly dataDir: string;
  readonly holder: LockHolder | null;
  constructor(dataDir: string, holder: LockHolder | null) {
    super(inUseMessage(dataDir, holder));
    this.dataDir = dataDir;
    this.holder = holder;
  }
}

function describeHolder(holder: LockHolder | null): string {
  if (!holder) return 'another process';
  const where = holder.host === hostname() ? 'on this computer' : `on ${holder.host}`;
  const since = new Date(holder.since).toLocaleString('en-GB', {
    dateStyle: 'medium',
    timeStyle: 'medium',
    timeZone: 'Europe/London',
  });
  return `${holder.purpose} (process ${holder.pid} ${where}, since ${since})`;
}

function inUseMessage(dataDir: string, holder: LockHolder | null): string {
  return [
    `The embedded database in ${dataDir} is in use by ${describeHolder(holder)}.`,
    'Only one process at a time may use the embedded database. Stop that process first, then try again ' +
      '(the server brings the database up to date itself when it starts).',
    'To run several processes (a server and workers or commands), use PostgreSQL: set DATABASE_URL.',
  ].join('\n');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(file: string): LockHolder | null {
  try {
    const holder = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockHolder>;
    if (
      typeof holder.pid === 'number' &&
      typeof holder.host === 'string' &&
      typeof holder.purpose === 'string' &&
      typeof holder.since === 'string'
    ) {
      return holder as LockHolder;
    }
    return null;
  } catch {
    return null;
  }
}

/** What a process is, when the caller does not say: `node main.ts`. */
export function defaultPurpose(): string {
  return `node ${path.basename(process.argv[1] ?? 'node')}`;
}

/**
 * Locks DATA_DIR for this process, or throws DataDirInUseError naming the process that has it.
 * `onLost` runs if the lock is taken from under this process (its folder was removed, or it
 * could not refresh the lock for a minute): by default it throws, ending the process, because
 * carrying on would mean two writers.
 */
export function lockDataDir(
  dataDir: string,
  purpose: string = defaultPurpose(),
  onLost: (error: Error) => void = (error) => {
    throw error;
  },
): DataDirLock {
  const folder = path.resolve(dataDir);
  mkdirSync(folder, { recursive: true });
  const lockPath = path.join(folder, 'pathway.lock');
  const holderPath = `${lockPath}.json`;
  const options = {
    lockfilePath: lockPath,
    realpath: false,
    stale: STALE_MS,
    update: REFRESH_MS,
    onCompromised: (error: Error) =>
      onLost(
        Object.assign(
          new Error(
            `Lost the lock on the embedded database in ${folder} (${error.message}); stopping, so that two processes never write to it.`,
          ),
          { cause: error },
        ),
      ),
  };

  const takeLock = (): (() => void) | null => {
    try {
      return lockfile.lockSync(folder, options);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ELOCKED') return null;
      throw error;
    }
  };

  let release = takeLock();
  if (!release) {
    const holder = readHolder(holderPath);
    // A holder on this computer whose process has gone left its lock behind: take it over.
    if (holder && holder.host === hostname() && !isAlive(holder.pid)) {
      rmSync(holderPath, { force: true });
      try {
        rmdirSync(lockPath);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
      release = takeLock();
    }
    if (!release) throw new DataDirInUseError(folder, readHolder(holderPath) ?? holder);
  }

  const holder: LockHolder = {
    pid: process.pid,
    host: hostname(),
    purpose,
    since: new Date().toISOString(),
  };
  // Written whole or not at all, so a reader never sees half of it.
  const partial = `${holderPath}.${process.pid}`;
  writeFileSync(partial, JSON.stringify(holder));
  renameSync(partial, holderPath);

  // Removed at exit too: proper-lockfile removes the lock itself, and this says nobody holds it.
  const removeHolder = () => {
    if (readHolder(holderPath)?.pid === process.pid) rmSync(holderPath, { force: true });
  };
  process.once('exit', removeHolder);

  let released = false;
  const releaseLock = release;
  return {
    release() {
      if (released) return;
      released = true;
      process.removeListener('exit', removeHolder);
      removeHolder();
      try {
        releaseLock();
      } catch (error) {
        // Already released (lost, or the process is ending): nothing more to undo.
        if ((error as NodeJS.ErrnoException).code !== 'ERELEASED') throw error;
      }
    },
  };
}
