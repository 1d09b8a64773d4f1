/**
 * Where the bytes of uploaded documents live. Records in the database refer to a document by
 * an opaque, random storage key; nothing about the key comes from the user, so the key can
 * never name a path outside the store.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';

export interface DocumentStorage {
  /** Stores `data` under `key`, replacing anything already there. */
  put(key: string, data: Buffer): Promise<void>;
  /** The data stored under `key`, or null if there is none. */
  get(key: string): Promise<Buffer | null>;
  /** Removes the data stored under `key`; does nothing if there is none. */
  delete(key: string): Promise<void>;
  /** A short description for logs and the health page (never includes secrets). */
  describe(): string;
}

const STORAGE_KEY = /^[a-z0-9-]{8,64}$/;

/** A new random, unguessable storage key (a version 4 UUID: 122 random bits). */
export function newStorageKey(): string {
  return randomUUID();
}

function checkKey(key: string): void {
  if (typeof key !== 'string' || !STORAGE_KEY.test(key)) {
    throw new Error('Invalid document storage key');
  }
}

function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}

/**
 * Stores each document as a file under a root folder, in a sub-folder named after the first two
 * characters of its key (`root/ab/abcdef...`) so that no folder grows too large. Folders are
 * readable by the owner only (0700), files too (0600). Writes are atomic: a reader sees either
 * the old file or the whole new one, never a partial write.
 */
export class LocalFolderStorage implements DocumentStorage {
  readonly root: string;

  constructor(root: string) {
    if (root.trim() === '') throw new Error('The document storage folder must be set');
    this.root = path.resolve(root);
  }

  private locate(key: string): { folder: string; file: string } {
    checkKey(key);
    const folder = path.join(this.root, key.slice(0, 2));
    return { folder, file: path.join(folder, key) };
  }

  async put(key: string, data: Buffer): Promise<void> {
    const { folder, file } = this.locate(key);
    await mkdir(folder, { recursive: true, mode: 0o700 });
    // The temporary name starts with a dot and has a suffix, so it can never be a valid key.
    const temporary = path.join(folder, `.${key}.${randomUUID()}.tmp`);
    const handle = await open(temporary, 'wx', 0o600);
    try {
      try {
        await handle.writeFile(data);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temporary, file);
    } catch (error) {
      await unlink(temporary).catch(() => undefined);
      throw error;
    }
  }

  async get(key: string): Promise<Buffer | null> {
    const { file } = this.locate(key);
    try {
      return await readFile(file);
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    const { file } = this.locate(key);
    try {
      await unlink(file);
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  describe(): string {
    return `local folder ${this.root}`;
  }
}

export type StorageOptions = { kind: 'local'; root: string };

export function createStorage(options: StorageOptions): DocumentStorage {
  const { kind } = options;
  switch (kind) {
    case 'local':
      return new LocalFolderStorage(options.root);
    default: {
      const unknownKind: never = kind;
      throw new Error(`Unknown document storage kind: ${String(unknownKind)}`);
    }
  }
}
