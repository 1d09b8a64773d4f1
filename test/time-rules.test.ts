import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * The legal time limits are written once, in src/domain/clock/time-rules.ts: the files that
 * compute dates or name a limit read them there (a source check, as the linter cannot see it).
 */
describe('the legal time rules', () => {
  it('are the one place the clock’s periods are written', () => {
    const files = [
      '../src/domain/clock/statutory-dates.ts',
      '../src/domain/clock/deadlines.ts',
      '../src/domain/clock/exceptions.ts',
      '../src/domain/pathway/stages.ts',
      '../src/domain/advice/advice-types.ts',
    ];
    for (const file of files) {
      const code = readFileSync(new URL(file, import.meta.url), 'utf8')
        .split('\n')
        .filter((line) => !/^\s*(\*|\/\/|\/\*)/.test(line))
        .join('\n');
      // A period is never a number beside the date arithmetic (a step to the next day may be).
      expect(code, file).not.toMatch(/add(Days|Weeks|Months|WorkingDays)\(.*,\s*-?(?!1\))\d+\)/);
      // Nor a number of days, weeks or months in a sentence.
      expect(code, file).not.toMatch(/['`][^'`\n]*\b\d+ (days|weeks|months)\b/);
    }
  });
});
