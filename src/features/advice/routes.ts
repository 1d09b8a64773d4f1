import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Services } from '../../services.ts';
import { isCalendarDate, todayInEngland } from '../../domain/clock/calendar-date.ts';
import { NotFoundError } from '../../web/route-policy.ts';
import { auditContextOf } from '../../web/request-context.ts';
import {
  dateFromParts,
  flashAndRedirect,
  formError,
  parseForm,
  renderBadRequest,
  type FormErrors,
} from '../../web/forms.ts';
import {
  acceptUploads,
  multipartFields,
  uploadedFile,
  UPLOAD_BODY_LIMIT,
} from '../../web/uploads.ts';
import { VISIBILITY_LABELS } from '../../domain/documents.ts';
import { label } from '../../domain/labels.ts';
import { ADVICE_EXCEPTION_REASON_CODES, ADVICE_PERIOD } from '../../domain/advice/advice-types.ts';
import {
  adviceActionSchema,
  adviceFormSchema,
  ADVICE_FIELD_HEADINGS,
  ADVICE_TEXT_MAX,
  CHANGES_MAX,
  expectedVersionOf,
  uploadFormSchema,
  VISIBILITY_CHOICES,
  type AdviceAnswers,
} from './advice-form.ts';
import { AGREED_NAME_MAX, EVIDENCE_MAX, FORM_ANCHOR, parseAdviceChoices } from './request-form.ts';
import * as adviser from './adviser.ts';
import * as advice from './service.ts';
import { emailsPerHour } from '../../web/rate-limit-store.ts';

const caseParams = z.object({ caseId: z.uuid() });
const adviceParams = z.object({ caseId: z.uuid(), adviceId: z.uuid() });

const exceptionSchema = z.preprocess(
  (body) => {
    const value = (body ?? {}) as Record<string, unknown>;
    return { ...value, occurredOn: dateFromParts(value, 'occurredOn') };
  },
  z.object({
    reason: z.enum(
      ADVICE_EXCEPTION_REASON_CODES,
      `Select why the advice could not be given in ${ADVICE_PERIOD}`,
    ),
    occurredOn: z
      .string()
      .min(1, 'Enter the date it happened, for example 27 3 2026')
      .refine(isCalendarDate, 'The date must be a real date, for example 27 3 2026')
      .refine((d) => d <= todayInEngland(), 'The date must be today or in the past'),
    details: z
      .string({ error: 'Enter what happened and what evidence you hold' })
      .trim()
      .min(1, 'Enter what happened and what evidence you hold')
      .max(2000, 'What happened must be 2,000 characters or fewer'),
  }),
);

class BadFormError extends Error {
  statusCode = 400;
}

const CLOSED_TEXT = 'This request for advice is closed: the council withdrew it';
const ALREADY_SUBMITTED_TEXT = 'Your advice was already submitted: check the version below';

/**
 * The latest version the posted page showed. A form without the field (from a client that does
 * not send it) is taken to mean the version just read; the lock still stops a second version
 * written at the same time.
 */
function expectedVersionFrom(body: unknown, view: adviser.AdviceFormView): number {
  const expected = expectedVersionOf(body);
  if (expected === 'invalid') throw new BadFormError('The form is out of date: reload the page');
  return expected === 'missing' ? view.latestVersion : expected;
}

/** Who can see a saved draft: everyone at the organisation the request names, or the person. */
function draftAudience(view: adviser.AdviceFormView): string {
  return view.advice.organisationName
    ? `Only people at ${view.advice.organisationName} can see it until it is submitted.`
    : 'Only you can see it until you submit it.';
}

const visibilityItems = VISIBILITY_CHOICES.map((value) => ({
  value,
  text: VISIBILITY_LABELS[value],
}));

