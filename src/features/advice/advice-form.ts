import { z } from 'zod';
import type { CalendarDate } from '../../domain/clock/calendar-date.ts';
import { formatLongDate } from '../../domain/clock/calendar-date.ts';
import { escapeHtml } from '../../web/html.ts';

/**
 * The adviser's form, mirroring the plan's sections (DOMAIN.md, "The EHC plan"): needs (B),
 * outcomes sought (E), provision specified and quantified (F), health (C and G) and social care
 * (D and H) where relevant, and anything else. Saving a draft checks only lengths; submitting
 * needs the needs, outcomes and provision, a declaration, and, for a new version, what changed.
 */
export const ADVICE_ANSWER_FIELDS = [
  'needs',
  'outcomes',
  'provisionWhat',
  'provisionHowOften',
  'provisionByWhom',
  'healthNeeds',
  'healthProvision',
  'socialCareNeeds',
  'socialCareProvision',
  'other',
] as const;
export type AdviceAnswerField = (typeof ADVICE_ANSWER_FIELDS)[number];

export const ADVICE_TEXT_MAX = 10_000;
export const CHANGES_MAX = 2_000;

/** Each field's name in error messages and its heading in the written advice. */
const FIELD_NAMES: Record<AdviceAnswerField, { name: string; heading: string }> = {
  needs: { name: 'Needs', heading: 'Special educational needs (section B)' },
  outcomes: { name: 'Outcomes sought', heading: 'Outcomes sought (section E)' },
  provisionWhat: { name: 'The provision', heading: 'What provision is needed' },
  provisionHowOften: { name: 'How often', heading: 'How often and for how long' },
  provisionByWhom: { name: 'Who should provide it', heading: 'Who should provide it' },
  healthNeeds: { name: 'Health needs', heading: 'Health needs (section C)' },
  healthProvision: { name: 'Health provision', heading: 'Health provision (section G)' },
  socialCareNeeds: { name: 'Social care needs', heading: 'Social care needs (section D)' },
  socialCareProvision: {
    name: 'Social care provision',
    heading: 'Social care provision (sections H1 and H2)',
  },
  other: { name: 'Anything else', heading: 'Anything else' },
};

/** The answers' headings in the order of the form, for the pages that show given advice. */
export const ADVICE_FIELD_HEADINGS = ADVICE_ANSWER_FIELDS.map((field) => ({
  field,
  heading: FIELD_NAMES[field].heading,
}));

const REQUIRED_MESSAGES: Partial<Record<AdviceAnswerField, string>> = {
  needs: 'Enter the child or young person’s special educational needs',
  outcomes: 'Enter the outcomes sought',
  provisionWhat: 'Enter the provision needed',
  provisionHowOften: 'Enter how often and for how long the provision is needed',
  provisionByWhom: 'Enter who should provide the provision',
};

export const VISIBILITY_CHOICES = ['everyone', 'la_and_family'] as const;
export type AdviceVisibility = (typeof VISIBILITY_CHOICES)[number];

const blankIfMissing = (value: unknown) => (value === undefined || value === null ? '' : value);

function text(max: number, name: string, required?: string) {
  const base = z
    .string({ error: `${name} must be text` })
    .trim()
    .max(max, `${name} must be ${max.toLocaleString('en-GB')} characters or fewer`);
  return z.preprocess(blankIfMissing, required ? base.min(1, required) : base);
}

/**
 * The form's schema: `submit` for "Submit advice", otherwise "Save as draft". `hasPrevious`
 * when a version was submitted already: a new one says what changed and why.
 */
export function adviceFormSchema(options: { submit: boolean; hasPrevious: boolean }) {
  const answers = Object.fromEntries(
    ADVICE_ANSWER_FIELDS.map((field) => [
      field,
      text(
        ADVICE_TEXT_MAX,
        FIELD_NAMES[field].name,
        options.submit ? REQUIRED_MESSAGES[field] : undefined,
      ),
    ]),
  ) as Record<AdviceAnswerField, ReturnType<typeof text>>;
  return z.object({
    ...answers,
    changes: text(
      CHANGES_MAX,
      'What has changed',
      options.submit && options.hasPrevious
        ? 'Enter what has changed since your last advice, and why'
        : undefined,
    ),
    visibility: options.submit
      ? z.enum(VISIBILITY_CHOICES, { error: 'Select who can see your advice' })
      : z.preprocess(
          (value) => (value === '' ? undefined : value),
          z.enum(VISIBILITY_CHOICES, { error: 'Select who can see your advice' }).optional(),
        ),
    declaration: options.submit
      ? z.literal('yes', {
          error: 'Confirm that your advice is accurate to the best of your knowledge',
        })
      : z.unknown().optional(),
  });
}

