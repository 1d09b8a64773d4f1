import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Services } from '../../services.ts';
import { isCalendarDate, todayInEngland } from '../../domain/clock/calendar-date.ts';
import { audienceOf } from '../../policy/policy.ts';
import { NotFoundError } from '../../web/route-policy.ts';
import { dateFromParts, flashAndRedirect, parseForm, type FormErrors } from '../../web/forms.ts';
import { auditContextOf } from '../../web/request-context.ts';
import {
  acceptUploads,
  multipartFields,
  sendAttachment,
  uploadedFile,
  UPLOAD_BODY_LIMIT,
} from '../../web/uploads.ts';
import {
  DOCUMENT_KINDS,
  DOCUMENT_KIND_LABELS,
  VISIBILITIES,
  VISIBILITY_LABELS,
} from '../../domain/documents.ts';
import {
  caseSummaryOf,
  changeVisibility,
  documentsOnCase,
  openCaseDocument,
  refusedDocumentOwner,
  uploadDocument,
} from './service.ts';

const caseParams = z.object({ caseId: z.uuid() });
const documentParams = caseParams.extend({ documentId: z.uuid() });

const visibilityFields = {
  visibility: z.enum(VISIBILITIES, 'Select who may see the document'),
  visibilityReason: z
    .string()
    .trim()
    .max(500, 'The reason must be 500 characters or fewer')
    .optional(),
};
const needsReason = (v: { visibility: string; visibilityReason?: string | undefined }) =>
  v.visibility !== 'la_only' || Boolean(v.visibilityReason);
const REASON_MESSAGE = {
  path: ['visibilityReason'],
  message: 'Enter why the family and advisers may not see it',
  // Checked even when other fields have errors, so every problem shows at once.
  when: () => true,
};

const uploadSchema = z.preprocess(
  (body) => ({
    ...(body as Record<string, unknown>),
    documentDate: dateFromParts(body, 'documentDate'),
  }),
  z
    .object({
      kind: z.enum(DOCUMENT_KINDS, 'Select the type of document'),
      title: z
        .string({ error: 'Enter a title' })
        .trim()
        .min(1, 'Enter a title')
        .max(200, 'The title must be 200 characters or fewer'),
      authorName: z
        .string({ error: 'Enter who wrote it' })
        .trim()
        .min(1, 'Enter who wrote it')
        .max(200, 'Who wrote it must be 200 characters or fewer'),
      documentDate: z
        .string()
        .min(1, 'Enter the date of the document, for example 27 3 2026')
        .refine(isCalendarDate, 'The date must be a real date, for example 27 3 2026')
        .refine((d) => d <= todayInEngland(), 'The date must be today or in the past'),
      ...visibilityFields,
    })
    .refine(needsReason, REASON_MESSAGE),
);

const visibilitySchema = z.object(visibilityFields).refine(needsReason, REASON_MESSAGE);

const kinds = DOCUMENT_KINDS.map((value) => ({ value, text: DOCUMENT_KIND_LABELS[value] }));
const visibilities = VISIBILITIES.map((value) => ({ value, text: VISIBILITY_LABELS[value] }));

/**
 * Documents on a case: the list each viewer may see, a document's page (letters and written
 * views and advice are shown as pages), downloads, uploads by the LA, and who may see each.
 */
