import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import nunjucks from 'nunjucks';
import { describe, expect, it } from 'vitest';
import { testConfig } from '../../test/helpers.ts';
import { createViewEnvironment, TemplateLoader, withCharacterReferences } from './views.ts';

const govukDir = path.dirname(fileURLToPath(import.meta.resolve('govuk-frontend/package.json')));
const componentsDir = path.join(govukDir, 'dist', 'govuk', 'components');

type Fixture = { name: string; options: Record<string, unknown> };

/** Every component's examples, as GOV.UK Frontend publishes them for its own tests. */
const components = readdirSync(componentsDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => {
    const fixtures = JSON.parse(
      readFileSync(path.join(componentsDir, entry.name, 'fixtures.json'), 'utf8'),
    ) as { fixtures: Fixture[] };
    // button -> govukButton, character-count -> govukCharacterCount
    const macro = `govuk${entry.name.replace(/(^|-)([a-z])/g, (_m, _dash, letter: string) => letter.toUpperCase())}`;
    return { name: entry.name, macro, fixtures: fixtures.fixtures };
  });

describe('GOV.UK Frontend’s components through Pathway’s loader', () => {
  // Nunjucks as GOV.UK Frontend documents it: the published templates, imports and all.
  const published = new nunjucks.Environment(
    new nunjucks.FileSystemLoader(path.join(govukDir, 'dist')),
    { autoescape: true },
  );
  const pathway = createViewEnvironment(testConfig());

  it('covers every component, with their published examples', () => {
    expect(components.length).toBeGreaterThan(30);
    expect(components.reduce((sum, c) => sum + c.fixtures.length, 0)).toBeGreaterThan(500);
  });

  it('reads each macro with its template inside and no imports', () => {
    const loader = new TemplateLoader(path.join(govukDir, 'dist'));
    const tag = loader.getSource('govuk/components/tag/macro.njk').src;
    expect(tag).not.toMatch(/include|from/);
    expect(tag).toContain('govuk-tag');
    // The input's template defines a macro of its own, so it stays included, without imports.
    expect(loader.getSource('govuk/components/input/macro.njk').src).toContain('include');
    expect(loader.getSource('govuk/components/input/template.njk').src).not.toMatch(/\{%-? from/);
    // Pathway's own templates are read as they are.
    const views = new TemplateLoader(path.join(import.meta.dirname, '..', 'views'));
    expect(views.getSource('layout.njk').src).toBe(
      readFileSync(path.join(import.meta.dirname, '..', 'views', 'layout.njk'), 'utf8'),
    );
  });

  it.each(components)('$name renders every example as GOV.UK Frontend’s own templates do', (c) => {
    const imported = `{% from "govuk/components/${c.name}/macro.njk" import ${c.macro} %}`;
    for (const fixture of c.fixtures) {
      const theirs = published.renderString(`${imported}{{ ${c.macro}(options) }}`, {
        options: fixture.options,
      });
      const ours = pathway.renderString(`{{ ${c.macro}(options) }}`, { options: fixture.options });
      expect(ours, `${c.name}: ${fixture.name}`).toBe(theirs);
    }
  });
});

describe('withCharacterReferences', () => {
  it('writes the text’s characters beyond Latin-1 as references, and leaves code alone', () => {
    expect(
      withCharacterReferences(
        '<p title="Who’s asking">Don’t – £5 é</p>{{ "it’s" }}{% set a = "’" %}{# – #}' +
          '<script>let s = "’";</script><STYLE>q::before { content: "“"; }</STYLE>😀',
      ),
    ).toBe(
      '<p title="Who&#8217;s asking">Don&#8217;t &#8211; £5 é</p>{{ "it’s" }}{% set a = "’" %}' +
        '{# – #}<script>let s = "’";</script><STYLE>q::before { content: "“"; }</STYLE>&#128512;',
    );
  });

  it('changes nothing a browser would show differently', () => {
    const decode = (html: string) =>
      html.replace(/&#(\d+);/g, (_m, code: string) => String.fromCodePoint(Number(code)));
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (text) => {
        const withoutAmpersands = text.replaceAll('&', '');
        const read = withCharacterReferences(withoutAmpersands);
        expect(decode(read)).toBe(withoutAmpersands);
      }),
    );
  });

  it('is how every template is read, so a signed-in page is Latin-1 throughout', () => {
    const views = new TemplateLoader(path.join(import.meta.dirname, '..', 'views'));
    const warning = views.getSource('partials/timeout-warning.njk').src;
    expect(warning).toContain('You&#8217;re about to be signed out');
    expect(warning).not.toMatch(/[\u{100}-\u{10ffff}]/u);
  });
});