export type AdviceAnswers = Record<AdviceAnswerField, string> & { changes: string };

export const adviceActionSchema = z.object({ action: z.enum(['save', 'submit']) });

/**
 * A report uploaded as advice: who may see it, what changed, and the declaration. Its fields are
 * named apart from the structured form's, as both forms are on one page.
 */
export function uploadFormSchema(hasPrevious: boolean) {
  return z.object({
    reportVisibility: z.enum(VISIBILITY_CHOICES, { error: 'Select who can see your report' }),
    reportChanges: text(
      CHANGES_MAX,
      'What has changed',
      hasPrevious ? 'Enter what has changed since your last advice, and why' : undefined,
    ),
    reportDeclaration: z.literal('yes', {
      error: 'Confirm that your report is accurate to the best of your knowledge',
    }),
  });
}

/**
 * The version a page showed when it was posted (its hidden `expectedVersion`: the latest version
 * number, or 0 before any): a number, 'missing' when the field was not sent (a client that does
 * not know it), or 'invalid'.
 */
export function expectedVersionOf(body: unknown): number | 'missing' | 'invalid' {
  const value = (body as Record<string, unknown> | null | undefined)?.expectedVersion;
  if (value === undefined) return 'missing';
  if (typeof value !== 'string' || !/^\d{1,9}$/.test(value)) return 'invalid';
  return Number(value);
}

/** Typed text as paragraphs: blank lines split paragraphs, single line breaks are kept. */
function paragraphs(value: string): string {
  return value
    .split(/\r?\n\s*\r?\n/)
    .map((p) => p.trim())
    .filter((p) => p.length > 0)
    .map((p) => `<p class="govuk-body">${escapeHtml(p).replace(/\r?\n/g, '<br>')}</p>`)
    .join('\n');
}

/**
 * The submitted advice as a document on the case: every typed word escaped, so nothing an
 * adviser writes can become markup. Sections left blank are left out.
 */
export function adviceDocumentHtml(advice: {
  title: string;
  reference: string;
  adviserName: string;
  version: number;
  submittedOn: CalendarDate;
  answers: Partial<AdviceAnswers>;
}): string {
  const section = (field: AdviceAnswerField, level: 'h2' | 'h3' = 'h2') => {
    const value = advice.answers[field]?.trim();
    if (!value) return '';
    const size = level === 'h2' ? 'govuk-heading-m' : 'govuk-heading-s';
    return `<${level} class="${size}">${escapeHtml(FIELD_NAMES[field].heading)}</${level}>\n${paragraphs(value)}`;
  };
  const provision = ['provisionWhat', 'provisionHowOften', 'provisionByWhom'] as const;
  const hasProvision = provision.some((f) => advice.answers[f]?.trim());
  const parts = [
    `<h1 class="govuk-heading-l">${escapeHtml(advice.title)}</h1>`,
    `<p class="govuk-body">Case ${escapeHtml(advice.reference)}. Given by ${escapeHtml(advice.adviserName)} on ${escapeHtml(formatLongDate(advice.submittedOn))}. Version ${advice.version}.</p>`,
    advice.version > 1 && advice.answers.changes?.trim()
      ? `<h2 class="govuk-heading-m">What has changed and why</h2>\n${paragraphs(advice.answers.changes)}`
      : '',
    section('needs'),
    section('outcomes'),
    hasProvision
      ? `<h2 class="govuk-heading-m">Special educational provision (section F)</h2>\n${provision.map((f) => section(f, 'h3')).join('\n')}`
      : '',
    section('healthNeeds'),
    section('healthProvision'),
    section('socialCareNeeds'),
    section('socialCareProvision'),
    section('other'),
  ];
  return parts.filter((p) => p.length > 0).join('\n');
}

/** The answers kept from a posted form (the draft, or a submission's answers). */
export function answersFrom(value: Partial<Record<string, unknown>>): Partial<AdviceAnswers> {
  const kept: Partial<AdviceAnswers> = {};
  for (const field of [...ADVICE_ANSWER_FIELDS, 'changes'] as const) {
    const v = value[field];
    if (typeof v === 'string' && v.length > 0) kept[field] = v;
  }
  return kept;
}
