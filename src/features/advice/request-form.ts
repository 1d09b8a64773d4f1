import { z } from 'zod';
import type { AdviceType } from '../../db/schema.ts';
import { parseForm, type FieldError, type FormErrors, type FormResult } from '../../web/forms.ts';
import { ADVICE_TYPES, ADVICE_TYPE_LABELS } from '../../domain/advice/advice-types.ts';

/**
 * The caseworker's choices on the advice page, one group of fields per type still to ask for:
 * `<type>` is ask, sufficient or leave; `<type>-adviser` the participant asked; for advice
 * already given and sufficient, `<type>-evidence` and the names of the two people who agreed it
 * is sufficient (the parent or young person, and the adviser).
 */
export const EVIDENCE_MAX = 1_000;
export const AGREED_NAME_MAX = 200;

export type AdviceChoice =
  | { type: AdviceType; kind: 'ask'; participantId: string }
  | { type: AdviceType; kind: 'sufficient'; evidence: string; agreedWith: string };

/** Where an error about the whole form points: the list of proposed advice. */
export const FORM_ANCHOR = 'advice-requests';

const blankIfMissing = (value: unknown) => (value === undefined || value === null ? '' : value);

function text(max: number, name: string) {
  return z.preprocess(
    blankIfMissing,
    z
      .string({ error: `${name} must be text` })
      .trim()
      .max(max, `${name} must be ${max.toLocaleString('en-GB')} characters or fewer`),
  );
}

const lower = (type: AdviceType) => ADVICE_TYPE_LABELS[type].toLowerCase();

function schemaFor(types: readonly AdviceType[]) {
  const shape: Record<string, z.ZodType> = {};
  for (const t of types) {
    shape[t] = z.preprocess(
      (value) => (value === undefined || value === '' ? 'leave' : value),
      z.enum(['ask', 'sufficient', 'leave'], {
        error: `Select whether to ask for ${lower(t)}`,
      }),
    );
    shape[`${t}-adviser`] = z.preprocess(blankIfMissing, z.string({ error: 'Select an adviser' }));
    shape[`${t}-evidence`] = text(EVIDENCE_MAX, 'What the advice is');
    shape[`${t}-agreedByFamily`] = text(AGREED_NAME_MAX, 'The name');
    shape[`${t}-agreedByAdviser`] = text(AGREED_NAME_MAX, 'The name');
  }
  return z.object(shape);
}

/**
 * Checks the posted choices against the types still to ask for and the case's current
 * participants. Every problem is reported at once, in the order of the form.
 */
export function parseAdviceChoices(
  body: unknown,
  offer: {
    proposed: readonly AdviceType[];
    /** Types with a request already (not withdrawn). */
    asked: ReadonlySet<AdviceType>;
    participantIds: ReadonlySet<string>;
  },
): FormResult<AdviceChoice[]> {
  const { proposed, asked, participantIds } = offer;
  const notOffered = (t: AdviceType) =>
    asked.has(t)
      ? `${ADVICE_TYPE_LABELS[t]} has already been asked for`
      : `${ADVICE_TYPE_LABELS[t]} is only asked for from Year 9`;
  const posted = (body ?? {}) as Record<string, unknown>;
  const errors: FormErrors = {};
  const add = (field: string, text: string) => {
    if (!errors[field]) errors[field] = { text, href: `#${field}` };
  };
  // A type that is not offered (asked for already, or not yet Year 9) cannot be chosen.
  for (const t of ADVICE_TYPES) {
    const choice = posted[t];
    if (!proposed.includes(t) && (choice === 'ask' || choice === 'sufficient')) {
      add(FORM_ANCHOR, notOffered(t));
    }
  }
  const parsed = parseForm(schemaFor(proposed), posted);
  const values = (parsed.ok ? parsed.value : {}) as Record<string, string>;
  if (!parsed.ok) Object.assign(errors, parsed.errors);
  const choices: AdviceChoice[] = [];
  for (const t of proposed) {
    if (errors[t]) continue;
    const choice = parsed.ok ? values[t] : String(posted[t] ?? 'leave');
    if (choice === 'ask') {
      const adviser = String(posted[`${t}-adviser`] ?? '').trim();
      if (!adviser) add(`${t}-adviser`, `Select who to ask for ${lower(t)}`);
      else if (!participantIds.has(adviser)) {
        add(`${t}-adviser`, 'Select someone who is taking part in this case');
      } else choices.push({ type: t, kind: 'ask', participantId: adviser });
    } else if (choice === 'sufficient') {
      const field = (name: string) => String(posted[`${t}-${name}`] ?? '').trim();
      const evidence = field('evidence');
      const family = field('agreedByFamily');
      const adviser = field('agreedByAdviser');
      if (!evidence) {
        add(`${t}-evidence`, 'Enter what the advice already given is, who gave it and when');
      }
      if (!family) {
        add(
          `${t}-agreedByFamily`,
          'Enter the name of the parent or young person who agreed the advice is sufficient',
        );
      }
      if (!adviser) {
        add(
          `${t}-agreedByAdviser`,
          'Enter the name of the adviser who agreed the advice is sufficient',
        );
      }
      if (evidence && family && adviser) {
        choices.push({
          type: t,
          kind: 'sufficient',
          evidence,
          agreedWith: `Parent or young person: ${family}. Adviser: ${adviser}.`,
        });
      }
    }
  }
  if (Object.keys(errors).length === 0 && choices.length === 0) {
    add(
      proposed[0] ?? FORM_ANCHOR,
      'Select at least one type of advice to ask for, or to record as already given',
    );
  }
  if (Object.keys(errors).length > 0) {
    const order = [FORM_ANCHOR, ...proposed.flatMap((t) => fieldsOf(t))];
    const errorList: FieldError[] = order.flatMap((f) => (errors[f] ? [errors[f]] : []));
    return { ok: false, errors, errorList };
  }
  return { ok: true, value: choices };
}

function fieldsOf(t: AdviceType): string[] {
  return [t, `${t}-adviser`, `${t}-evidence`, `${t}-agreedByFamily`, `${t}-agreedByAdviser`];
}
