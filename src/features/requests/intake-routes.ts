import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  addDays,
  formatLongDate,
  isCalendarDate,
  todayInEngland,
} from '../../domain/clock/calendar-date.ts';
import type { Services } from '../../services.ts';
import { staffAuthorities } from '../../policy/policy.ts';
import { NotFoundError } from '../../web/route-policy.ts';
import { optionalEmailAddress } from '../../web/form-fields.ts';
import {
  dateFromParts,
  flashAndRedirect,
  parseForm,
  renderBadRequest,
  type FormErrors,
} from '../../web/forms.ts';
import { emailsPerHour } from '../../web/rate-limit-store.ts';
import { auditContextOf } from '../../web/request-context.ts';
import {
  acceptUploads,
  sendAttachment,
  uploadedFile,
  UPLOAD_BODY_LIMIT,
} from '../../web/uploads.ts';
import { REQUESTER_KINDS, ageOn, hasRightToRequest } from './questions.ts';
import * as requests from './service.ts';

/**
 * The LA's intake: the tray of new requests, a request as the LA sees it, requests that came by
 * email or letter recorded by hand, their scans, and turning a request into a case (a new one,
 * or one the child already has).
 */

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
      localAuthorityId: z.enum(staffAuthorities(actor) as [string, ...string[]], {
        error: 'Select the council',
      }),
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

const requestParams = z.object({ requestId: z.uuid() });

export async function intakeRoutes(app: FastifyInstance, services: Services) {
  const { db, notifier, storage, scanner } = services;

  // The LA's intake: new requests, each turned into a case by a caseworker.
  app.get('/requests', { config: { policy: 'staff' } }, async (request, reply) => {
    const rows = await requests.newRequests(db, request.actor!, auditContextOf(request));
    return reply.render('requests/intake.njk', { requests: rows, kinds: REQUESTER_KINDS });
  });

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
      const outcome = await requests.attachRequestToCase(
        db,
        notifier,
        requestId,
        result.value.caseId,
        {
          ...auditContextOf(request),
          actorUserId: request.actor!.userId,
        },
      );
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

  // A scan of a letter, or an email's attachment, added by the LA's staff: one file per
  // upload, as GOV.UK's file upload pattern asks; the form is multipart, so this route gets its
  // own body parser and a page-shaped answer to a file too large.
  void app.register(async (uploads) => {
    await acceptUploads(uploads, async (request, reply, text) => {
      const requestId = requestParams.safeParse(request.params);
      if (!requestId.success) throw new NotFoundError('No such request');
      return renderRequest(request, reply, requestId.data.requestId, {
        document: { text, href: '#document' },
      });
    });

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
}