export async function documentRoutes(app: FastifyInstance, services: Services) {
  const { db, storage, scanner } = services;

  async function caseSummary(caseId: string) {
    const found = await caseSummaryOf(db, caseId);
    if (!found) throw new NotFoundError('No such case');
    return found;
  }

  app.get(
    '/cases/:caseId/documents',
    { config: { policy: 'case:view' } },
    async (request, reply) => {
      const { caseId } = caseParams.parse(request.params);
      const audience = audienceOf(request.actor!, request.caseAccess!);
      const listed = await documentsOnCase(db, caseId, audience, auditContextOf(request));
      if (!listed) throw new NotFoundError('No such case');
      return reply.render('documents/list.njk', {
        caseId,
        reference: listed.reference,
        audience,
        documents: listed.documents,
      });
    },
  );

  async function renderUpload(
    reply: FastifyReply,
    caseId: string,
    extra: { errors?: FormErrors; values?: Record<string, unknown> } = {},
  ) {
    const found = await caseSummary(caseId);
    const errors = extra.errors;
    return reply.render('documents/upload.njk', {
      caseId,
      reference: found.reference,
      kinds,
      visibilities,
      values: extra.values ?? { visibility: 'everyone' },
      errors,
      errorList: errors ? Object.values(errors) : undefined,
    });
  }

  app.get(
    '/cases/:caseId/documents/new',
    { config: { policy: 'case:manage' } },
    async (request, reply) => {
      const { caseId } = caseParams.parse(request.params);
      return renderUpload(reply, caseId);
    },
  );

  void app.register(async (uploads) => {
    await acceptUploads(
      uploads,
      async (request, reply, text) => {
        const { caseId } = caseParams.parse(request.params);
        return renderUpload(reply, caseId, { errors: { document: { text, href: '#document' } } });
      },
      { fields: 12 },
    );

    uploads.post(
      '/cases/:caseId/documents/new',
      { config: { policy: 'case:manage' }, bodyLimit: UPLOAD_BODY_LIMIT },
      async (request, reply) => {
        const { caseId } = caseParams.parse(request.params);
        const fields = multipartFields(request.body);
        const form = parseForm(uploadSchema, fields);
        const file = await uploadedFile(request.body, 'document');
        const errors: FormErrors = form.ok ? {} : { ...form.errors };
        if (!file) errors.document = { text: 'Select a file', href: '#document' };
        if (!form.ok || !file) {
          return renderUpload(reply.code(400), caseId, { errors, values: fields });
        }
        const actor = request.actor!;
        const outcome = await uploadDocument(
          db,
          { storage, scanner },
          {
            caseId,
            kind: form.value.kind,
            title: form.value.title,
            authorName: form.value.authorName,
            authorUserId: null,
            documentDate: form.value.documentDate,
            visibility: form.value.visibility,
            visibilityReason: form.value.visibilityReason ?? null,
            addedBy: actor.userId,
          },
          file,
          auditContextOf(request),
        );
        if (!outcome.ok) {
          return renderUpload(reply.code(400), caseId, {
            errors: { document: { text: outcome.message, href: '#document' } },
            values: fields,
          });
        }
        return flashAndRedirect(request, reply, `/cases/${caseId}/documents`, {
          heading: 'Document added',
          body: `${VISIBILITY_LABELS[form.value.visibility]} can see it.`,
        });
      },
    );
  });

  async function openDocument(request: FastifyRequest, download: boolean) {
    const params = documentParams.safeParse(request.params);
    if (!params.success) throw new NotFoundError('No such document');
    const audience = audienceOf(request.actor!, request.caseAccess!);
    const opened = await openCaseDocument(
      db,
      storage,
      params.data,
      audience,
      auditContextOf(request),
      download,
    );
    if (!opened) {
      // The same 404 either way; a document that exists (on another case, or hidden from this
      // audience) is a refusal, audited against the case it belongs to.
      throw new NotFoundError(
        'No such document',
        await refusedDocumentOwner(db, params.data, audience),
      );
    }
    return { ...opened, audience, ...params.data };
  }

  app.get(
    '/cases/:caseId/documents/:documentId',
    { config: { policy: 'case:view' } },
    async (request, reply) => {
      const { document, audience, caseId } = await openDocument(request, false);
      return reply.render('documents/document.njk', {
        caseId,
        audience,
        document,
        visibilities,
        values: { visibility: document.visibility, visibilityReason: document.visibility_reason },
      });
    },
  );

  app.get(
    '/cases/:caseId/documents/:documentId/download',
    { config: { policy: 'case:view' } },
    async (request, reply) => {
      const { document, data } = await openDocument(request, true);
      return sendAttachment(reply, {
        data: data!,
        fileName: document.file_name!,
        contentType: document.content_type!,
      });
    },
  );

  app.post(
    '/cases/:caseId/documents/:documentId/visibility',
    { config: { policy: 'case:manage' } },
    async (request, reply) => {
      const params = documentParams.safeParse(request.params);
      if (!params.success) throw new NotFoundError('No such document');
      const form = parseForm(visibilitySchema, request.body);
      const { caseId, documentId } = params.data;
      const refuse = async (errors: FormErrors) => {
        const { document } = await openDocument(request, false);
        return reply.code(400).render('documents/document.njk', {
          caseId,
          audience: 'la',
          document,
          visibilities,
          values: request.body,
          errors,
          errorList: Object.values(errors),
        });
      };
      if (!form.ok) return refuse(form.errors);
      const changed = await changeVisibility(
        db,
        params.data,
        { visibility: form.value.visibility, reason: form.value.visibilityReason ?? null },
        auditContextOf(request),
      );
      if (changed === 'not-found') throw new NotFoundError('No such document');
      if (changed === 'only-the-author') {
        return refuse({
          visibility: {
            text: 'Only the person who wrote it can share it more widely: ask them',
            href: '#visibility',
          },
        });
      }
      return flashAndRedirect(request, reply, `/cases/${caseId}/documents/${documentId}`, {
        heading: 'Who can see it has changed',
        body: `${VISIBILITY_LABELS[form.value.visibility]} can see it now.`,
      });
    },
  );
}
