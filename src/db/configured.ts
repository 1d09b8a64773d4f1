import type { Config } from '../config.ts';
import { migrateToLatest } from './migrate.ts';
import { openDatabase, type DatabaseHandle } from './database.ts';

/**
/**
 * PostgreSQL when DATABASE_URL is set, else the embedded database persisted in DATA_DIR, which
 * this process then holds alone: `purpose` names it to any other that tries ("the Pathway
 * server", "pathway migrate"). Throws DataDirInUseError when another process holds it.
 * A service (the web process, `pathway worker`) gets the configured timeouts; a one-off command
 * (migrate, seed, create-user) only the connect timeout, as a long statement is its job.
 */
export function openConfiguredDatabase(
  config: Config,
  purpose?: string,
  use: 'service' | 'command' = 'service',
): DatabaseHandle {
  const { connectMs } = config.databaseTimeouts;
  return config.databaseUrl
    ? openDatabase({
        kind: 'postgres',
        url: config.databaseUrl,
        timeouts:
          use === 'service'
            ? config.databaseTimeouts
            : { connectMs, statementMs: 0, queryMs: 0, idleInTransactionMs: 0 },
      })
    : openDatabase({ kind: 'embedded', dataDir: config.dataDir, purpose });
}

/**
 * Brings a service's database up to date. On PostgreSQL the migrations run on a connection of
 * their own without the statement timeouts: a migration may run long, and may wait for another
 * process's migration lock.
 */
export async function migrateConfiguredDatabase(
  config: Config,
  database: DatabaseHandle,
): Promise<string[]> {
  if (database.kind !== 'postgres') return migrateToLatest(database.db);
  const own = openConfiguredDatabase(config, 'pathway migrations', 'command');
  try {
    return await migrateToLatest(own.db);
  } finally {
    await own.close();
  }
}
