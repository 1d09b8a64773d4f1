import { sql, type Kysely } from 'kysely';

/**
 * Splits a SQL script into statements and runs them in order. PGlite's query protocol takes
 * one statement at a time, so migrations written as scripts go through here on both backends.
 * A statement ends with `;` at the end of a line outside a `$$` function body.
 */
export function splitStatements(script: string): string[] {
  const statements: string[] = [];
  let current: string[] = [];
  let insideDollarQuote = false;
  for (const line of script.split('\n')) {
    current.push(line);
    const dollarQuotes = line.split('$$').length - 1;
    if (dollarQuotes % 2 === 1) insideDollarQuote = !insideDollarQuote;
    if (!insideDollarQuote && /;\s*$/.test(line)) {
      const statement = current.join('\n').trim();
      if (statement !== ';') statements.push(statement);
      current = [];
    }
  }
  const rest = current.join('\n').trim();
  if (rest) statements.push(rest);
  return statements;
}

export async function executeScript(db: Kysely<unknown>, script: string): Promise<void> {
  for (const statement of splitStatements(script)) {
    await sql.raw(statement).execute(db);
  }
}
