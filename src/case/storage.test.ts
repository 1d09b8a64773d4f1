import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalFolderStorage, createStorage, newStorageKey } from './storage.ts';

let root: string;

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'pathway-documents-'));
});

afterEach(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

describe('newStorageKey', () => {
  it('is random and uses only lower-case letters, digits and hyphens', () => {
    const keys = new Set(Array.from({ length: 100 }, () => newStorageKey()));
    expect(keys.size).toBe(100);
    for (const key of keys) expect(key).toMatch(/^[a-z0-9-]{8,64}$/);
  });
});

describe('LocalFolderStorage', () => {
  it('puts, gets and deletes a document', async () => {
    const storage = new LocalFolderStorage(root);
    const key = newStorageKey();
    const data = Buffer.from('%PDF-1.4\n% a small report\n');

    await storage.put(key, data);
    expect(await storage.get(key)).toEqual(data);

    await storage.delete(key);
    expect(await storage.get(key)).toBeNull();
  });

  it('stores the file in a two-character sub-folder, readable by the owner only', async () => {
    const storage = new LocalFolderStorage(root);
    const key = newStorageKey();
    await storage.put(key, Buffer.from('secret advice'));

    const folder = path.join(root, key.slice(0, 2));
    const file = path.join(folder, key);
    expect(fs.readFileSync(file, 'utf8')).toBe('secret advice');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(folder).mode & 0o777).toBe(0o700);
    // Nothing else is left behind (no temporary file).
    expect(fs.readdirSync(folder)).toEqual([key]);
  });

  it('creates the root folder if it does not exist yet', async () => {
    const storage = new LocalFolderStorage(path.join(root, 'not', 'yet'));
    const key = newStorageKey();
    await storage.put(key, Buffer.from('x'));
    expect(await storage.get(key)).toEqual(Buffer.from('x'));
  });

  it('replaces a document stored under the same key', async () => {
    const storage = new LocalFolderStorage(root);
    const key = newStorageKey();
    await storage.put(key, Buffer.from('first version, longer'));
    await storage.put(key, Buffer.from('second'));
    expect((await storage.get(key))?.toString()).toBe('second');
  });

  it('stores an empty buffer and binary data unchanged', async () => {
    const storage = new LocalFolderStorage(root);
    const empty = newStorageKey();
    const binary = newStorageKey();
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    await storage.put(empty, Buffer.alloc(0));
    await storage.put(binary, bytes);
    expect(await storage.get(empty)).toEqual(Buffer.alloc(0));
    expect(await storage.get(binary)).toEqual(bytes);
  });

  it('returns null for a missing key', async () => {
    const storage = new LocalFolderStorage(root);
    expect(await storage.get(newStorageKey())).toBeNull();
  });

  it('ignores the deletion of a missing key', async () => {
    const storage = new LocalFolderStorage(root);
    await expect(storage.delete(newStorageKey())).resolves.toBeUndefined();
  });

  it.each([
    ['../x'],
    ['a/b'],
    [''],
    ['../../../../etc/passwd'],
    ['..\\..\\windows'],
    ['ABCDEFGH-1234'],
    ['short'],
    ['a'.repeat(65)],
    ['abcdefgh\0'],
    ['abcdefgh.tmp'],
  ])('refuses the key %j', async (key) => {
    const storage = new LocalFolderStorage(root);
    await expect(storage.put(key, Buffer.from('x'))).rejects.toThrow(
      'Invalid document storage key',
    );
    await expect(storage.get(key)).rejects.toThrow('Invalid document storage key');
    await expect(storage.delete(key)).rejects.toThrow('Invalid document storage key');
    // Nothing was written anywhere.
    expect(fs.readdirSync(root)).toEqual([]);
  });

  it('describes itself', () => {
    expect(new LocalFolderStorage(root).describe()).toBe(`local folder ${root}`);
  });
});

describe('createStorage', () => {
  it('creates a local folder storage', async () => {
    const storage = createStorage({ kind: 'local', root });
    expect(storage).toBeInstanceOf(LocalFolderStorage);
    const key = newStorageKey();
    await storage.put(key, Buffer.from('hello'));
    expect((await storage.get(key))?.toString()).toBe('hello');
  });

  it('refuses an unknown kind', () => {
    expect(() =>
      createStorage({ kind: 's3', root } as unknown as { kind: 'local'; root: string }),
    ).toThrow('Unknown document storage kind: s3');
  });
});
