import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = path.dirname(fileURLToPath(import.meta.url));
const govukDir = path.dirname(fileURLToPath(import.meta.resolve('govuk-frontend/package.json')));

/** Lines that are not comments, imports or the attributes Pathway never sets. */
function essentials(template: string): string[] {
  return template
    .replace(/\{#[\s\S]*?#\}/g, '')
    .replaceAll(/ \{\{- govukAttributes\([a-zA-Z]+\) ?\}\}/g, '')
    .split('\n')
    .filter((line) => !line.startsWith('{% from') && line.trim() !== '');
}

describe('Pathway’s copy of the GOV.UK page template', () => {
  it('is GOV.UK Frontend’s own, less its imports: upgrade it with govuk-frontend', () => {
    const ours = readFileSync(path.join(here, '..', 'views', 'govuk-template.njk'), 'utf8');
    const theirs = readFileSync(path.join(govukDir, 'dist', 'govuk', 'template.njk'), 'utf8');
    expect(essentials(ours)).toEqual(essentials(theirs));
    expect(ours).not.toMatch(/\{%-? from/);
  });
});
