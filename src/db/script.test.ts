import { describe, expect, it } from 'vitest';
import { splitStatements } from './script.ts';

describe('splitStatements', () => {
  it('splits at semicolons that end a line, but not inside a $$ function body', () => {
    const statements = splitStatements(`
      CREATE TABLE a (id int);
      CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'no';
      END;
      $$;
      CREATE INDEX a_idx ON a (id);
    `);
    expect(statements).toHaveLength(3);
    expect(statements[1]).toContain("RAISE EXCEPTION 'no';");
    expect(statements[2]).toBe('CREATE INDEX a_idx ON a (id);');
  });
});
