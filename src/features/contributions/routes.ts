import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Services } from '../../services.ts';
import { formatLongDate, todayInEngland } from '../../domain/clock/calendar-date.ts';
import { NotFoundError } from '../../web/route-policy.ts';
import { auditContextOf } from '../../web/request-context.ts';
import { flashAndRedirect, formError, parseForm, type FormErrors } from '../../web/forms.ts';
import {
  acceptUploads,
  multipartFields,
  uploadedFile,
  UPLOAD_BODY_LIMIT,
} from '../../web/uploads.ts';
import {
  CONTRIBUTION_FORMS,
  DEFAULT_SHARING,
  FILE_DEFAULT_SHARING,
  MAX_ANSWER_LENGTH,
  SHARING_CHOICES,
  answersOf,
  contributionSchema,
  formBySlug,
  type ContributionForm,
  type SharingChoice,
  type Voice,
} from './questions.ts';
import * as contributions from './service.ts';

const caseParams = z.object({ caseId: z.uuid() });
const kindParams = z.object({ caseId: z.uuid(), kind: z.string() });
const family = { config: { policy: 'case:family' as const } };

const hubPath = (caseId: string) => `/cases/${caseId}/your-views`;

/** A moment as the day it fell on in England: "4 June 2026". */
const dayOf = (moment: Date) => formatLongDate(todayInEngland(moment));

const SHARING_WORDS: Record<SharingChoice, { text: string; hint: string }> = {
  everyone: {
    text: 'Everyone on the case',
    hint: 'The council, your family, the school or college and the professionals giving advice. Everyone then works from one shared picture.',
  },
  la_and_family: {
    text: 'The council and your family only',
    hint: 'The school or college and the professionals giving advice will not see it.',
  },
};

const sharingItems = () => SHARING_CHOICES.map((value) => ({ value, ...SHARING_WORDS[value] }));

/** Who sees a draft: the whole family on the case shares it (the family's views are one). */
const DRAFT_SHARED =
  'You and your family on this case can see and change this draft. The council and others see it only once it is sent.';

/** The number of times a contribution had been sent when its page was shown (hidden field). */
const expectedSendsOf = (value: unknown): number | null =>
  typeof value === 'string' && /^\d{1,6}$/.test(value) ? Number(value) : null;

/** The task list's status for one contribution. */
function statusView(summary: contributions.ContributionSummary, open: boolean) {
  if (summary.status === 'not_started') {
    return open
      ? { tag: { text: 'Not started', classes: 'govuk-tag--blue' } }
      : { text: 'Not sent' };
  }
  if (summary.status === 'draft') {
    const saved = `Draft saved on ${dayOf(summary.updatedAt!)}`;
    return open ? { tag: { text: saved, classes: 'govuk-tag--light-blue' } } : { text: 'Not sent' };
  }
  const sent = `Sent on ${dayOf(summary.submittedAt!)}`;
  return summary.unsentChanges && open
    ? { tag: { text: `${sent}, changes not sent`, classes: 'govuk-tag--yellow' } }
    : { text: sent };
}

const LENGTH_NOTE = `You can write up to ${MAX_ANSWER_LENGTH.toLocaleString('en-GB')} characters for each question.`;

