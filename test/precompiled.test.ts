import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../src/db/database.ts';
import { precompiled } from '../src/db/precompiled.ts';
import { createTestDatabase } from './helpers.ts';

let database: DatabaseHandle;

beforeAll(async () => {
  database = await createTestDatabase();
  await database.db
    .insertInto('local_authority')
    .values([
      { code: '901', name: 'First Council' },
      { code: '902', name: 'Second Council' },
    ])
    .execute();
});

afterAll(async () => {
  await database?.close();
});

describe('a precompiled query', () => {
  it('runs with each call’s own values, in the places they belong', async () => {
    const byCodes = precompiled(2, (db, first: string, second: string) =>
      db
        .selectFrom('local_authority')
        .select(['code', 'name'])
        .where((eb) => eb.or([eb('code', '=', first), eb('name', '=', second)]))
        .orderBy('code'),
    );
    expect(await byCodes(database.db, '901', 'nobody')).toEqual([
      { code: '901', name: 'First Council' },
    ]);
    expect(await byCodes(database.db, '000', 'Second Council')).toEqual([
      { code: '902', name: 'Second Council' },
    ]);
    expect(await byCodes(database.db, '901', 'Second Council')).toHaveLength(2);
  });

  it('refuses a query that does not use every argument', async () => {
    const careless = precompiled<[string], { code: string }>(1, (db) =>
      db.selectFrom('local_authority').select('code'),
    );
    await expect(careless(database.db, 'unused')).rejects.toThrow(/every argument/);
  });
});
