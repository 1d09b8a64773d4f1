import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';

/** One field's error in the shape GOV.UK's error summary and field macros take. */
export type FieldError = { text: string; href: string };
export type FormErrors = Record<string, FieldError>;

export type FormResult<T> =
  { ok: true; value: T } | { ok: false; errors: FormErrors; errorList: FieldError[] };

/**
 * Checks a posted form against its schema. Schema messages are the GOV.UK error messages;
 * the first problem per field is shown, fields in the order of the form.
 */
export function parseForm<S extends z.ZodType>(schema: S, body: unknown): FormResult<z.infer<S>> {
  const result = schema.safeParse(body ?? {});
  if (result.success) return { ok: true, value: result.data };
  const errors: FormErrors = {};
  for (const issue of result.error.issues) {
    const field = String(issue.path[0] ?? 'form');
    if (!errors[field]) errors[field] = { text: issue.message, href: `#${field}` };
  }
  return { ok: false, errors, errorList: Object.values(errors) };
}

export function formError(
  field: string,
  text: string,
): { ok: false; errors: FormErrors; errorList: FieldError[] } {
  const error = { text, href: `#${field}` };
  return { ok: false, errors: { [field]: error }, errorList: [error] };
}

/**
 * Re-renders a form with its errors and the user's input, with status 400. Password fields are
 * never sent back.
 */
export function renderBadRequest(
  reply: FastifyReply,
  template: string,
  result: { errors: FormErrors; errorList: FieldError[] },
  values: unknown,
  context: Record<string, unknown> = {},
  /** 400, or 429 when the form was refused for being sent too often. */
  statusCode = 400,
): FastifyReply {
  const kept = Object.fromEntries(
    Object.entries((values as Record<string, unknown>) ?? {}).filter(
      ([key]) => !/password|code|_csrf/i.test(key),
    ),
  );
  return reply.code(statusCode).render(template, {
    ...context,
    errors: result.errors,
    errorList: result.errorList,
    values: kept,
  });
}

/**
 * The `YYYY-MM-DD` of a GOV.UK date input named `name` (fields `name-day`, `name-month`,
 * `name-year`), or '' when any part is blank. Whether it is a real date is for the schema.
 */
export function dateFromParts(body: unknown, name: string): string {
  const value = (body ?? {}) as Record<string, unknown>;
  const [day, month, year] = ['day', 'month', 'year'].map((part) =>
    String(value[`${name}-${part}`] ?? '').trim(),
  );
  if (!day || !month || !year) return '';
  return `${year}-${month.padStart(2, '0')}-${day.padStart(2, '0')}`;
}

/** After a change: a success banner on the next page (GOV.UK notification banner), then 303. */
export function flashAndRedirect(
  request: FastifyRequest,
  reply: FastifyReply,
  to: string,
  flash: { heading: string; body?: string },
): FastifyReply {
  request.session.data.flash = flash;
  request.session.changed();
  return reply.redirect(to, 303);
}

/** A wait in plain words, in whole minutes (so it reads the same whoever is waiting). */
export function waitInWords(seconds: number): string {
  const minutes = Math.max(1, Math.ceil(seconds / 60));
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}
