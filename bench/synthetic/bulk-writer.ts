import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { DatabaseHandle } from '../../src/db/database.ts';

/**
 * Bulk loading for synthetic data: rows are buffered per table and written with COPY (PostgreSQL
 * through pg-copy-streams, PGlite from an in-memory blob), in one transaction, so a load either
 * completes or leaves the database as it was.
 *
 * Tables are always flushed in the order given, parents before children, so a row may refer to
 * any row added before it.
 */
export type Value = string | number | boolean | Date | null;

export type TableSpec = { name: string; columns: readonly string[] };

/** COPY's text format: tab-separated, `\N` for NULL, backslash escapes. */
function encode(value: Value): string {
  if (value === null) return '\\N';
  if (value instanceof Date) return value.toISOString();
  if (typeof value !== 'string') return String(value);
  return value
    .replaceAll('\\', '\\\\')
    .replaceAll('\t', '\\t')
    .replaceAll('\n', '\\n')
    .replaceAll('\r', '\\r');
}

type Copier = {
  copy(table: TableSpec, text: string): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
};

async function postgresCopier(url: string): Promise<Copier> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('BEGIN');
  return {
    async copy(table, text) {
      const columns = table.columns.map((c) => `"${c}"`).join(', ');
      const stream = client.query(copyFrom(`COPY "${table.name}" (${columns}) FROM STDIN`));
      await pipeline(Readable.from([text]), stream);
    },
    async commit() {
      await client.query('COMMIT');
      await client.end();
    },
    async rollback() {
      await client.query('ROLLBACK').catch(() => {});
      await client.end();
    },
  };
}

async function embeddedCopier(
  client: Extract<DatabaseHandle['jobs'], { kind: 'embedded' }>['client'],
): Promise<Copier> {
  await client.exec('BEGIN');
  return {
    async copy(table, text) {
      const columns = table.columns.map((c) => `"${c}"`).join(', ');
      await client.query(`COPY "${table.name}" (${columns}) FROM '/dev/blob'`, [], {
        blob: new Blob([text]),
      });
    },
    async commit() {
      await client.exec('COMMIT');
    },
    async rollback() {
      await client.exec('ROLLBACK').catch(() => {});
    },
  };
}

export class BulkWriter {
  private readonly buffers = new Map<string, string[]>();
  private buffered = 0;
  /** Rows written so far, per table. */
  readonly written = new Map<string, number>();
  private readonly tables: readonly TableSpec[];
  private readonly copier: Copier;
  private readonly flushEvery: number;

  private constructor(tables: readonly TableSpec[], copier: Copier, flushEvery: number) {
    this.tables = tables;
    this.copier = copier;
    this.flushEvery = flushEvery;
    for (const table of tables) {
      this.buffers.set(table.name, []);
      this.written.set(table.name, 0);
    }
  }

  static async open(
    database: DatabaseHandle,
    tables: readonly TableSpec[],
    flushEvery = 50_000,
  ): Promise<BulkWriter> {
    const copier =
      database.jobs.kind === 'postgres'
        ? await postgresCopier(database.jobs.url)
        : await embeddedCopier(database.jobs.client);
    return new BulkWriter(tables, copier, flushEvery);
  }

  async add(table: TableSpec, row: readonly Value[]): Promise<void> {
    if (row.length !== table.columns.length) {
      throw new Error(`${table.name}: ${row.length} values for ${table.columns.length} columns`);
    }
    this.buffers.get(table.name)!.push(row.map(encode).join('\t'));
    this.buffered += 1;
    if (this.buffered >= this.flushEvery) await this.flush();
  }

  async flush(): Promise<void> {
    for (const table of this.tables) {
      const lines = this.buffers.get(table.name)!;
      if (lines.length === 0) continue;
      await this.copier.copy(table, `${lines.join('\n')}\n`);
      this.written.set(table.name, this.written.get(table.name)! + lines.length);
      this.buffers.set(table.name, []);
    }
    this.buffered = 0;
  }

  async commit(): Promise<void> {
    await this.flush();
    await this.copier.commit();
  }

  async rollback(): Promise<void> {
    await this.copier.rollback();
  }
}
