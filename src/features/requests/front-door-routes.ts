import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Services } from '../../services.ts';
import { NotFoundError } from '../../web/route-policy.ts';
import { addressKey } from '../../web/address-key.ts';
import { parseForm, renderBadRequest, type FormErrors } from '../../web/forms.ts';
import { auditContextOf } from '../../web/request-context.ts';
import { acceptUploads, uploadedFile, UPLOAD_BODY_LIMIT } from '../../web/uploads.ts';
import { MAX_UPLOADS_PER_REQUEST } from '../../web/upload-checks/uploads.ts';
import {
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
import * as requests from './service.ts';

/**
 * The public front door: anyone, with or without an account, asks the council for an EHC needs
 * assessment. The question journey, drafts saved for later, evidence, checking the answers and
 * the confirmation.
 */

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

export async function frontDoorRoutes(app: FastifyInstance, services: Services) {
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
}
