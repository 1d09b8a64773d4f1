import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  addDays,
  formatLongDate,
  isCalendarDate,
  todayInEngland,
} from '../../domain/clock/calendar-date.ts';
import type { Services } from '../../services.ts';
import { NotFoundError } from '../../policy/route-policy.ts';
import { addressKey } from '../../web/address-key.ts';
import { auditContextOf } from '../../web/request-context.ts';
import {
  acceptUploads,
  sendAttachment,
  uploadedFile,
  UPLOAD_BODY_LIMIT,
} from '../../web/uploads.ts';
import {
  dateFromParts,
  flashAndRedirect,
  parseForm,
  renderBadRequest,
  type FormErrors,
} from '../../web/forms.ts';
import { MAX_UPLOADS_PER_REQUEST } from '../../web/upload-checks/uploads.ts';
import {
  REQUESTER_KINDS,
  ageOn,
  firstIncompletePage,
  hasRightToRequest,
  nextPage,
  pageBySlug,
  pagesFor,
  pickFields,
  postedFields,
  previousPage,
  type Answers,
  type PageContext,
  type QuestionPage,
  yourEmailAddress,
} from './questions.ts';
import { optionalEmailAddress } from '../../web/form-fields.ts';
import * as requests from './service.ts';
import { emailsPerHour } from '../../web/rate-limit-store.ts';

const BASE = '/request-an-assessment';
const publicRoute = { config: { policy: 'public' as const } };
const uuid = z.uuid();

/** The fields of a question page, ready for the GOV.UK macros. */
function fieldsView(page: QuestionPage, answers: Answers, context: PageContext) {
  const fields = page.fields(answers, context);
  return fields.map((field) => ({
    ...field,
    isPageHeading: fields.length === 1,
    options:
      field.kind === 'radios'
        ? field.options.map((o) => ({
            value: o.value,
            text: o.text,
            hint: o.hint ? { text: o.hint } : undefined,
          }))
        : undefined,
  }));
}

/** What a question page shows: typed values win over saved answers (a page with errors). */
function questionView(
  page: QuestionPage,
  answers: Answers,
  context: PageContext,
  options: { typed?: Answers; errors?: FormErrors; change?: boolean },
) {
  const values: Answers = { ...pickFields(page, answers, context) };
  for (const field of page.fields(answers, context)) {
    if (field.kind === 'date') {
      const [year, month, day] = (answers[field.name] ?? '').split('-');
      values[`${field.name}-day`] = day ? String(Number(day)) : '';
      values[`${field.name}-month`] = month ? String(Number(month)) : '';
      values[`${field.name}-year`] = year ?? '';
    }
  }
  const back = previousPage(page.slug, answers, context);
  return {
    page: { slug: page.slug, title: page.title(answers), intro: page.intro?.(answers) },
    fields: fieldsView(page, answers, context),
    values: { ...values, ...options.typed },
    errors: options.errors,
    errorList: options.errors ? Object.values(options.errors) : undefined,
    change: options.change ?? false,
    backHref: options.change ? `${BASE}/check-answers` : back ? `${BASE}/${back.slug}` : BASE,
  };
}