export async function contributionRoutes(app: FastifyInstance, services: Services) {
  const { db, notifier, storage, scanner } = services;

  async function headingFor(caseId: string, voice: Voice) {
    const heading = await contributions.caseHeading(db, caseId);
    if (!heading) throw new NotFoundError('No such case');
    return voice === 'self'
      ? `Case ${heading.reference}`
      : `${heading.childName}, case ${heading.reference}`;
  }

  /** Every page showing the family's views is recorded in the audit log. */
  async function auditViewed(request: FastifyRequest, caseId: string, kind?: string) {
    await contributions.viewsViewed(db, auditContextOf(request), {
      caseId,
      localAuthorityId: request.caseAccess!.localAuthorityId,
      kind,
    });
  }

  app.get('/cases/:caseId/your-views', family, async (request, reply) => {
    const { caseId } = caseParams.parse(request.params);
    await auditViewed(request, caseId);
    const stage = request.caseAccess!.stage;
    const open = contributions.isOpenForViews(stage);
    const voice = await contributions.voiceOnCase(db, caseId, request.actor!.userId);
    const caption = await headingFor(caseId, voice);
    const summaries = await contributions.contributionsOfCase(db, caseId, voice);
    return reply.render('contributions/hub.njk', {
      caseId,
      caption,
      voice,
      open,
      closedMessage: open ? null : contributions.closedMessage(stage),
      items: summaries.map((s) => ({
        title: { text: s.label },
        hint: { text: CONTRIBUTION_FORMS[s.kind].purpose[voice] },
        href: `${hubPath(caseId)}/${s.slug}`,
        status: statusView(s, open),
      })),
    });
  });

  function formOf(request: FastifyRequest): { caseId: string; form: ContributionForm } {
    const params = kindParams.safeParse(request.params);
    const form = params.success ? formBySlug(params.data.kind) : null;
    if (!params.success || !form) throw new NotFoundError('No such page');
    return { caseId: params.data.caseId, form };
  }

  /** A contribution's page: the form while it may change, what was sent once it may not. */
  async function renderContribution(
    request: FastifyRequest,
    reply: FastifyReply,
    caseId: string,
    form: ContributionForm,
    shown: { errors?: FormErrors; values?: Record<string, unknown> } = {},
  ) {
    const stage = request.caseAccess!.stage;
    const open = contributions.isOpenForViews(stage);
    const voice = await contributions.voiceOnCase(db, caseId, request.actor!.userId);
    const page = await contributions.contributionPage(db, caseId, form);
    const errors = shown.errors;
    return reply.render('contributions/contribution.njk', {
      caseId,
      caption: await headingFor(caseId, voice),
      hubHref: hubPath(caseId),
      actionHref: `${hubPath(caseId)}/${form.slug}`,
      uploadHref: `${hubPath(caseId)}/${form.slug}/upload`,
      form: {
        slug: form.slug,
        label: form.label[voice],
        intro: form.intro[voice],
        takesFiles: form.takesFiles,
      },
      voice,
      lengthNote: LENGTH_NOTE,
      maxLength: MAX_ANSWER_LENGTH,
      questions: form.questions.map((q) => ({
        name: q.name,
        label: q.label[voice],
        hint: q.hint?.[voice] || undefined,
      })),
      values: shown.values ?? {
        ...page.answers,
        visibility: page.visibility ?? DEFAULT_SHARING,
      },
      sharingItems: sharingItems(),
      open,
      closedMessage: open ? null : contributions.closedMessage(stage),
      submittedOn: page.submittedAt ? dayOf(page.submittedAt) : null,
      unsentChanges: page.unsentChanges,
      timesSent: page.timesSent,
      draftShared: DRAFT_SHARED,
      lastSaved:
        page.status !== 'not_started' && page.updatedAt && page.updatedByName
          ? { by: page.updatedByName, on: dayOf(page.updatedAt) }
          : null,
      sentRestricted: page.sentRestricted,
      sentDocument: page.sentDocument
        ? {
            bodyHtml: page.sentDocument.body_html,
            visibility: page.sentDocument.visibility,
          }
        : null,
      fileDefaultSharing: FILE_DEFAULT_SHARING,
      files: page.files.map((f) => ({
        href: `/cases/${caseId}/documents/${f.id}`,
        name: f.file_name,
        addedOn: dayOf(f.created_at),
        sizeKb: Math.max(1, Math.ceil((f.size_bytes ?? 0) / 1024)),
        visibility: f.visibility,
      })),
      errors,
      errorList: errors ? Object.values(errors) : undefined,
    });
  }

  /** A change refused because the draft plan (or a later stage) has been reached. */
  function refuseClosed(
    request: FastifyRequest,
    reply: FastifyReply,
    caseId: string,
    form: ContributionForm,
  ) {
    const message = contributions.closedMessage(request.caseAccess!.stage);
    return renderContribution(request, reply.code(400), caseId, form, {
      errors: { form: { text: message, href: '#views-closed' } },
    });
  }

  app.get('/cases/:caseId/your-views/:kind', family, async (request, reply) => {
    const { caseId, form } = formOf(request);
    await auditViewed(request, caseId, form.kind);
    return renderContribution(request, reply, caseId, form);
  });

  app.post('/cases/:caseId/your-views/:kind', family, async (request, reply) => {
    const { caseId, form } = formOf(request);
    if (!contributions.isOpenForViews(request.caseAccess!.stage)) {
      return refuseClosed(request, reply, caseId, form);
    }
    const actor = request.actor!;
    const body = (request.body ?? {}) as Record<string, unknown>;
    const action = body.action === 'submit' ? 'submit' : 'save';
    const voice = await contributions.voiceOnCase(db, caseId, actor.userId);
    const page = await contributions.contributionPage(db, caseId, form);
    const result = parseForm(
      contributionSchema(form, voice, action, page.files.length > 0),
      request.body,
    );
    const rerender = (errors: { errors: FormErrors }) =>
      renderContribution(request, reply.code(400), caseId, form, {
        errors: errors.errors,
        values: body,
      });
    if (!result.ok) return rerender(result);
    const answers = answersOf(form, result.value);
    const visibility = (result.value.visibility as SharingChoice | undefined) ?? null;
    const context = { ...auditContextOf(request), actorUserId: actor.userId };

    if (action === 'save') {
      const saved = await contributions.saveDraft(
        db,
        { caseId, form, answers, visibility, userId: actor.userId },
        context,
      );
      if (saved === 'not-found') throw new NotFoundError('No such case');
      if (saved === 'closed') return refuseClosed(request, reply, caseId, form);
      return flashAndRedirect(request, reply, hubPath(caseId), {
        heading: 'Draft saved',
        body: `${form.label[voice]}: you and your family on this case can see and change the draft. The council and others see it only once it is sent.`,
      });
    }

    const expectedSends = expectedSendsOf(body.expectedSends);
    if (expectedSends === null) {
      // Not from the page as it is now: show it again, with what was typed, to send from.
      return renderContribution(request, reply.code(400), caseId, form, {
        errors: {
          form: {
            text: 'This page was out of date. Check your answers and send again.',
            href: '#send',
          },
        },
        values: body,
      });
    }

    const sent = await contributions.submitContribution(
      db,
      notifier,
      {
        caseId,
        form,
        voice,
        answers,
        visibility: visibility ?? DEFAULT_SHARING,
        userId: actor.userId,
        authorName: actor.displayName,
        expectedSends,
      },
      context,
    );
    if (sent.outcome === 'not-found') throw new NotFoundError('No such case');
    if (sent.outcome === 'closed') return refuseClosed(request, reply, caseId, form);
    if (sent.outcome === 'already-sent') {
      return flashAndRedirect(request, reply, `${hubPath(caseId)}/${form.slug}`, {
        heading: 'This was already sent',
        body: `${form.label[voice]}: it was sent to the council after this page was shown (perhaps by a double click, or by someone else in your family), so it was not sent twice. Check the answers below: to change them, send it again.`,
      });
    }
    return flashAndRedirect(request, reply, hubPath(caseId), {
      heading: sent.again ? 'Sent to the council again' : 'Sent to the council',
      body: sent.again
        ? `${form.label[voice]}: the council has your new version. It keeps the earlier version too.`
        : `${form.label[voice]}: the council has it. You can change it and send it again until the draft plan.`,
    });
  });

  // Pictures, drawings, a recording's transcript or documents for the child's views: one file
  // per upload, in a scope of its own with the multipart parser and a page-shaped refusal.
  void app.register(async (uploads) => {
    const childViews = CONTRIBUTION_FORMS.child_views;
    const fileError = (text: string) => formError('upload', text);

    await acceptUploads(uploads, async (request, reply, text) => {
      const { caseId } = caseParams.parse(request.params);
      return renderContribution(request, reply, caseId, childViews, fileError(text));
    });

    uploads.post(
      '/cases/:caseId/your-views/child-views/upload',
      { ...family, bodyLimit: UPLOAD_BODY_LIMIT },
      async (request, reply) => {
        const { caseId } = caseParams.parse(request.params);
        if (!contributions.isOpenForViews(request.caseAccess!.stage)) {
          return refuseClosed(request, reply, caseId, childViews);
        }
        const actor = request.actor!;
        const fields = multipartFields(request.body);
        const visibility = z
          .enum(SHARING_CHOICES)
          .default(FILE_DEFAULT_SHARING)
          .safeParse(fields.visibility || undefined);
        if (!visibility.success) {
          return renderContribution(
            request,
            reply.code(400),
            caseId,
            childViews,
            formError('fileVisibility', 'Select who can see the file'),
          );
        }
        const file = await uploadedFile(request.body, 'upload');
        if (!file) {
          return renderContribution(
            request,
            reply.code(400),
            caseId,
            childViews,
            fileError('Select a picture or document'),
          );
        }
        const outcome = await contributions.addChildViewsFile(
          db,
          { storage, scanner },
          {
            caseId,
            voice: await contributions.voiceOnCase(db, caseId, actor.userId),
            visibility: visibility.data,
            userId: actor.userId,
            authorName: actor.displayName,
            file,
          },
          { ...auditContextOf(request), actorUserId: actor.userId },
        );
        if (!outcome.ok) {
          if ('closed' in outcome) return refuseClosed(request, reply, caseId, childViews);
          return renderContribution(
            request,
            reply.code(400),
            caseId,
            childViews,
            fileError(outcome.message),
          );
        }
        return flashAndRedirect(request, reply, `${hubPath(caseId)}/${childViews.slug}#files`, {
          heading: 'File uploaded',
          body: 'It is on the case now. Send your views to the council (again) to list it with them.',
        });
      },
    );
  });
}
