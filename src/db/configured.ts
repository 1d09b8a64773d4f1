import type { Config } from '../config.ts';
import { openDatabase, type DatabaseHandle } from './database.ts';

/**
 * PostgreSQL when DATABASE_URL is set, else the embedded database persisted in DATA_DIR, which
 * this process then holds alone: `purpose` names it to any other that tries ("the Pathway
 * server", "pathway migrate"). Throws DataDirInUseError when another process holds it.
 */
export function openConfiguredDatabase(config: Config, purpose?: string): DatabaseHandle {
  return config.databaseUrl
    ? openDatabase({ kind: 'postgres', url: config.databaseUrl })
    : openDatabase({ kind: 'embedded', dataDir: config.dataDir, purpose });
}
