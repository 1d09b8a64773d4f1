import type { Config } from '../config.ts';
import { openDatabase, type DatabaseHandle } from './database.ts';

/** PostgreSQL when DATABASE_URL is set, else the embedded database persisted in DATA_DIR. */
export function openConfiguredDatabase(config: Config): DatabaseHandle {
  return config.databaseUrl
    ? openDatabase({ kind: 'postgres', url: config.databaseUrl })
    : openDatabase({ kind: 'embedded', dataDir: config.dataDir });
}