/** What the advice pages need besides their data: limits and choices, in one place. */
const formLimits = {
  adviceTextMax: ADVICE_TEXT_MAX,
  changesMax: CHANGES_MAX,
  evidenceMax: EVIDENCE_MAX,
  agreedNameMax: AGREED_NAME_MAX,
  formAnchor: FORM_ANCHOR,
  visibilityItems,
  fieldHeadings: ADVICE_FIELD_HEADINGS,
};

export async function adviceRoutes(app: FastifyInstance, services: Services) {
  const { db, notifier, storage, scanner } = services;

  function paramsOf(request: FastifyRequest) {
    const parsed = adviceParams.safeParse(request.params);
    if (!parsed.success) throw new NotFoundError('No such advice request');
    return parsed.data;
  }

  // The caseworker's advice page: what was asked, and what is still to ask.
  app.get(
    '/cases/:caseId/advice',
    { config: { policy: 'case:manage' } },
    async (request, reply) => {
      const { caseId } = caseParams.parse(request.params);
      const page = await advice.advicePage(db, caseId, todayInEngland(), auditContextOf(request));
      if (!page) throw new NotFoundError('No such case');
      return reply.render('advice/advice.njk', { ...page, ...formLimits, values: {} });
    },
  );

  app.post(
    '/cases/:caseId/advice',
    { config: { policy: 'case:manage', rateLimit: emailsPerHour(60) } },
    async (request, reply) => {
      const { caseId } = caseParams.parse(request.params);
      const today = todayInEngland();
      const page = await advice.advicePage(db, caseId, today, null);
      if (!page) throw new NotFoundError('No such case');
      const context = { ...page, ...formLimits };
      const refuse = (text: string) =>
        renderBadRequest(
          reply,
          'advice/advice.njk',
          formError(FORM_ANCHOR, text),
          request.body,
          context,
        );
      if (!page.case.inAssessment) {
        return refuse('You can only ask for advice while the case is being assessed');
      }
      const form = parseAdviceChoices(request.body, {
        proposed: page.proposed.map((p) => p.type),
        asked: new Set(page.requests.filter((r) => r.status !== 'withdrawn').map((r) => r.type)),
        participantIds: new Set(page.participants.map((p) => p.id)),
      });
      if (!form.ok) {
        return renderBadRequest(reply, 'advice/advice.njk', form, request.body, context);
      }
      const outcome = await advice.sendAdviceRequests(db, notifier, caseId, form.value, today, {
        ...auditContextOf(request),
        actorUserId: request.actor!.userId,
      });
      if (!outcome.ok) {
        switch (outcome.problem) {
          case 'not-found':
            throw new NotFoundError('No such case');
          case 'not-assessment':
            return refuse('You can only ask for advice while the case is being assessed');
          case 'not-participant':
            return refuse('Select advisers who are taking part in this case');
          case 'already-asked':
            return refuse(`${label('adviceType', outcome.type)} has already been asked for`);
        }
      }
      return flashAndRedirect(request, reply, `/cases/${caseId}/advice`, {
        heading:
          outcome.requested === 1
            ? 'Advice asked for'
            : outcome.requested > 1
              ? `${outcome.requested} requests for advice sent`
              : 'Advice recorded as already given',
        body:
          outcome.requested > 0
            ? `Each adviser has ${ADVICE_PERIOD}. They can see the request in Pathway now.`
            : undefined,
      });
    },
  );

  // "Your advice requests": everything the person answers for, across every council.
  app.get('/tasks', { config: { policy: 'signed-in' } }, async (request, reply) => {
    const tasks = await advice.tasksOf(
      db,
      request.actor!,
      todayInEngland(),
      auditContextOf(request),
    );
    return reply.render('advice/tasks.njk', { tasks });
  });

  /** The form's data; a view of it is audited only when it is asked for (a GET). */
  async function loadForm(request: FastifyRequest) {
    const ids = paramsOf(request);
    const view = await adviser.adviceForm(
      db,
      request.actor!,
      ids,
      todayInEngland(),
      request.method === 'GET' ? auditContextOf(request) : null,
    );
    if (!view) throw new NotFoundError('No such advice request');
    return view;
  }

  function renderForm(
    reply: FastifyReply,
    view: adviser.AdviceFormView,
    extra: { errors?: FormErrors; values?: Record<string, unknown>; status?: number } = {},
  ) {
    return reply.code(extra.status ?? 200).render('advice/form.njk', {
      ...view,
      ...formLimits,
      draftAudience: draftAudience(view),
      values: extra.values ?? view.values,
      errors: extra.errors,
      errorList: extra.errors ? Object.values(extra.errors) : undefined,
    });
  }

  /**
   * A write refused as the request stands now: the form shown again as it is now (closed, or
   * with the version that came first), saying why, with what was typed kept.
   */
  async function renderRefused(
    request: FastifyRequest,
    reply: FastifyReply,
    problem: 'closed' | 'already-submitted',
    typed: Record<string, unknown>,
    field: 'form' | 'report',
  ) {
    const view = await loadForm(request);
    const text = problem === 'closed' ? CLOSED_TEXT : ALREADY_SUBMITTED_TEXT;
    const key = view.advice.open ? field : 'form';
    const kept = Object.fromEntries(Object.entries(typed).filter(([name]) => name !== '_csrf'));
    return renderForm(reply, view, {
      status: 400,
      // Closed, the page has no form: the message points at what it says instead.
      errors: { [key]: { text, href: `#${key}` } },
      values: kept,
    });
  }

  app.get(
    '/cases/:caseId/advice/:adviceId',
    { config: { policy: 'case:view' } },
    async (request, reply) => renderForm(reply, await loadForm(request)),
  );

  app.post(
    '/cases/:caseId/advice/:adviceId',
    { config: { policy: 'case:view' } },
    async (request, reply) => {
      const ids = paramsOf(request);
      const action = adviceActionSchema.safeParse(request.body);
      if (!action.success) throw new BadFormError('Choose to save or to submit');
      const view = await loadForm(request);
      if (view.mode !== 'adviser') throw new NotFoundError('No such advice request');
      const typed = (request.body ?? {}) as Record<string, unknown>;
      if (!view.advice.open) return renderRefused(request, reply, 'closed', typed, 'form');
      const submit = action.data.action === 'submit';
      const expectedVersion = expectedVersionFrom(request.body, view);
      // Posted from a page showing an earlier latest version: the form was sent twice.
      if (submit && expectedVersion !== view.latestVersion) {
        return renderRefused(request, reply, 'already-submitted', typed, 'form');
      }
      const form = parseForm(
        adviceFormSchema({ submit, hasPrevious: view.hasPrevious }),
        request.body,
      );
      if (!form.ok) {
        return renderBadRequest(reply, 'advice/form.njk', form, request.body, {
          ...view,
          ...formLimits,
          draftAudience: draftAudience(view),
        });
      }
      const context = auditContextOf(request);
      const actor = request.actor!;
      const outcome = submit
        ? await adviser.submitAdvice(
            db,
            notifier,
            actor,
            ids,
            {
              answers: form.value as AdviceAnswers,
              visibility: form.value.visibility ?? 'everyone',
              expectedVersion,
            },
            todayInEngland(),
            context,
          )
        : await adviser.saveAdviceDraft(db, actor, ids, form.value, context);
      if (!outcome.ok) {
        if (outcome.problem === 'not-found') throw new NotFoundError('No such advice request');
        return renderRefused(request, reply, outcome.problem, typed, 'form');
      }
      return flashAndRedirect(
        request,
        reply,
        `/cases/${ids.caseId}/advice/${ids.adviceId}`,
        submit
          ? {
              heading: 'Advice submitted',
              body: 'The council and the family have been told. You can send a new version if something changes.',
            }
          : { heading: 'Draft saved', body: draftAudience(view) },
      );
    },
  );

  // A report uploaded as the advice (or with it): multipart, so a scope with its own parser.
  void app.register(async (uploads) => {
    await acceptUploads(
      uploads,
      async (request, reply, text) => {
        const view = await loadForm(request);
        return renderForm(reply, view, {
          status: 400,
          errors: { report: { text, href: '#report' } },
        });
      },
      { fields: 6, fieldSize: 8 * 1024 },
    );

    uploads.post(
      '/cases/:caseId/advice/:adviceId/upload',
      { config: { policy: 'case:view' }, bodyLimit: UPLOAD_BODY_LIMIT },
      async (request, reply) => {
        const ids = paramsOf(request);
        const view = await loadForm(request);
        if (view.mode !== 'adviser') throw new NotFoundError('No such advice request');
        const fields = multipartFields(request.body);
        const typed = { ...view.values, ...fields };
        if (!view.advice.open) return renderRefused(request, reply, 'closed', typed, 'report');
        const expectedVersion = expectedVersionFrom(fields, view);
        if (expectedVersion !== view.latestVersion) {
          return renderRefused(request, reply, 'already-submitted', typed, 'report');
        }
        const form = parseForm(uploadFormSchema(view.hasPrevious), fields);
        const file = await uploadedFile(request.body, 'report');
        const errors: FormErrors = {};
        if (!file) errors.report = { text: 'Select a file', href: '#report' };
        if (!form.ok) Object.assign(errors, form.errors);
        if (!form.ok || !file) {
          return renderForm(reply, view, { status: 400, errors, values: typed });
        }
        const outcome = await adviser.uploadAdvice(
          db,
          { storage, scanner },
          notifier,
          request.actor!,
          ids,
          {
            file,
            visibility: form.value.reportVisibility,
            changes: form.value.reportChanges,
            expectedVersion,
          },
          todayInEngland(),
          auditContextOf(request),
        );
        if (!outcome.ok) {
          if (outcome.problem === 'not-found') throw new NotFoundError('No such advice request');
          if (outcome.problem === 'bad-file') {
            return renderForm(reply, view, {
              status: 400,
              errors: { report: { text: outcome.message, href: '#report' } },
              values: typed,
            });
          }
          return renderRefused(request, reply, outcome.problem, typed, 'report');
        }
        return flashAndRedirect(request, reply, `/cases/${ids.caseId}/advice/${ids.adviceId}`, {
          heading: 'Report uploaded',
          body: 'The council and the family have been told.',
        });
      },
    );
  });

  async function exceptionPage(request: FastifyRequest) {
    const target = await advice.exceptionTarget(db, paramsOf(request));
    if (!target) throw new NotFoundError('No such advice request');
    return {
      target,
      reasons: ADVICE_EXCEPTION_REASON_CODES,
    };
  }

  // The exception's form names the case, the advice and the adviser: its view is audited.
  app.get(
    '/cases/:caseId/advice/:adviceId/exception',
    { config: { policy: 'case:manage' } },
    async (request, reply) => {
      const page = await exceptionPage(request);
      await advice.exceptionFormViewed(db, auditContextOf(request), page.target);
      return reply.render('advice/exception.njk', { ...page, values: {} });
    },
  );

  app.post(
    '/cases/:caseId/advice/:adviceId/exception',
    { config: { policy: 'case:manage' } },
    async (request, reply) => {
      const ids = paramsOf(request);
      const page = await exceptionPage(request);
      const form = parseForm(exceptionSchema, request.body);
      if (!form.ok) {
        return renderBadRequest(reply, 'advice/exception.njk', form, request.body, page);
      }
      const recorded = await advice.recordAdviceException(db, ids, form.value, {
        ...auditContextOf(request),
        actorUserId: request.actor!.userId,
      });
      if (!recorded) throw new NotFoundError('No such advice request');
      return flashAndRedirect(request, reply, `/cases/${ids.caseId}/advice`, {
        heading: 'Exception recorded',
        body: 'Late advice from this adviser now shows as excused, and the reminders stop.',
      });
    },
  );
}
