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

  it('leaves a block set’s body alone: it is escaped where it is used', () => {
    const env = new nunjucks.Environment(undefined, { autoescape: true });
    const template = '{% set note %}Don’t{% endset %}<p>{{ note }}</p><p>It’s</p>';
    const read = withCharacterReferences(template);
    expect(read).toBe('{% set note %}Don’t{% endset %}<p>{{ note }}</p><p>It&#8217;s</p>');
    expect(env.renderString(read, {})).toBe('<p>Don’t</p><p>It&#8217;s</p>');
  });

  it('changes no template’s code: every tag, string and comment is as written', () => {
    const roots = [
      path.join(import.meta.dirname, '..', 'views'),
      path.join(import.meta.dirname, '..', 'features'),
      path.join(govukDir, 'dist', 'govuk'),
    ];
    const templates = roots.flatMap((root) =>
      (readdirSync(root, { recursive: true }) as string[])
        .filter((file) => file.endsWith('.njk'))
        .map((file) => path.join(root, file)),
    );
    expect(templates.length).toBeGreaterThan(100);
    const decode = (html: string) =>
      html.replace(/&#(\d+);/g, (_m, code: string) => String.fromCodePoint(Number(code)));
    // Nunjucks's lexer (missing from @types/nunjucks).
    const { lexer: lexing } = nunjucks as unknown as {
      lexer: {
        TOKEN_DATA: string;
        lex(
          source: string,
          options: object,
        ): { nextToken(): { type: string; value: unknown } | null };
      };
    };
    /** Nunjucks's own reading of a template: its code tokens, and its text decoded. */
    const tokens = (source: string) => {
      const lexer = lexing.lex(source, {});
      const read: string[] = [];
      let text = '';
      for (let token = lexer.nextToken(); token; token = lexer.nextToken()) {
        if (token.type === lexing.TOKEN_DATA) {
          text += String(token.value);
        } else {
          if (text) read.push(`text:${decode(text)}`);
          text = '';
          read.push(`${token.type}:${String(token.value)}`);
        }
      }
      if (text) read.push(`text:${decode(text)}`);
      return read;
    };
    for (const file of templates) {
      const source = readFileSync(file, 'utf8');
      expect(tokens(withCharacterReferences(source)), file).toEqual(tokens(source));
    }
  });

  it('is how every template is read, so a signed-in page is Latin-1 throughout', () => {
    const views = new TemplateLoader(path.join(import.meta.dirname, '..', 'views'));
    const warning = views.getSource('partials/timeout-warning.njk').src;
    expect(warning).toContain('You&#8217;re about to be signed out');
    expect(warning).not.toMatch(/[\u{100}-\u{10ffff}]/u);
  });
});

describe('the label filter', () => {
  const env = createViewEnvironment(testConfig());
  const render = (template: string, context: object) => env.renderString(template, context);

  it('turns a code into the words of its table', () => {
    expect(render("{{ s | label('stage') }}", { s: 'plan_in_place' })).toBe('Plan in place');
    expect(render("{{ v | label('visibility') }}", { v: 'la_only' })).toBe('The council only');
    expect(render("{{ r | label('caseRole') }}", { r: 'parent_carer' })).toMatch(/parent/i);
  });

  it('shows a code it does not know as it is, and nothing for no code', () => {
    expect(render("{{ s | label('stage') }}", { s: 'someday' })).toBe('someday');
    expect(render("{{ s | label('stage') }}", { s: 'toString' })).toBe('toString');
    expect(render("{{ s | label('stage') }}", { s: null })).toBe('');
  });

  it('refuses a table that does not exist', () => {
    expect(() => render("{{ s | label('nope') }}", { s: 'x' })).toThrow(/label table/);
  });
});
