import type { Compilable, CompiledQuery } from 'kysely';
import type { DbOrTrx } from './database.ts';

/**
 * A query built and compiled once per database, then run with new values: for the query every
 * request makes, where building the query tree and compiling it to SQL cost more than parsing
 * its answer. The query is built with a placeholder for each argument; each compiled parameter
 * that is a placeholder is replaced, at run time, by the argument it stands for.
 */
export function precompiled<A extends string[], R>(
  arity: A['length'],
  build: (db: DbOrTrx, ...args: A) => Compilable<R>,
): (db: DbOrTrx, ...args: A) => Promise<R[]> {
  const placeholders = Array.from({ length: arity }, (_, i) => `\u0000argument ${i}\u0000`);
  const compiledFor = new WeakMap<DbOrTrx, CompiledQuery<R>>();
  return async (db, ...args) => {
    let compiled = compiledFor.get(db);
    if (!compiled) {
      compiled = build(db, ...(placeholders as A)).compile();
      const used = placeholders.filter((p) => compiled!.parameters.includes(p));
      if (used.length !== arity) {
        throw new Error('precompiled: every argument must be a parameter of the query');
      }
      compiledFor.set(db, compiled);
    }
    const parameters = compiled.parameters.map((value) => {
      const index = placeholders.indexOf(value as string);
      return index >= 0 ? args[index] : value;
    });
    const result = await db.executeQuery<R>({ ...compiled, parameters });
    return result.rows;
  };
}
