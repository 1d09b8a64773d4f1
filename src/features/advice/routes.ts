import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Services } from '../../services.ts';
import { isCalendarDate, todayInEngland } from '../../domain/clock/calendar-date.ts';
import { NotFoundError } from '../../policy/route-policy.ts';
import { auditContextOf } from '../../web/request-context.ts';
import {
  dateFromParts,
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
import { VISIBILITY_LABELS } from '../documents/case-documents.ts';
import {
  adviceActionSchema,
  adviceFormSchema,
  ADVICE_FIELD_HEADINGS,
  ADVICE_TEXT_MAX,
  CHANGES_MAX,
  uploadFormSchema,
  VISIBILITY_CHOICES,
  type AdviceAnswers,
} from './advice-form.ts';
import { AGREED_NAME_MAX, EVIDENCE_MAX, FORM_ANCHOR, parseAdviceChoices } from './request-form.ts';
import * as adviser from './adviser.ts';
import * as advice from './service.ts';

const caseParams = z.object({ caseId: z.uuid() });
const adviceParams = z.object({ caseId: z.uuid(), adviceId: z.uuid() });

const EXCEPTION_REASON_KEYS = Object.keys(advice.ADVICE_EXCEPTION_REASONS) as [
  advice.AdviceExceptionReason,
  ...advice.AdviceExceptionReason[],
];

const exceptionSchema = z.preprocess(
  (body) => {
    const value = (body ?? {}) as Record<string, unknown>;
    return { ...value, occurredOn: dateFromParts(value, 'occurredOn') };
  },
  z.object({
    reason: z.enum(EXCEPTION_REASON_KEYS, 'Select why the advice could not be given in 6 weeks'),
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
  const { db, notifier, storage } = services;

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
    { config: { policy: 'case:manage' } },
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
            return refuse(`${advice.adviceTypeLabel(outcome.type)} has already been asked for`);
        }
      }
      request.session.data.flash = {
        heading:
          outcome.requested === 1
            ? 'Advice asked for'
            : outcome.requested > 1
              ? `${outcome.requested} requests for advice sent`
              : 'Advice recorded as already given',
        body:
          outcome.requested > 0
            ? 'Each adviser has 6 weeks. They can see the request in Pathway now.'
            : undefined,
      };
      request.session.changed();
      return reply.redirect(`/cases/${caseId}/advice`, 303);
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
      values: extra.values ?? view.values,
      errors: extra.errors,
      errorList: extra.errors ? Object.values(extra.errors) : undefined,
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
      const submit = action.data.action === 'submit';
      const form = parseForm(
        adviceFormSchema({ submit, hasPrevious: view.hasPrevious }),
        request.body,
      );
      if (!form.ok) {
        return renderBadRequest(reply, 'advice/form.njk', form, request.body, {
          ...view,
          ...formLimits,
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
            },
            todayInEngland(),
            context,
          )
        : await adviser.saveAdviceDraft(db, actor, ids, form.value, context);
      if (!outcome.ok) {
        if (outcome.problem === 'not-found') throw new NotFoundError('No such advice request');
        return renderBadRequest(
          reply,
          'advice/form.njk',
          formError('form', 'This request for advice is closed: the council withdrew it'),
          request.body,
          { ...view, ...formLimits },
        );
      }
      request.session.data.flash = submit
        ? {
            heading: 'Advice submitted',
            body: 'The council and the family have been told. You can send a new version if something changes.',
          }
        : { heading: 'Draft saved', body: 'Only you can see it until you submit it.' };
      request.session.changed();
      return reply.redirect(`/cases/${ids.caseId}/advice/${ids.adviceId}`, 303);
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
          storage,
          notifier,
          request.actor!,
          ids,
          {
            file,
            visibility: form.value.reportVisibility,
            changes: form.value.reportChanges,
          },
          todayInEngland(),
          auditContextOf(request),
        );
        if (!outcome.ok) {
          if (outcome.problem === 'not-found') throw new NotFoundError('No such advice request');
          const text =
            outcome.problem === 'bad-file'
              ? outcome.message
              : 'This request for advice is closed: the council withdrew it';
          return renderForm(reply, view, {
            status: 400,
            errors: { report: { text, href: '#report' } },
            values: typed,
          });
        }
        request.session.data.flash = {
          heading: 'Report uploaded',
          body: 'The council and the family have been told.',
        };
        request.session.changed();
        return reply.redirect(`/cases/${ids.caseId}/advice/${ids.adviceId}`, 303);
      },
    );
  });

  async function exceptionPage(request: FastifyRequest) {
    const target = await advice.exceptionTarget(db, paramsOf(request));
    if (!target) throw new NotFoundError('No such advice request');
    return {
      target,
      reasons: Object.entries(advice.ADVICE_EXCEPTION_REASONS).map(([value, text]) => ({
        value,
        text,
      })),
    };
  }

  app.get(
    '/cases/:caseId/advice/:adviceId/exception',
    { config: { policy: 'case:manage' } },
    async (request, reply) =>
      reply.render('advice/exception.njk', { ...(await exceptionPage(request)), values: {} }),
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
      request.session.data.flash = {
        heading: 'Exception recorded',
        body: 'Late advice from this adviser now shows as excused, and the reminders stop.',
      };
      request.session.changed();
      return reply.redirect(`/cases/${ids.caseId}/advice`, 303);
    },
  );
}
