import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../src/db/database.ts';
import { precompiled, precompiledByForm } from '../src/db/precompiled.ts';
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

describe('a query precompiled for each form', () => {
  const byFilter = precompiledByForm(
    (db, filter: { codes: string[]; name?: string | undefined; newestFirst: boolean }) => {
      let query = db
        .selectFrom('local_authority')
        .select(['code', 'name'])
        .where('code', 'in', filter.codes);
      if (filter.name !== undefined) query = query.where('name', '=', filter.name);
      return query.orderBy('code', filter.newestFirst ? 'desc' : 'asc');
    },
  );

  it('runs each form with each call’s own values', async () => {
    const { db } = database;
    expect(await byFilter(db, { codes: ['901'], newestFirst: false })).toEqual([
      { code: '901', name: 'First Council' },
    ]);
    expect(await byFilter(db, { codes: ['902'], newestFirst: false })).toEqual([
      { code: '902', name: 'Second Council' },
    ]);
    expect(await byFilter(db, { codes: ['901', '902'], newestFirst: true })).toEqual([
      { code: '902', name: 'Second Council' },
      { code: '901', name: 'First Council' },
    ]);
    expect(
      await byFilter(db, { codes: ['901', '902'], name: 'First Council', newestFirst: true }),
    ).toEqual([{ code: '901', name: 'First Council' }]);
    expect(
      await byFilter(db, { codes: ['901', '902'], name: 'Nobody', newestFirst: true }),
    ).toEqual([]);
  });

  it('refuses a value that does not reach the query as a value of its own', async () => {
    const joined = precompiledByForm((db, filter: { name: string }) =>
      db.selectFrom('local_authority').select('code').where('name', 'like', `${filter.name}%`),
    );
    await expect(joined(database.db, { name: 'First' })).rejects.toThrow(/as it is/);
    const unused = precompiledByForm((db, _filter: { name: string }) =>
      db.selectFrom('local_authority').select('code'),
    );
    await expect(unused(database.db, { name: 'First' })).rejects.toThrow(/as it is/);
    const twice = precompiledByForm((db, filter: { name: string }) =>
      db
        .selectFrom('local_authority')
        .select('code')
        .where((eb) =>
          eb.or([eb('name', '=', filter.name), eb('name', 'like', `${filter.name}%`)]),
        ),
    );
    await expect(twice(database.db, { name: 'First' })).rejects.toThrow(/as it is/);
  });

  it('takes only plain values', async () => {
    const byCode = precompiledByForm((db, filter: { code: string }) =>
      db.selectFrom('local_authority').select('code').where('code', '=', filter.code),
    );
    const notPlain = { code: new (class Code extends String {})('901') } as unknown as {
      code: string;
    };
    await expect(byCode(database.db, notPlain)).rejects.toThrow(/plain objects/);
    const big = { code: 901n } as unknown as { code: string };
    await expect(byCode(database.db, big)).rejects.toThrow(/bigint cannot be a value/);
  });

  it('refuses, outside production, a query whose form a value decides', async () => {
    const tested = precompiledByForm((db, filter: { code: string }) =>
      filter.code === 'all'
        ? db.selectFrom('local_authority').select('code').where('code', '!=', filter.code)
        : db.selectFrom('local_authority').select('code').where('code', '=', filter.code),
    );
    expect(await tested(database.db, { code: '901' })).toEqual([{ code: '901' }]);
    await expect(tested(database.db, { code: 'all' })).rejects.toThrow(/depends on a value/);
  });
});