/** A request recorded from an email or a letter: who sent it, about whom, and when it came. */
function recordedRequestSchema(actor: NonNullable<FastifyRequest['actor']>) {
  const today = todayInEngland();
  return z.preprocess(
    (body) => {
      const value = (body ?? {}) as Record<string, unknown>;
      return {
        ...value,
        localAuthorityId:
          actor.staff.length === 1 ? actor.staff[0]!.localAuthorityId : value.localAuthorityId,
        receivedOn: dateFromParts(value, 'receivedOn'),
        childDateOfBirth: dateFromParts(value, 'childDateOfBirth'),
      };
    },
    z.object({
      localAuthorityId: z.enum(
        actor.staff.map((s) => s.localAuthorityId) as [string, ...string[]],
        { error: 'Select the council' },
      ),
      channel: z.enum(['email', 'post'], { error: 'Select how the request arrived' }),
      receivedOn: z
        .string()
        .min(1, 'Enter the date the request was received')
        .refine(isCalendarDate, 'The date received must be a real date')
        .refine((d) => d <= today, 'The date received must be today or in the past')
        .refine((d) => d >= addDays(today, -366), 'The date received must be within the last year'),
      requesterKind: z.enum(Object.keys(REQUESTER_KINDS) as [string, ...string[]], {
        error: 'Select who sent the request',
      }),
      childFirstName: z
        .string({ error: 'Enter the child’s first name' })
        .trim()
        .min(1, 'Enter the child’s first name')
        .max(100, 'First name must be 100 characters or fewer'),
      childLastName: z
        .string({ error: 'Enter the child’s last name' })
        .trim()
        .min(1, 'Enter the child’s last name')
        .max(100, 'Last name must be 100 characters or fewer'),
      childDateOfBirth: z
        .string()
        .min(1, 'Enter the date of birth')
        .refine(isCalendarDate, 'Date of birth must be a real date')
        .refine((d) => d <= today, 'Date of birth must be today or in the past')
        .refine(
          (d) => ageOn(d, today) <= 25,
          'An EHC needs assessment is for children and young people up to the age of 25',
        ),
      contactEmail: optionalEmailAddress,
      notes: z
        .string({ error: 'Enter a summary of the request' })
        .trim()
        .min(1, 'Enter a summary of the request')
        .max(5000, 'The summary must be 5,000 characters or fewer'),
    }),
  );
}

