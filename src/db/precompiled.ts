import type { Compilable, CompiledQuery } from 'kysely';
import { LRUCache } from 'lru-cache';
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

/** Values for a query compiled once per form: see precompiledByForm. */
export type FormValues = { readonly [key: string]: FormValue };
type FormValue =
  | string
  | number
  | Date
  | boolean
  | null
  | undefined
  | readonly FormValue[]
  | { readonly [key: string]: FormValue };

/** Outside production, each call is checked against the query built from its own values. */
const CHECK_FORMS = process.env.NODE_ENV !== 'production';

/** The most forms kept for one query: the least recently used goes first. */
const MAX_FORMS = 256;

// NUL cannot be in a query's own constants (PostgreSQL refuses it in text), so no constant looks like this.
// eslint-disable-next-line no-control-regex
const PLACEHOLDER = /^\u0000value (\d+)\u0000$/;
const isPlaceholder = (value: unknown): value is string =>
  typeof value === 'string' && PLACEHOLDER.test(value);

/**
 * A query whose form depends on its values (a filter given or not, how many ids in a list) and
 * whose values change on every call: built and compiled once for each form, then run with new
 * values. The form is what the values leave when every string, number and date is taken out:
 * which fields are present, how long each list is, the booleans, the nulls. `build` is called
 * with each string, number and date replaced by a placeholder, so it must use them only as the
 * query's values, and decide the query's form only from the rest: a query that tests a value
 * (`officer === 'unassigned'`) needs that as a boolean of its own, as the form compiled for the
 * first such call would otherwise serve every later one. The first time a form is built, a
 * placeholder that does not reach the query as a value of its own (joined into a longer
 * string, written into the SQL) is refused; a test of a value cannot be seen there, so outside
 * production every call is also built from its own values and compared, and tests that take
 * both branches find it. Values are plain objects, arrays, strings, numbers, dates, booleans,
 * null and undefined; anything else is refused.
 */
export function precompiledByForm<V extends FormValues, R>(
  build: (db: DbOrTrx, values: V) => Compilable<R>,
): (db: DbOrTrx, values: V) => Promise<R[]> {
  const formsFor = new WeakMap<DbOrTrx, LRUCache<string, CompiledQuery<R>>>();
  return async (db, values) => {
    const leaves: unknown[] = [];
    let form = '';
    const hollow = (value: FormValue): FormValue => {
      if (typeof value === 'string' || typeof value === 'number' || value instanceof Date) {
        form += '$';
        leaves.push(value);
        return `\u0000value ${leaves.length - 1}\u0000`;
      }
      if (Array.isArray(value)) {
        form += `[${value.length}`;
        const items = value.map(hollow);
        form += ']';
        return items;
      }
      if (value !== null && typeof value === 'object') {
        const prototype = Object.getPrototypeOf(value) as unknown;
        if (prototype !== Object.prototype && prototype !== null) {
          throw new Error('precompiledByForm: values must be plain objects, not class instances');
        }
        form += '{';
        const entries = Object.keys(value).map((key) => {
          form += `${JSON.stringify(key)}:`;
          return [key, hollow((value as Record<string, FormValue>)[key])] as const;
        });
        form += '}';
        return Object.fromEntries(entries);
      }
      if (value !== null && value !== undefined && typeof value !== 'boolean') {
        throw new Error(`precompiledByForm: a ${typeof value} cannot be a value here`);
      }
      form += String(value);
      return value;
    };
    const placeholders = hollow(values) as V;
    let forms = formsFor.get(db);
    if (!forms) {
      forms = new LRUCache({ max: MAX_FORMS });
      formsFor.set(db, forms);
    }
    let compiled = forms.get(form);
    if (!compiled) {
      compiled = build(db, placeholders).compile();
      const used = new Set(compiled.parameters.filter(isPlaceholder));
      const mangled = compiled.parameters.some(
        (p) => typeof p === 'string' && p.includes('\u0000') && !isPlaceholder(p),
      );
      if (used.size !== leaves.length || mangled || compiled.sql.includes('\u0000')) {
        throw new Error(
          'precompiledByForm: every string, number and date must be a value of the query, as it is',
        );
      }
      forms.set(form, compiled);
    }
    const parameters = compiled.parameters.map((value) =>
      isPlaceholder(value) ? leaves[Number(PLACEHOLDER.exec(value)![1])] : value,
    );
    if (CHECK_FORMS) {
      // Outside production every call is also built from its own values, as it would be
      // without this: a query whose form a value changed does not match, and is refused.
      const direct = build(db, values).compile();
      if (
        direct.sql !== compiled.sql ||
        JSON.stringify(direct.parameters) !== JSON.stringify(parameters)
      ) {
        throw new Error('precompiledByForm: the query’s form depends on a value, not its form');
      }
    }
    const result = await db.executeQuery<R>({ ...compiled, parameters });
    return result.rows;
  };
}
