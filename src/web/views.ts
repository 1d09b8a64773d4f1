import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import nunjucks from 'nunjucks';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.ts';
import { formatDateTime, formatDayAndDate, formatLongDate } from '../domain/clock/calendar-date.ts';
import { isLabelTable, label } from '../domain/labels.ts';
import { periodWords, TIME_RULES } from '../domain/clock/time-rules.ts';
import { isStaff, administeredAuthorities, type Actor } from '../policy/policy.ts';

const srcDir = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const govukDir = path.dirname(fileURLToPath(import.meta.resolve('govuk-frontend/package.json')));

const NUMBER = new Intl.NumberFormat('en-GB');

/**
 * One Nunjucks environment: the shared layout in src/views, each feature's pages beside its
 * routes (src/features/<name>/*.njk), and the GOV.UK Frontend macros.
 */
export function createViewEnvironment(config: Config): nunjucks.Environment {
  const loader = new TemplateLoader(
    [path.join(srcDir, 'views'), path.join(srcDir, 'features'), path.join(govukDir, 'dist')],
    { noCache: !config.production && config.environment !== 'test', watch: false },
  );
  const env = new nunjucks.Environment(loader, { autoescape: true, throwOnUndefined: false });
  // Formatters are built once: building one costs more than the page's other work together.
  env.addFilter('number', (value: number) => NUMBER.format(value));
  env.addFilter('longDate', (value: string | null | undefined) =>
    value ? formatLongDate(value) : '',
  );
  env.addFilter('dayAndDate', (value: string | null | undefined) =>
    value ? formatDayAndDate(value) : '',
  );
  env.addFilter('dateTime', (value: Date | string | null | undefined) =>
    value ? formatDateTime(value instanceof Date ? value : new Date(value)) : '',
  );
  // Codes into words: `{{ case.stage | label('stage') }}` (tables in domain/labels.ts).
  env.addFilter('label', (code: string | null | undefined, table: string) => {
    if (code === null || code === undefined) return '';
    if (!isLabelTable(table)) throw new Error(`No label table called ${table}`);
    return label(table, String(code));
  });
  // A legal time limit in words, from the one table: `{{ 'advice' | period }}` is "6 weeks".
  env.addFilter('period', (rule: string) => {
    if (!Object.hasOwn(TIME_RULES, rule)) throw new Error(`No time rule called ${rule}`);
    return periodWords(TIME_RULES[rule as keyof typeof TIME_RULES]);
  });
  env.addFilter('selectOptions', selectOptions);
  // Items for govukSelect and govukRadios with the chosen value marked.
  env.addFilter('selectedOption', (items: SelectOption[], value: unknown) =>
    items.map((item) => ({ ...item, selected: item.value === value })),
  );
  env.addFilter('checkedOption', (items: SelectOption[], value: unknown) =>
    items.map((item) => ({ ...item, checked: item.value === value })),
  );
  env.addGlobal('serviceName', config.serviceName);
  registerGovukMacros(env);
  return env;
}

const govukSourceDir = path.join(govukDir, 'dist', 'govuk');

/** `{% from "..." import name %}`, with its whitespace control. */
const IMPORT_TAG = /\{%(-?)\s*from\s+"[^"]+"\s+import\s+[\w\s,]+?\s*(-?)%\}/g;