export async function requestRoutes(app: FastifyInstance, services: Services) {
  const { db, notifier, storage, scanner, config } = services;
  const draftDays = config.requestDraftDays;
  const keyOf = (request: FastifyRequest) => addressKey(config.sessionSecret, request.ip);

  /** The draft this browser is filling in, or null (never started, sent, or past 28 days). */
  async function currentDraft(request: FastifyRequest) {
    const id = request.session.data.requestDraftId;
    if (!id) return null;
    return (await requests.findDraft(db, id)) ?? null;
  }

  function noDraft(reply: FastifyReply) {
    return reply.redirect(`${BASE}?expired=1`, 303);
  }

  // A bot cannot flood the front door: starting, saving and sending are limited per address
  // (@fastify/rate-limit is registered in app.ts, before any route).
  const limited = (max: number) => ({
    config: { policy: 'public' as const, rateLimit: { max, timeWindow: '1 hour' } },
  });

  app.get(BASE, publicRoute, async (request, reply) => {
    const authorities = await requests.authorities(db);
    const draft = await currentDraft(request);
    return reply.render('requests/start.njk', {
      askingAs: await requests.askingAs(db, request.actor),
      authorities,
      hasDraft: Boolean(draft),
      expired: (request.query as Record<string, unknown>).expired === '1',
    });
  });

  app.get(`${BASE}/what-happens-next`, publicRoute, async (_request, reply) =>
    reply.render('requests/what-happens-next.njk', {}),
  );

  app.post(`${BASE}/start`, limited(30), async (request, reply) => {
    const context = await requests.pageContext(db);
    let draft = await currentDraft(request);
    if (!draft) {
      const id = await requests.startDraft(db, request.actor, {
        days: draftDays,
        addressKey: keyOf(request),
      });
      request.session.data.requestDraftId = id;
      request.session.changed();
      draft = (await requests.findDraft(db, id))!;
    }
    const first = firstIncompletePage(draft.answers, context);
    return reply.redirect(first ? `${BASE}/${first.slug}` : `${BASE}/check-answers`, 303);
  });

  app.get(`${BASE}/resume/:token`, publicRoute, async (request, reply) => {
    const { token } = request.params as { token: string };
    const id = await requests.resumeDraft(db, token);
    if (!id) {
      return reply.code(404).render('requests/resume-expired.njk', {});
    }
    request.session.data.requestDraftId = id;
    request.session.changed();
    const draft = await requests.findDraft(db, id);
    const first = draft ? firstIncompletePage(draft.answers, await requests.pageContext(db)) : null;
    return reply.redirect(first ? `${BASE}/${first.slug}` : `${BASE}/check-answers`, 303);
  });

  app.get(`${BASE}/save`, publicRoute, async (request, reply) => {
    const draft = await currentDraft(request);
    if (!draft) return noDraft(reply);
    return reply.render('requests/save.njk', {
      values: { email: draft.answers.contactEmail ?? draft.contact_email ?? '' },
      days: draftDays,
    });
  });

  const saveSchema = z.object({ email: yourEmailAddress });

  app.post(`${BASE}/save`, limited(10), async (request, reply) => {
    const draft = await currentDraft(request);
    if (!draft) return noDraft(reply);
    const result = parseForm(saveSchema, request.body);
    if (!result.ok) {
      return renderBadRequest(reply, 'requests/save.njk', result, request.body, {
        days: draftDays,
      });
    }
    if (!(await requests.saveForLater(db, notifier, draft.id, result.value.email, draftDays))) {
      const tooMany = {
        text: 'We have already sent several links to this email address in the last hour. Check your email, or try again later',
        href: '#email',
      };
      return renderBadRequest(
        reply,
        'requests/save.njk',
        { errors: { email: tooMany }, errorList: [tooMany] },
        request.body,
        { days: draftDays },
      );
    }
    return reply.render('requests/saved.njk', { days: draftDays });
  });

  // Evidence: one file per upload, as GOV.UK's file upload pattern asks; the form is multipart,
  // so these routes get their own body parser and a page-shaped answer to a file too large.
  void app.register(async (uploads) => {
    await acceptUploads(uploads, async (request, reply, text) => {
      const requestId = requestParams.safeParse(request.params);
      if (requestId.success) {
        return renderRequest(request, reply, requestId.data.requestId, {
          document: { text, href: '#document' },
        });
      }
      const draft = await currentDraft(request);
      if (!draft) return noDraft(reply);
      return renderEvidence(reply, draft, { evidence: { text, href: '#evidence' } });
    });

    uploads.post(
      `${BASE}/evidence`,
      { ...publicRoute, bodyLimit: UPLOAD_BODY_LIMIT },
      async (request, reply) => {
        const draft = await currentDraft(request);
        if (!draft) return noDraft(reply);
        const file = await uploadedFile(request.body, 'evidence');
        if (!file) {
          return renderEvidence(reply.code(400), draft, {
            evidence: { text: 'Select a file', href: '#evidence' },
          });
        }
        const outcome = await requests.addEvidence(
          db,
          { storage, scanner },
          draft.id,
          file,
          auditContextOf(request),
          { key: keyOf(request), bytesPerAddress: config.requestDraftBytesPerAddress },
        );
        if (!outcome.ok) {
          return renderEvidence(reply.code(400), draft, {
            evidence: { text: outcome.message, href: '#evidence' },
          });
        }
        return reply.redirect(`${BASE}/evidence`, 303);
      },
    );

    // A scan of a letter, or an email's attachment, added by the LA's staff.
    uploads.post(
      '/requests/:requestId/documents',
      { config: { policy: 'staff' }, bodyLimit: UPLOAD_BODY_LIMIT },
      async (request, reply) => {
        const params = requestParams.safeParse(request.params);
        if (!params.success) throw new NotFoundError('No such request');
        const file = await uploadedFile(request.body, 'document');
        const outcome = file
          ? await requests.addRequestDocument(
              db,
              { storage, scanner },
              request.actor!,
              params.data.requestId,
              file,
              auditContextOf(request),
            )
          : { ok: false as const, message: 'Select a file' };
        if (!outcome) throw new NotFoundError('No such request');
        if (!outcome.ok) {
          return renderRequest(request, reply.code(400), params.data.requestId, {
            document: { text: outcome.message, href: '#document' },
          });
        }
        return reply.redirect(`/requests/${params.data.requestId}`, 303);
      },
    );
  });

  async function renderEvidence(
    reply: FastifyReply,
    draft: NonNullable<Awaited<ReturnType<typeof currentDraft>>>,
    errors?: FormErrors,
  ) {
    const fresh = (await requests.findDraft(db, draft.id)) ?? draft;
    const context = await requests.pageContext(db);
    const pages = pagesFor(fresh.answers, context);
    return reply.render('requests/evidence.njk', {
      documents: fresh.documents,
      maxFiles: MAX_UPLOADS_PER_REQUEST,
      errors,
      errorList: errors ? Object.values(errors) : undefined,
      backHref: `${BASE}/${pages[pages.length - 1]!.slug}`,
      isSetting: fresh.answers.requesterKind === 'setting',
    });
  }

  app.get(`${BASE}/evidence`, publicRoute, async (request, reply) => {
    const draft = await currentDraft(request);
    if (!draft) return noDraft(reply);
    return renderEvidence(reply, draft);
  });

  app.post(`${BASE}/evidence/:documentId/remove`, publicRoute, async (request, reply) => {
    const draft = await currentDraft(request);
    if (!draft) return noDraft(reply);
    const documentId = uuid.safeParse((request.params as { documentId: string }).documentId);
    if (
      !documentId.success ||
      !(await requests.removeEvidence(db, storage, draft.id, documentId.data))
    ) {
      throw new NotFoundError('No such file');
    }
    return reply.redirect(`${BASE}/evidence`, 303);
  });

  async function renderCheckAnswers(
    reply: FastifyReply,
    draft: NonNullable<Awaited<ReturnType<typeof currentDraft>>>,
    context: PageContext,
    errorList?: { text: string; href: string }[],
  ) {
    return reply.render('requests/check-answers.njk', {
      sections: pagesFor(draft.answers, context).map((page) => ({
        slug: page.slug,
        rows: page.summary(draft.answers, context),
      })),
      documents: draft.documents,
      rightToRequest: hasRightToRequest(draft.answers.requesterKind),
      errorList,
    });
  }

  app.get(`${BASE}/check-answers`, publicRoute, async (request, reply) => {
    const draft = await currentDraft(request);
    if (!draft) return noDraft(reply);
    const context = await requests.pageContext(db);
    const missing = firstIncompletePage(draft.answers, context);
    if (missing) return reply.redirect(`${BASE}/${missing.slug}`, 303);
    return renderCheckAnswers(reply, draft, context);
  });

  app.post(`${BASE}/check-answers`, limited(20), async (request, reply) => {
    const draft = await currentDraft(request);
    if (!draft) return noDraft(reply);
    const outcome = await requests.submitRequest(db, notifier, draft.id, {
      ...auditContextOf(request),
      actor: request.actor,
    });
    if (outcome.outcome === 'incomplete') return reply.redirect(`${BASE}/${outcome.slug}`, 303);
    if (outcome.outcome === 'gone') return noDraft(reply);
    if (outcome.outcome === 'too-many') {
      return renderCheckAnswers(reply.code(429), draft, await requests.pageContext(db), [
        {
          text: `The council has already had ${requests.REQUESTS_PER_ADDRESS_PER_DAY} requests from this email address today. Contact the council to send more, or sign in`,
          href: `${BASE}/contact?change=1`,
        },
      ]);
    }
    delete request.session.data.requestDraftId;
    request.session.data.sentRequest = {
      reference: outcome.reference,
      decisionDueOn: outcome.decisionDueOn,
      localAuthorityName: outcome.localAuthorityName,
    };
    request.session.changed();
    return reply.redirect(`${BASE}/confirmation`, 303);
  });

  app.get(`${BASE}/confirmation`, publicRoute, async (request, reply) => {
    const sent = request.session.data.sentRequest;
    if (!sent) return reply.redirect(BASE, 303);
    return reply.render('requests/confirmation.njk', { sent });
  });

  // Several settings match what was typed: the person chooses one, or keeps their words.
  app.get(`${BASE}/education/choose`, publicRoute, async (request, reply) => {
    const draft = await currentDraft(request);
    if (!draft) return noDraft(reply);
    const { candidates } = await requests.matchSetting(db, draft.answers.settingName ?? '');
    if (candidates.length === 0) return reply.redirect(`${BASE}/education`, 303);
    const change = (request.query as Record<string, unknown>).change === '1';
    return reply.render('requests/choose-setting.njk', {
      typed: draft.answers.settingName,
      candidates,
      change,
    });
  });

  app.post(`${BASE}/education/choose`, publicRoute, async (request, reply) => {
    const draft = await currentDraft(request);
    if (!draft) return noDraft(reply);
    const context = await requests.pageContext(db);
    const { candidates } = await requests.matchSetting(db, draft.answers.settingName ?? '');
    const chosen = String((request.body as Record<string, unknown> | undefined)?.setting ?? '');
    const change = (request.query as Record<string, unknown>).change === '1';
    const setting = candidates.find((c) => c.id === chosen);
    if (chosen !== 'typed' && !setting) {
      const error = {
        text: 'Select the nursery, school or college, or keep what you typed',
        href: '#setting',
      };
      return reply.code(400).render('requests/choose-setting.njk', {
        typed: draft.answers.settingName,
        candidates,
        change,
        errors: { setting: error },
        errorList: [error],
      });
    }
    const answers = await requests.saveAnswers(
      db,
      draft.id,
      requests.withSetting(draft.answers, setting ?? null),
      context,
      draftDays,
    );
    if (change) {
      const missing = firstIncompletePage(answers, context);
      return reply.redirect(
        missing ? `${BASE}/${missing.slug}?change=1` : `${BASE}/check-answers`,
        303,
      );
    }
    const next = nextPage('education', answers, context);
    return reply.redirect(next ? `${BASE}/${next.slug}` : `${BASE}/evidence`, 303);
  });

  // The question pages, last: their slugs come from QUESTION_PAGES.
  app.get(`${BASE}/:slug`, publicRoute, async (request, reply) => {
    const page = pageBySlug((request.params as { slug: string }).slug);
    if (!page) throw new NotFoundError('No such question');
    const draft = await currentDraft(request);
    if (!draft) return noDraft(reply);
    const context = await requests.pageContext(db);
    if (!page.applies(draft.answers, context)) throw new NotFoundError('Question does not apply');
    const change = (request.query as Record<string, unknown>).change === '1';
    return reply.render(
      'requests/question.njk',
      questionView(page, draft.answers, context, { change }),
    );
  });

  app.post(`${BASE}/:slug`, publicRoute, async (request, reply) => {
    const page = pageBySlug((request.params as { slug: string }).slug);
    if (!page) throw new NotFoundError('No such question');
    const draft = await currentDraft(request);
    if (!draft) return noDraft(reply);
    const context = await requests.pageContext(db);
    if (!page.applies(draft.answers, context)) throw new NotFoundError('Question does not apply');
    const change = (request.query as Record<string, unknown>).change === '1';
    const body = (request.body ?? {}) as Record<string, unknown>;
    const { values, typed } = postedFields(page, draft.answers, context, body);
    const checked = page.schema({ ...draft.answers, ...values }, context).safeParse(values);
    if (!checked.success) {
      const errors: FormErrors = {};
      for (const issue of checked.error.issues) {
        const field = String(issue.path[0] ?? 'form');
        const isDate =
          page.fields(draft.answers, context).find((f) => f.name === field)?.kind === 'date';
        if (!errors[field])
          errors[field] = { text: issue.message, href: `#${field}${isDate ? '-day' : ''}` };
      }
      return reply
        .code(400)
        .render(
          'requests/question.njk',
          questionView(page, draft.answers, context, { typed, errors, change }),
        );
    }
    let merged: Answers = { ...draft.answers, ...(checked.data as Answers) };
    let chooseSetting = false;
    if (page.slug === 'education') {
      const found =
        merged.settingStatus === 'in-setting'
          ? await requests.matchSetting(db, merged.settingName ?? '')
          : { match: null, candidates: [] };
      merged = requests.withSetting(merged, found.match);
      chooseSetting = found.candidates.length > 0;
    }
    const answers = await requests.saveAnswers(db, draft.id, merged, context, draftDays);
    if (chooseSetting) {
      return reply.redirect(`${BASE}/education/choose${change ? '?change=1' : ''}`, 303);
    }
    if (change) {
      const missing = firstIncompletePage(answers, context);
      return reply.redirect(
        missing ? `${BASE}/${missing.slug}?change=1` : `${BASE}/check-answers`,
        303,
      );
    }
    const next = nextPage(page.slug, answers, context);
    return reply.redirect(next ? `${BASE}/${next.slug}` : `${BASE}/evidence`, 303);
  });

  // The LA's intake: new requests, each turned into a case by a caseworker.
  app.get('/requests', { config: { policy: 'staff' } }, async (request, reply) => {
    const rows = await requests.newRequests(db, request.actor!, auditContextOf(request));
    return reply.render('requests/intake.njk', { requests: rows, kinds: REQUESTER_KINDS });
  });

  const requestParams = z.object({ requestId: z.uuid() });

  async function renderRequest(
    request: FastifyRequest,
    reply: FastifyReply,
    requestId: string,
    errors?: FormErrors,
    values: Record<string, unknown> = {},
  ) {
    const found = await requests.viewRequest(
      db,
      request.actor!,
      requestId,
      auditContextOf(request),
    );
    if (!found) throw new NotFoundError('No such request');
    const context = await requests.pageContext(db);
    const officers = await requests.officersOf(db, found.local_authority_id!);
    return reply.render('requests/request.njk', {
      found,
      kinds: REQUESTER_KINDS,
      rightToRequest: hasRightToRequest(found.requester_kind ?? undefined),
      sections:
        found.channel === 'online'
          ? found.pages.map((page) => ({
              title: page.title(found.answers),
              rows: page.summary(found.answers, context),
            }))
          : [
              {
                title: `Recorded from ${found.channel === 'post' ? 'a letter' : 'an email'}`,
                rows: [
                  {
                    key: 'Child or young person',
                    value: `${found.answers.childFirstName} ${found.answers.childLastName}`,
                  },
                  { key: 'Date of birth', value: formatLongDate(found.answers.childDateOfBirth!) },
                  { key: 'Contact email', value: found.answers.contactEmail || 'Not given' },
                  { key: 'Summary', value: found.answers.notes ?? '' },
                ],
              },
            ],
      officerItems: [
        { value: '', text: 'Choose an officer' },
        ...officers.map((o) => ({
          value: o.id,
          text: o.display_name,
          selected: (values.officerId ?? request.actor!.userId) === o.id,
        })),
      ],
      errors,
      errorList: errors ? Object.values(errors) : undefined,
    });
  }

  app.get('/requests/:requestId', { config: { policy: 'staff' } }, async (request, reply) => {
    const params = requestParams.safeParse(request.params);
    if (!params.success) throw new NotFoundError('No such request');
    return renderRequest(request, reply, params.data.requestId);
  });

  /** The :requestId of a request of one of the actor's LAs; otherwise a 404. */
  async function staffRequestId(request: FastifyRequest): Promise<string> {
    const params = requestParams.safeParse(request.params);
    if (
      !params.success ||
      !(await requests.isRequestOfStaff(db, request.actor!, params.data.requestId))
    ) {
      throw new NotFoundError('No such request');
    }
    return params.data.requestId;
  }

  const openCaseSchema = z.object({
    officerId: z.uuid({ error: 'Choose the officer who will hold the case' }),
  });

  app.post(
    '/requests/:requestId/open-case',
    { config: { policy: 'staff', rateLimit: emailsPerHour(60) } },
    async (request, reply) => {
      const requestId = await staffRequestId(request);
      const result = parseForm(openCaseSchema, request.body);
      if (!result.ok) {
        return renderRequest(request, reply.code(400), requestId, result.errors, {
          officerId: (request.body as Record<string, unknown> | undefined)?.officerId,
        });
      }
      const outcome = await requests.openCaseFromRequest(
        db,
        notifier,
        requestId,
        result.value.officerId,
        { ...auditContextOf(request), actorUserId: request.actor!.userId },
      );
      if (outcome.outcome === 'not-found') throw new NotFoundError('No such request');
      if (outcome.outcome === 'not-an-officer') {
        return renderRequest(
          request,
          reply.code(400),
          requestId,
          { officerId: { text: 'Choose an officer from this council', href: '#officerId' } },
          {},
        );
      }
      if (outcome.outcome === 'already-decided') {
        return flashAndRedirect(request, reply, `/requests/${requestId}`, {
          heading: 'This request already has a case',
        });
      }
      return flashAndRedirect(request, reply, `/cases/${outcome.caseId}`, {
        heading: `Case ${outcome.reference} opened`,
        body: outcome.invited
          ? 'The family has been emailed an invitation to follow the case.'
          : 'No family email was given, so nobody was invited: invite the family from the case.',
      });
    },
  );

  const attachSchema = z.object({
    caseId: z.uuid({ error: 'Choose the case to add this request to' }),
  });

  app.post(
    '/requests/:requestId/attach',
    { config: { policy: 'staff' } },
    async (request, reply) => {
      const requestId = await staffRequestId(request);
      const result = parseForm(attachSchema, request.body);
      if (!result.ok) return renderRequest(request, reply.code(400), requestId, result.errors);
      const outcome = await requests.attachRequestToCase(db, requestId, result.value.caseId, {
        ...auditContextOf(request),
        actorUserId: request.actor!.userId,
      });
      if (outcome.outcome === 'not-found') throw new NotFoundError('No such request');
      if (outcome.outcome === 'no-such-case') {
        return renderRequest(request, reply.code(400), requestId, {
          caseId: { text: 'Choose a case of this council', href: '#caseId' },
        });
      }
      if (outcome.outcome === 'already-decided') {
        return flashAndRedirect(request, reply, `/requests/${requestId}`, {
          heading: 'This request already has a case',
        });
      }
      return flashAndRedirect(request, reply, `/cases/${outcome.caseId}`, {
        heading: `Request added to case ${outcome.reference}`,
      });
    },
  );

  // A request that came by email or letter, recorded with the day it arrived.
  const recordForm = (actor: NonNullable<FastifyRequest['actor']>) => ({
    authorities: actor.staff.map((s) => ({
      value: s.localAuthorityId,
      text: s.localAuthorityName,
    })),
    kinds: Object.entries(REQUESTER_KINDS).map(([value, text]) => ({ value, text })),
  });

  app.get('/requests/new', { config: { policy: 'staff' } }, async (request, reply) =>
    reply.render('requests/record-request.njk', { ...recordForm(request.actor!), values: {} }),
  );

  app.post('/requests/new', { config: { policy: 'staff' } }, async (request, reply) => {
    const actor = request.actor!;
    const result = parseForm(recordedRequestSchema(actor), request.body);
    if (!result.ok) {
      return renderBadRequest(
        reply,
        'requests/record-request.njk',
        result,
        request.body,
        recordForm(actor),
      );
    }
    const recorded = await requests.recordRequest(db, result.value, {
      ...auditContextOf(request),
      actorUserId: actor.userId,
    });
    return flashAndRedirect(request, reply, `/requests/${recorded.id}`, {
      heading: `Request ${recorded.reference} recorded`,
      body: 'Add scans of the letter or the email’s attachments below.',
    });
  });

  app.get(
    '/requests/:requestId/documents/:documentId',
    { config: { policy: 'staff' } },
    async (request, reply) => {
      const params = z
        .object({ requestId: z.uuid(), documentId: z.uuid() })
        .safeParse(request.params);
      if (!params.success) throw new NotFoundError('No such document');
      const document = await requests.downloadDocument(
        db,
        storage,
        request.actor!,
        params.data,
        auditContextOf(request),
      );
      if (!document) throw new NotFoundError('No such document');
      return sendAttachment(reply, document);
    },
  );
}
