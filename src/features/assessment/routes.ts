import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Services } from '../../services.ts';
import { ADVISER_KINDS, ADVISER_KIND_LABELS } from '../../domain/people.ts';
import { audienceOf, canDecideOnCase, isOwnRecommendation } from '../../policy/policy.ts';
import { NotFoundError } from '../../web/route-policy.ts';
import { flashAndRedirect, formError, parseForm, renderBadRequest } from '../../web/forms.ts';
import { emailsPerHour } from '../../web/rate-limit-store.ts';
import { auditContextOf } from '../../web/request-context.ts';
import { optionalEmailAddress } from '../../web/form-fields.ts';
import { label } from '../../domain/labels.ts';
import * as decisions from './decisions.ts';
import { journeyOf } from './journey.ts';
import * as participants from './participants.ts';

const caseParams = z.object({ caseId: z.uuid() });
const participantParams = caseParams.extend({ participantId: z.uuid() });
const suggestionParams = caseParams.extend({ suggestionId: z.uuid() });
const questionParams = caseParams.extend({ question: z.enum(['assess', 'issue-plan']) });

/** A route's parameters, or 404 when one is not what it must be (a malformed id). */
function paramsOf<T>(schema: z.ZodType<T>, params: unknown): T {
  const parsed = schema.safeParse(params);
  if (!parsed.success) throw new NotFoundError('No such page');
  return parsed.data;
}

const text = (required: string, max: number, what: string) =>
  z
    .string({ error: required })
    .trim()
    .min(1, required)
    .max(max, `${what} must be ${max.toLocaleString('en-GB')} characters or fewer`);
const optionalText = (max: number, what: string) =>
  z
    .string()
    .trim()
    .max(max, `${what} must be ${max.toLocaleString('en-GB')} characters or fewer`)
    .optional()
    .transform((v) => (v ? v : null));

const emailAddress = z
  .string({ error: 'Enter their email address' })
  .trim()
  .min(1, 'Enter their email address')
  .max(254, 'Email address must be 254 characters or fewer')
  .pipe(z.email('Enter an email address in the correct format, like name@example.com'))
  .transform((e) => e.toLowerCase());

const ROLE_LABELS: Record<participants.InvitableRole, string> = {
  parent_carer: 'Parent or carer',
  young_person: 'Young person (the person the case is about, aged 16 or over)',
  setting: 'The school, college or early years setting',
  adviser: 'Adviser (a professional giving advice)',
  independent_supporter: 'Independent supporter (helps the family through the process)',
};

const inviteSchema = z
  .object({
    role: z.enum(participants.INVITABLE_ROLES, 'Select the person’s role in the case'),
    adviserKind: z.preprocess((v) => (v === '' ? undefined : v), z.enum(ADVISER_KINDS).optional()),
    organisationId: z.preprocess((v) => (v === '' ? undefined : v), z.uuid().optional()),
    name: z.string().trim().max(200, 'Name must be 200 characters or fewer').optional(),
    email: z.string().trim().max(254, 'Email address must be 254 characters or fewer').optional(),
  })
  .superRefine((value, ctx) => {
    if (value.role === 'setting') {
      if (!value.organisationId) {
        ctx.addIssue({ code: 'custom', path: ['organisationId'], message: 'Select the setting' });
      }
      return;
    }
    if (value.role === 'adviser' && !value.adviserKind) {
      ctx.addIssue({
        code: 'custom',
        path: ['adviserKind'],
        message: 'Select what kind of adviser they are',
      });
    }
    if (!value.name) {
      ctx.addIssue({ code: 'custom', path: ['name'], message: 'Enter the person’s full name' });
    }
    const email = emailAddress.safeParse(value.email ?? '');
    if (!email.success) {
      ctx.addIssue({
        code: 'custom',
        path: ['email'],
        message: email.error.issues[0]?.message ?? 'Enter an email address',
      });
    }
  })
  .transform((value): participants.Invitee => ({
    role: value.role,
    adviserKind: value.role === 'adviser' ? (value.adviserKind ?? null) : null,
    organisationId: value.role === 'setting' ? (value.organisationId ?? null) : null,
    name: value.name ?? '',
    email: value.role === 'setting' ? null : emailAddress.parse(value.email ?? ''),
  }));

