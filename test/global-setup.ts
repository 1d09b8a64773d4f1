import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrate.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A migrated PGlite data folder (a tar file) that each test file's database starts from. */
    pgliteSnapshot: string | null;
    /** A migrated PostgreSQL database that each test file's database is copied from. */
    postgresTemplate: string | null;
  }
}

/**
 * Migrates once for the whole run: each test file then copies the result (a PGlite data-folder
 * snapshot, or a PostgreSQL template database) instead of running every migration again.
 */
export default async function setup(project: TestProject) {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) {
    const handle = openDatabase({ kind: 'embedded', dataDir: null });
    await migrateToLatest(handle.db);
    if (handle.jobs.kind !== 'embedded') throw new Error('expected the embedded database');
    const snapshot = await handle.jobs.client.dumpDataDir('none');
    await handle.close();
    const folder = mkdtempSync(path.join(os.tmpdir(), 'pathway-snapshot-'));
    const file = path.join(folder, 'migrated.tar');
    writeFileSync(file, Buffer.from(await snapshot.arrayBuffer()));
    project.provide('pgliteSnapshot', file);
    project.provide('postgresTemplate', null);
    return () => rmSync(folder, { recursive: true, force: true });
  }

  const name = `pathway_template_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const templateUrl = new URL(url);
  templateUrl.pathname = `/${name}`;
  const handle = openDatabase({ kind: 'postgres', url: templateUrl.toString(), poolSize: 1 });
  try {
    await migrateToLatest(handle.db);
  } finally {
    // No connection may stay open on a template while it is copied.
    await handle.close();
  }
  project.provide('pgliteSnapshot', null);
  project.provide('postgresTemplate', name);
  return async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  };
}
