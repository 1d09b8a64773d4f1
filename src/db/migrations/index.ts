import type { Migration } from 'kysely';
import * as foundation from './0001_foundation.ts';

/** Every migration, in order. A static map, so bundling and type-stripping both see them. */
export const migrations: Record<string, Migration> = {
  '0001_foundation': foundation,
};