const MACRO_TAG = /\{%-?\s*macro\s/;

/** A component macro's only statement: `{%- include "./template.njk" -%}`. */
const INCLUDE_TEMPLATE = /\{%(-?)\s*include\s+"\.\/template\.njk"\s*(-?)%\}/;

/**
 * Pathway's templates and GOV.UK Frontend's, read so that pages cost less to render and send:
 *
 * - GOV.UK Frontend's components cost one macro call each. As published, each component's macro
 *   includes its template (a new context for every call, and a path resolved), and the template
 *   imports the macros it uses (every import runs the imported file again): on a form, most of
 *   the rendering. Here each macro holds its template's text instead of including it (unless
 *   the template defines macros of its own), and the imports are dropped, as every GOV.UK macro
 *   is a global (see registerGovukMacros). A test renders every component example GOV.UK
 *   Frontend publishes with this loader and with Nunjucks's own, and compares them.
 * - Characters beyond Latin-1 in templates' text are character references
 *   (withCharacterReferences).
 */
export class TemplateLoader extends nunjucks.FileSystemLoader {
  override getSource(name: string): nunjucks.LoaderSource {
    const source = super.getSource(name);
    if (!source) return source;
    const govuk = source.path.startsWith(govukSourceDir + path.sep);
    return {
      ...source,
      src: withCharacterReferences(govuk ? govukMacroSource(source) : source.src),
    };
  }
}

/** A GOV.UK Frontend macro or template, with its template inside and without imports. */
function govukMacroSource(source: nunjucks.LoaderSource): string {
  let src = source.src;
  const include = INCLUDE_TEMPLATE.exec(src);
  const template = include
    ? readFileSync(path.join(path.dirname(source.path), 'template.njk'), 'utf8')
    : '';
  // A template that defines macros of its own stays included: its macros see the template's
  // variables only at a template's top level.
  if (include && !MACRO_TAG.test(template)) {
    // The tags keep the include's whitespace control outside the template and none inside it,
    // so the template's text comes out as the include would give it.
    src =
      src.slice(0, include.index) +
      `{%${include[1]} if true %}${template}{% endif ${include[2]}%}` +
      src.slice(include.index + include[0].length);
  }
  return src.replaceAll(
    IMPORT_TAG,
    (_tag, before: string, after: string) => `{%${before} if false %}{% endif ${after}%}`,
  );
}

/**
 * What stays as it is: a block `{% set %}`'s body (it becomes a plain string, which is escaped
 * where it is used), Nunjucks's tags and comments, and script and style elements.
 */
const CODE =
  /\{%-?\s*set\s+[\w\s,]+-?%\}[\s\S]*?\{%-?\s*endset\s*-?%\}|\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}|\{#[\s\S]*?#\}|<(script|style)\b[\s\S]*?<\/\1\s*>/gi;

/** A character beyond Latin-1 (’, –, “ and so on). */
const BEYOND_LATIN1 = /[\u{100}-\u{10ffff}]/gu;

const characterReference = (character: string) => `&#${character.codePointAt(0)};`;

/**
 * A template with each character beyond Latin-1 in its text written as an HTML character
 * reference (’ as &#8217;), which the browser shows as the same character. Nunjucks's tags and
 * comments, block sets' bodies, and script and style elements stay as they are (so text written
 * in a tag's strings keeps its characters). One such character makes the whole page a string
 * of two bytes a character, which costs three times as much to send: the layout's apostrophe
 * alone did it to every signed-in page.
 */
export function withCharacterReferences(template: string): string {
  let text = '';
  let from = 0;
  for (const code of template.matchAll(CODE)) {
    text += template.slice(from, code.index).replace(BEYOND_LATIN1, characterReference) + code[0];
    from = code.index + code[0].length;
  }
  return text + template.slice(from).replace(BEYOND_LATIN1, characterReference);
}

/** Nunjucks's own autoescape function (missing from @types/nunjucks). */
const escapeHtml = (nunjucks.lib as unknown as { escape(value: string): string }).escape;

export type SelectOption = { value: string; text: string; selected?: boolean };

/**
 * A select's options as escaped HTML. A filter may offer a whole LA's staff (160 people in a
 * large LA) on a page caseworkers load all day; a template loop costs several times this.
 */
function selectOptions(items: SelectOption[]): nunjucks.runtime.SafeString {
  let html = '';
  for (const item of items) {
    html += `<option value="${escapeHtml(item.value)}"${item.selected ? ' selected' : ''}>${escapeHtml(item.text)}</option>`;
  }
  return new nunjucks.runtime.SafeString(html);
}

/** Pathway's own macros, registered as globals like GOV.UK's (see registerGovukMacros). */
const PATHWAY_MACROS = [
  'partials/csrf.njk',
  'partials/filter-select.njk',
  'partials/due-tag.njk',
  'advice/tag.njk',
];

/**
 * Every GOV.UK Frontend component macro (govukButton, govukInput...) and Pathway's own macros
 * (csrfField, dueTag...) as globals, loaded once. A `{% from ... import %}` runs the imported
 * file again on every render, and the layout alone needed nineteen: importing them once here
 * made every page measurably cheaper. Templates use the macros without importing them, and the
 * page template is a copy of GOV.UK's without its imports (src/views/govuk-template.njk).
 */
function registerGovukMacros(env: nunjucks.Environment): void {
  const componentsDir = path.join(govukDir, 'dist', 'govuk', 'components');
  const files = readdirSync(componentsDir, { withFileTypes: true })
    .filter((component) => component.isDirectory())
    .map((component) => `govuk/components/${component.name}/macro.njk`)
    .filter((file) => existsSync(path.join(govukDir, 'dist', file)));
  // The macros GOV.UK's components use among themselves (govukAttributes, govukI18nAttributes...).
  const shared = readdirSync(path.join(govukDir, 'dist', 'govuk', 'macros'))
    .filter((file) => file.endsWith('.njk'))
    .map((file) => `govuk/macros/${file}`);
  for (const file of [...shared, ...files, ...PATHWAY_MACROS]) {
    // getExported runs the file's top level (which defines its macros) and is synchronous with a
    // synchronous loader; it is missing from @types/nunjucks.
    const template = env.getTemplate(file, true) as nunjucks.Template & {
      getExported(done: (error: Error | null, exported: Record<string, unknown>) => void): void;
    };
    template.getExported((error, exported) => {
      if (error) throw error;
      for (const [name, macro] of Object.entries(exported)) env.addGlobal(name, macro);
    });
  }
}

export type NavigationItem = { href: string; text: string; active?: boolean };

/** The service navigation for the signed-in user: what they can reach from every page. */
export function navigationFor(
  actor: Actor | null,
  currentPath: string,
  unreadNotifications = 0,
  hasAdviceRequests = false,
): NavigationItem[] {
  if (!actor) return [];
  const items: NavigationItem[] = [];
  if (isStaff(actor)) {
    items.push({ href: '/cases', text: 'Cases' });
    items.push({ href: '/requests', text: 'New requests' });
  }
  items.push({ href: '/your-cases', text: 'Your cases' });
  if (!isStaff(actor) && hasAdviceRequests) {
    items.push({ href: '/tasks', text: 'Your advice requests' });
  }
  items.push({
    href: '/notifications',
    text:
      unreadNotifications > 0 ? `Notifications (${unreadNotifications} unread)` : 'Notifications',
  });
  if (administeredAuthorities(actor).length > 0) items.push({ href: '/admin', text: 'Admin' });
  items.push({ href: '/account', text: 'Your account' });
  return items.map((item) => ({
    ...item,
    active: currentPath === item.href || currentPath.startsWith(`${item.href}/`),
  }));
}

declare module 'fastify' {
  interface FastifyReply {
    render(template: string, context?: Record<string, unknown>): FastifyReply;
  }
}

export type RenderLocals = (
  request: FastifyRequest,
  reply: FastifyReply,
) => Record<string, unknown>;

export function renderPage(
  env: nunjucks.Environment,
  locals: RenderLocals,
  reply: FastifyReply,
  template: string,
  context: Record<string, unknown>,
): FastifyReply {
  const html = env.render(template, { ...locals(reply.request, reply), ...context });
  return reply.type('text/html; charset=utf-8').send(html);
}
