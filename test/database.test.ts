import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { migrations } from '../src/db/migrations/index.ts';

/** Two handles on one empty database: two PostgreSQL pools, or one embedded database twice. */
async function twoHandlesOnAnEmptyDatabase(): Promise<{
  handles: DatabaseHandle[];
  cleanUp(): Promise<void>;
}> {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) {
    const handle = openDatabase({ kind: 'embedded', dataDir: null });
    return { handles: [handle, handle], cleanUp: () => handle.close() };
  }
  const name = `pathway_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const target = new URL(url);
  target.pathname = `/${name}`;
  const handles = [0, 1].map(() =>
    openDatabase({ kind: 'postgres', url: target.toString(), poolSize: 2 }),
  );
  return {
    handles,
    async cleanUp() {
      for (const handle of handles) await handle.close();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

describe('migrations', () => {
  it('run once when two processes start together', async () => {
    const { handles, cleanUp } = await twoHandlesOnAnEmptyDatabase();
    try {
      const results = await Promise.all(handles.map((h) => migrateToLatest(h.db)));
      expect(results.flat().sort()).toEqual(Object.keys(migrations).sort());
      const applied = await sql<{ name: string }>`select name from kysely_migration`.execute(
        handles[0]!.db,
      );
      expect(applied.rows.map((r) => r.name)).toEqual(Object.keys(migrations));
      expect(await migrateToLatest(handles[0]!.db)).toEqual([]);
    } finally {
      await cleanUp();
    }
  });
});

describe('the embedded database', () => {
  it('keeps its data in DATA_DIR across a restart', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'pathway-data-'));
    try {
      const first = openDatabase({ kind: 'embedded', dataDir });
      await migrateToLatest(first.db);
      await first.db
        .insertInto('local_authority')
        .values({ code: '123', name: 'Persistshire' })
        .execute();
      await first.close();

      const second = openDatabase({ kind: 'embedded', dataDir });
      expect(await migrateToLatest(second.db)).toEqual([]);
      const row = await second.db.selectFrom('local_authority').select('name').executeTakeFirst();
      expect(row?.name).toBe('Persistshire');
      await second.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('reads calendar dates as YYYY-MM-DD strings, as PostgreSQL does', async () => {
    const handle = openDatabase({ kind: 'embedded', dataDir: null });
    const result = await sql<{ d: unknown }>`select '2026-02-28'::date as d`.execute(handle.db);
    expect(result.rows[0]!.d).toBe('2026-02-28');
    await handle.close();
  });
});