const endSchema = z.object({
  reason: text('Enter why they no longer take part', 500, 'The reason'),
});

const suggestSchema = z.object({
  name: text('Enter their name', 200, 'Their name'),
  roleDescription: text(
    'Enter who they are, for example “speech and language therapist”',
    200,
    'Who they are',
  ),
  email: optionalEmailAddress.transform((v) => v || null),
  reason: text('Enter why you would like them added', 2000, 'Why you would like them added'),
});

const suggestionDecisionSchema = z
  .object({
    status: z.enum(['added', 'declined'], 'Select whether you will add them'),
    note: optionalText(2000, 'The reason'),
  })
  .refine((v) => v.status === 'added' || v.note, {
    path: ['note'],
    message: 'Enter why you will not add them: the family will see it',
  })
  .transform((v) => ({ status: v.status, note: v.note ?? '' }));

const recommendSchema = z.object({
  informationConsidered: text(
    'Enter the information considered',
    5000,
    'The information considered',
  ),
  recommendation: z.enum(['yes', 'no'], 'Select your recommendation'),
  recommendationReasons: text('Enter the reasons for your recommendation', 5000, 'The reasons'),
});

const decideSchema = z
  .object({
    outcome: z.enum(['yes', 'no'], 'Select the decision'),
    reasons: text('Enter the reasons for the decision', 5000, 'The reasons'),
    supportOffered: optionalText(3000, 'The support that follows'),
  })
  .refine((v) => v.outcome === 'yes' || v.supportOffered, {
    path: ['supportOffered'],
    message: 'Enter the support that will follow: the letter must say',
  })
  .transform((v): decisions.Decision => ({
    outcome: v.outcome,
    reasons: v.reasons,
    supportOffered: v.outcome === 'no' ? v.supportOffered : null,
  }));

const questionOf = (slug: 'assess' | 'issue-plan'): decisions.Question =>
  slug === 'assess' ? 'assess' : 'issue_plan';

export async function assessmentRoutes(app: FastifyInstance, services: Services) {
  const { db, notifier, storage, caseReads } = services;
  const contextOf = (request: FastifyRequest) => ({
    ...auditContextOf(request),
    actorUserId: request.actor!.userId,
  });

  // ---- Who is involved ------------------------------------------------------------------

  async function renderPeople(request: FastifyRequest, reply: FastifyReply, caseId: string) {
    const audience = audienceOf(request.actor!, request.caseAccess!);
    const people = await participants.peoplePage(
      db,
      caseId,
      audience,
      request.actor!.userId,
      auditContextOf(request),
    );
    if (!people) throw new NotFoundError('No such case');
    return reply.render('assessment/people.njk', { caseId, audience, ...people });
  }

  app.get('/cases/:caseId/people', { config: { policy: 'case:view' } }, async (request, reply) => {
    const { caseId } = caseParams.parse(request.params);
    return renderPeople(request, reply, caseId);
  });

  async function inviteForm(caseId: string) {
    const choices = await participants.inviteChoices(db, caseId);
    if (!choices) throw new NotFoundError('No such case');
    const { reference, settings } = choices;
    return {
      caseId,
      reference,
      roles: participants.INVITABLE_ROLES.map((value) => ({ value, text: ROLE_LABELS[value] })),
      adviserKinds: ADVISER_KINDS.map((value) => ({ value, text: ADVISER_KIND_LABELS[value] })),
      settings: settings.map((s) => ({
        value: s.id,
        text: s.urn ? `${s.name} (URN ${s.urn})` : s.name,
      })),
    };
  }

  app.get(
    '/cases/:caseId/people/invite',
    { config: { policy: 'case:manage' } },
    async (request, reply) => {
      const { caseId } = caseParams.parse(request.params);
      return reply.render('assessment/invite.njk', { ...(await inviteForm(caseId)), values: {} });
    },
  );

  app.post(
    '/cases/:caseId/people/invite',
    { config: { policy: 'case:manage', rateLimit: emailsPerHour(60) } },
    async (request, reply) => {
      const { caseId } = caseParams.parse(request.params);
      const form = parseForm(inviteSchema, request.body);
      const again = async (result: Parameters<typeof renderBadRequest>[2]) =>
        renderBadRequest(
          reply,
          'assessment/invite.njk',
          result,
          request.body,
          await inviteForm(caseId),
        );
      if (!form.ok) return again(form);
      const outcome = await participants.inviteToCase(
        db,
        notifier,
        caseId,
        form.value,
        contextOf(request),
      );
      switch (outcome.outcome) {
        case 'not-found':
          throw new NotFoundError('No such case');
        case 'not-a-setting':
          return again(formError('organisationId', 'Select a setting from the list'));
        case 'already-on-case':
          return again(
            form.value.role === 'setting'
              ? formError('organisationId', 'That setting already takes part in this case')
              : formError('email', 'That person already takes part in this case'),
          );
        case 'account-disabled':
          return again(formError('email', 'That person’s account is closed: ask an administrator'));
        case 'added':
        case 'invited':
          return flashAndRedirect(request, reply, `/cases/${caseId}/people`, {
            heading:
              outcome.outcome === 'added'
                ? `${outcome.name} added to the case`
                : `${outcome.name} has been invited`,
            body:
              form.value.role === 'setting'
                ? 'Everyone there who uses Pathway can see the case now, and has been told.'
                : outcome.outcome === 'added'
                  ? 'They already use Pathway: they can see the case now, and have been told. You can ask them for advice now.'
                  : 'They have been emailed. You can ask them for advice now.',
          });
      }
    },
  );

  app.get(
    '/cases/:caseId/people/:participantId/end',
    { config: { policy: 'case:manage' } },
    async (request, reply) => {
      const { caseId, participantId } = paramsOf(participantParams, request.params);
      return renderEnd(reply, caseId, participantId, {});
    },
  );

  async function renderEnd(
    reply: FastifyReply,
    caseId: string,
    participantId: string,
    extra: Record<string, unknown>,
  ) {
    const participant = await participants.participantToEnd(db, caseId, participantId, {
      ...auditContextOf(reply.request),
      localAuthorityId: reply.request.caseAccess!.localAuthorityId,
    });
    if (!participant) throw new NotFoundError('No such participant');
    return reply.render('assessment/end-participation.njk', {
      caseId,
      name: participant.name,
      values: {},
      ...extra,
    });
  }

  app.post(
    '/cases/:caseId/people/:participantId/end',
    { config: { policy: 'case:manage' } },
    async (request, reply) => {
      const { caseId, participantId } = paramsOf(participantParams, request.params);
      const form = parseForm(endSchema, request.body);
      if (!form.ok) {
        return renderEnd(reply.code(400), caseId, participantId, {
          errors: form.errors,
          errorList: form.errorList,
          values: request.body,
        });
      }
      const outcome = await participants.endParticipation(
        db,
        notifier,
        caseId,
        participantId,
        form.value.reason,
        contextOf(request),
      );
      if (outcome === 'not-found') throw new NotFoundError('No such participant');
      return flashAndRedirect(request, reply, `/cases/${caseId}/people`, {
        heading: 'Access ended',
        body: 'They can no longer see the case. What they did on it stays in its history.',
      });
    },
  );

  app.get(
    '/cases/:caseId/people/suggest',
    { config: { policy: 'case:family' } },
    async (request, reply) => {
      const { caseId } = caseParams.parse(request.params);
      return reply.render('assessment/suggest.njk', { caseId, values: {} });
    },
  );

  app.post(
    '/cases/:caseId/people/suggest',
    { config: { policy: 'case:family' } },
    async (request, reply) => {
      const { caseId } = caseParams.parse(request.params);
      const form = parseForm(suggestSchema, request.body);
      if (!form.ok) {
        return renderBadRequest(reply, 'assessment/suggest.njk', form, request.body, { caseId });
      }
      const outcome = await participants.suggestParticipant(
        db,
        notifier,
        caseId,
        form.value,
        contextOf(request),
      );
      if (outcome === 'not-found') throw new NotFoundError('No such case');
      return flashAndRedirect(request, reply, `/cases/${caseId}/people`, {
        heading: 'Your request has been sent',
        body: 'Your caseworker will decide whether to add them, and you will be told either way.',
      });
    },
  );

  app.post(
    '/cases/:caseId/people/suggestions/:suggestionId',
    { config: { policy: 'case:manage' } },
    async (request, reply) => {
      const { caseId, suggestionId } = paramsOf(suggestionParams, request.params);
      const form = parseForm(suggestionDecisionSchema, request.body);
      if (!form.ok) {
        const audience = audienceOf(request.actor!, request.caseAccess!);
        const people = await participants.peoplePage(
          db,
          caseId,
          audience,
          request.actor!.userId,
          null,
        );
        return renderBadRequest(
          reply,
          'assessment/people.njk',
          {
            errors: Object.fromEntries(
              Object.entries(form.errors).map(([k, v]) => [
                `${k}-${suggestionId}`,
                { ...v, href: `#${k}-${suggestionId}` },
              ]),
            ),
            errorList: form.errorList.map((e) => ({ ...e, href: `${e.href}-${suggestionId}` })),
          },
          request.body,
          { caseId, audience, ...people, suggestionId },
        );
      }
      const outcome = await participants.decideSuggestion(
        db,
        notifier,
        caseId,
        suggestionId,
        form.value,
        contextOf(request),
      );
      if (outcome === 'not-found') throw new NotFoundError('No such suggestion');
      return flashAndRedirect(request, reply, `/cases/${caseId}/people`, {
        heading: 'The family has been told your decision',
        ...(form.value.status === 'added'
          ? { body: 'Now invite them to the case, or ask them for advice.' }
          : {}),
      });
    },
  );

  // ---- The family's journey -------------------------------------------------------------

  app.get('/cases/:caseId/journey', { config: { policy: 'case:view' } }, async (request, reply) => {
    const { caseId } = caseParams.parse(request.params);
    const audience = audienceOf(request.actor!, request.caseAccess!);
    const journey = await journeyOf(db, caseId, audience, auditContextOf(request), caseReads);
    if (!journey) throw new NotFoundError('No such case');
    return reply.render('assessment/journey.njk', { journey, audience });
  });

  // ---- Decisions ------------------------------------------------------------------------

  async function renderDecision(
    request: FastifyRequest,
    reply: FastifyReply,
    caseId: string,
    slug: 'assess' | 'issue-plan',
    extra: Record<string, unknown> = {},
  ) {
    const question = questionOf(slug);
    const page = await decisions.decisionPage(
      db,
      caseId,
      question,
      auditContextOf(request),
      caseReads,
    );
    if (!page) throw new NotFoundError('No such case');
    const { found, advice } = page;
    return reply.render('assessment/decision.njk', {
      caseId,
      slug,
      question,
      found,
      advice,
      adviceOutstanding: advice?.filter((a) => a.status === 'requested').length ?? 0,
      atStage: found.case.stage === decisions.QUESTIONS[question].from,
      canDecide: canDecideOnCase(request.actor!, request.caseAccess!),
      recommendedByYou: isOwnRecommendation(request.actor!.userId, found.decision),
      values: {},
      ...extra,
    });
  }

  app.get(
    '/cases/:caseId/decisions/:question',
    { config: { policy: 'case:manage' } },
    async (request, reply) => {
      const parsed = questionParams.safeParse(request.params);
      if (!parsed.success) throw new NotFoundError('No such decision');
      return renderDecision(request, reply, parsed.data.caseId, parsed.data.question);
    },
  );

  app.post(
    '/cases/:caseId/decisions/:question/recommendation',
    { config: { policy: 'case:manage' } },
    async (request, reply) => {
      const parsed = questionParams.safeParse(request.params);
      if (!parsed.success) throw new NotFoundError('No such decision');
      const { caseId, question: slug } = parsed.data;
      const form = parseForm(recommendSchema, request.body);
      const again = (result: { errors: Record<string, unknown>; errorList: unknown[] }) =>
        renderDecision(request, reply.code(400), caseId, slug, {
          errors: result.errors,
          errorList: result.errorList,
          values: request.body,
          form: 'recommendation',
        });
      if (!form.ok) return again(form);
      const outcome = await decisions.recommend(
        db,
        notifier,
        caseId,
        questionOf(slug),
        {
          informationConsidered: form.value.informationConsidered,
          recommendation: form.value.recommendation,
          reasons: form.value.recommendationReasons,
        },
        contextOf(request),
      );
      if (outcome === 'not-found') throw new NotFoundError('No such case');
      if (outcome === 'wrong-stage' || outcome === 'already-decided') {
        return again(
          formError(
            'recommendation',
            outcome === 'already-decided'
              ? 'This decision has already been made'
              : 'The case is not at this stage any more',
          ),
        );
      }
      return flashAndRedirect(request, reply, `/cases/${caseId}/decisions/${slug}`, {
        heading: 'Recommendation recorded',
        body: 'A decision maker can now record the decision.',
      });
    },
  );

  app.post(
    '/cases/:caseId/decisions/:question',
    { config: { policy: 'case:decide' } },
    async (request, reply) => {
      const parsed = questionParams.safeParse(request.params);
      if (!parsed.success) throw new NotFoundError('No such decision');
      const { caseId, question: slug } = parsed.data;
      const form = parseForm(decideSchema, request.body);
      const again = (result: { errors: Record<string, unknown>; errorList: unknown[] }) =>
        renderDecision(request, reply.code(400), caseId, slug, {
          errors: result.errors,
          errorList: result.errorList,
          values: request.body,
          form: 'decision',
        });
      if (!form.ok) return again(form);
      const outcome = await decisions.decide(
        db,
        storage,
        notifier,
        caseId,
        questionOf(slug),
        form.value,
        { ...contextOf(request), actorName: request.actor!.displayName },
      );
      switch (outcome.outcome) {
        case 'not-found':
          throw new NotFoundError('No such case');
        case 'no-recommendation':
          return again(formError('outcome', 'A caseworker must record a recommendation first'));
        case 'recommended-by-you':
          return again(
            formError(
              'outcome',
              'You made the recommendation, so another decision maker must record the decision',
            ),
          );
        case 'already-decided':
          return again(formError('outcome', 'This decision has already been made'));
        case 'wrong-stage':
          return again(formError('outcome', 'The case is not at this stage any more'));
        case 'decided':
          return flashAndRedirect(
            request,
            reply,
            outcome.letterDocumentId
              ? `/cases/${caseId}/documents/${outcome.letterDocumentId}`
              : `/cases/${caseId}`,
            {
              heading: 'Decision recorded',
              body: [
                outcome.familyTold === 0
                  ? 'No one from the family uses Pathway yet, so they have not been told: send them the letter by post or email today (download the PDF below).'
                  : outcome.letterDocumentId
                    ? 'The letter below is on the case. The family and everyone on the case have been told.'
                    : 'The family and everyone on the case have been told.',
                ...(outcome.partiesNotTold.length > 0
                  ? [
                      `No one from ${decisions.listInWords(outcome.partiesNotTold.map((party) => label('noticeParty', party)))} takes part in this case on Pathway: tell them of the decision another way (reg 4(2)). The case’s timeline lists this as a task.`,
                    ]
                  : []),
              ].join(' '),
            },
          );
      }
    },
  );
}
