import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Services } from '../../services.ts';
import {
  ORGANISATION_KINDS,
  ORGANISATION_KIND_LABELS,
  SETTING_PHASES,
  SETTING_PHASE_LABELS,
  STAFF_ROLES,
  STAFF_ROLE_LABELS,
} from '../../domain/people.ts';
import { administeredAuthorities, authorityToAdminister } from '../../policy/policy.ts';
import { ForbiddenError, NotFoundError } from '../../web/route-policy.ts';
import {
  formatDayAndDate,
  isCalendarDate,
  todayInEngland,
} from '../../domain/clock/calendar-date.ts';
import { dateFromParts, formError, parseForm, renderBadRequest } from '../../web/forms.ts';
import { emailsPerHour } from '../../web/rate-limit-store.ts';
import { auditContextOf } from '../../web/request-context.ts';
import * as admin from './service.ts';
import * as closures from './closure-days.ts';
import { auditLogRoutes } from './audit-log.ts';
import {
  MESSAGE_KIND_LABELS,
  renderMessage,
  sampleMessages,
  type MessageKind,
} from '../../case/email/messages.ts';

const laAdmin = { config: { policy: 'la-admin' as const } };
/** An administrator's form that sends email, limited per address (issue 14). */
const laAdminSending = (max: number) => ({
  config: { policy: 'la-admin' as const, rateLimit: emailsPerHour(max) },
});

const emailField = z
  .string('Enter an email address')
  .trim()
  .min(1, 'Enter an email address')
  .max(254, 'Email address must be 254 characters or fewer')
  .pipe(z.email('Enter an email address in the correct format, like name@example.com'));

const roleField = z.enum(STAFF_ROLES, 'Select a role');

const staffInvitationSchema = z.object({ email: emailField, role: roleField });
const roleSchema = z.object({ role: roleField });
const organisationInvitationSchema = z.object({ email: emailField });

/** An optional text field: missing and blank both become ''. */
const optionalText = z
  .string()
  .optional()
  .transform((value) => (value ?? '').trim());

const organisationSchema = z
  .object({
    name: z
      .string('Enter the name of the organisation')
      .trim()
      .min(1, 'Enter the name of the organisation')
      .max(200, 'Name must be 200 characters or fewer'),
    kind: z.enum(ORGANISATION_KINDS, 'Select the type of organisation'),
    urn: optionalText
      .pipe(z.string().regex(/^(\d{6,7})?$/, 'URN must be 6 or 7 numbers'))
      .transform((value) => value || null),
    ukprn: optionalText
      .pipe(z.string().regex(/^(1\d{7})?$/, 'UKPRN must be 8 numbers starting with 1'))
      .transform((value) => value || null),
    phase: optionalText
      .pipe(z.union([z.literal(''), z.enum(SETTING_PHASES)], 'Select the phase'))
      .transform((value) => value || null),
  })
  .superRefine((organisation, context) => {
    if (organisation.kind === 'education_setting' && !organisation.phase) {
      context.addIssue({ code: 'custom', path: ['phase'], message: 'Select the phase' });
    }
  });

const closureDaySchema = z.preprocess(
  (body) => ({
    ...((body ?? {}) as Record<string, unknown>),
    closedOn: dateFromParts(body, 'closedOn'),
  }),
  z.object({
    closedOn: z
      .string()
      .min(1, 'Enter the date, for example 29 12 2026')
      .refine(isCalendarDate, 'The date must be a real date, for example 29 12 2026'),
    description: z
      .string('Enter the reason for the closure')
      .trim()
      .min(1, 'Enter the reason for the closure')
      .max(200, 'Reason must be 200 characters or fewer'),
  }),
);
const testEmailSchema = z.object({ email: emailField });
const emailParams = z.object({ emailId: z.guid() });
const MESSAGE_KINDS = Object.keys(MESSAGE_KIND_LABELS) as MessageKind[];
const templateParams = z.object({ kind: z.enum(MESSAGE_KINDS) });

const closureDayParams = z.object({ closedOn: z.string().refine(isCalendarDate) });

const userParams = z.object({ userId: z.guid() });
const organisationParams = z.object({ organisationId: z.guid() });
const membershipParams = z.object({ organisationId: z.guid(), membershipId: z.guid() });

/** Ids in the address that are not ids name nothing that exists. */
function paramsOf<S extends z.ZodType>(schema: S, request: FastifyRequest): z.infer<S> {
  const result = schema.safeParse(request.params);
  if (!result.success) throw new NotFoundError('No such record');
  return result.data;
}

type Scope = admin.AdminScope & {
  /** Appended to every admin link, so an administrator of several LAs stays in the one chosen. */
  query: string;
  /** The LAs this administrator can switch between, when more than one. */
  authorities: { localAuthorityName: string; href: string; current: boolean }[];
};

/**
 * The LA an administrator is acting for: the one named by ?la= when they administer several,
 * otherwise their first. Naming an LA they do not administer is refused.
 */
function scopeOf(request: FastifyRequest): Scope {
  const actor = request.actor!;
  const administered = administeredAuthorities(actor);
  const requested = (request.query as Record<string, unknown> | undefined)?.la;
  const localAuthorityId = authorityToAdminister(actor, requested);
  if (!localAuthorityId) {
    throw new ForbiddenError(
      requested === undefined
        ? 'Not an administrator'
        : 'Not an administrator of that local authority',
    );
  }
  const nameOf = (id: string) =>
    actor.staff.find((s) => s.localAuthorityId === id)?.localAuthorityName ?? '';
  const several = administered.length > 1;
  return {
    localAuthorityId,
    localAuthorityName: nameOf(localAuthorityId),
    query: several ? `?la=${encodeURIComponent(localAuthorityId)}` : '',
    authorities: several
      ? administered.map((id) => ({
          localAuthorityName: nameOf(id),
          href: `/admin?la=${encodeURIComponent(id)}`,
          current: id === localAuthorityId,
        }))
      : [],
  };
}

function flash(request: FastifyRequest, heading: string, body: string) {
  request.session.data.flash = { heading, body };
  request.session.changed();
}

const roleItems = STAFF_ROLES.map((value) => ({ value, text: STAFF_ROLE_LABELS[value] }));
const kindItems = ORGANISATION_KINDS.map((value) => ({
  value,
  text: ORGANISATION_KIND_LABELS[value],
}));
const phaseItems = SETTING_PHASES.map((value) => ({ value, text: SETTING_PHASE_LABELS[value] }));

export async function adminRoutes(app: FastifyInstance, services: Services) {
  const { db } = services;
  const sender: admin.InvitationSender = {
    jobs: services.jobs,
    baseUrl: services.config.baseUrl,
  };

  app.get('/admin', laAdmin, async (request, reply) => {
    return reply.render('admin/home.njk', { scope: scopeOf(request) });
  });

  app.get('/admin/users', laAdmin, async (request, reply) => {
    const scope = scopeOf(request);
    const overview = await admin.staffOverview(db, scope.localAuthorityId);
    return reply.render('admin/users.njk', { scope, ...overview });
  });

  app.get('/admin/users/invite', laAdmin, async (request, reply) => {
    return reply.render('admin/invite-staff.njk', {
      scope: scopeOf(request),
      roles: roleItems,
      values: {},
    });
  });

  app.post('/admin/users/invite', laAdminSending(60), async (request, reply) => {
    const scope = scopeOf(request);
    const context = { scope, roles: roleItems };
    const form = parseForm(staffInvitationSchema, request.body);
    if (!form.ok)
      return renderBadRequest(reply, 'admin/invite-staff.njk', form, request.body, context);
    const result = await admin.inviteStaff(db, sender, scope, form.value, auditContextOf(request));
    if (result.outcome === 'already-staff') {
      return renderBadRequest(
        reply,
        'admin/invite-staff.njk',
        formError('email', 'This person is already a member of staff'),
        request.body,
        context,
      );
    }
    flash(request, 'Invitation sent', `We have sent an invitation to ${result.email}`);
    return reply.redirect(`/admin/users${scope.query}`, 303);
  });

  async function staffMemberPage(request: FastifyRequest) {
    const scope = scopeOf(request);
    const { userId } = paramsOf(userParams, request);
    const member = await admin.staffMember(db, scope.localAuthorityId, userId);
    if (!member) throw new NotFoundError('No such member of staff');
    return { scope, member, isSelf: userId === request.actor!.userId, roles: roleItems };
  }

  app.get('/admin/users/:userId', laAdmin, async (request, reply) => {
    const page = await staffMemberPage(request);
    return reply.render('admin/user.njk', { ...page, values: { role: page.member.role } });
  });

  app.post('/admin/users/:userId/role', laAdmin, async (request, reply) => {
    const page = await staffMemberPage(request);
    const refuse = (message: string) =>
      renderBadRequest(reply, 'admin/user.njk', formError('role', message), request.body, page);
    if (page.isSelf) return refuse('You cannot change your own role');
    const form = parseForm(roleSchema, request.body);
    if (!form.ok) return renderBadRequest(reply, 'admin/user.njk', form, request.body, page);
    const outcome = await admin.changeStaffRole(
      db,
      page.scope.localAuthorityId,
      page.member.userId,
      form.value.role,
      auditContextOf(request),
    );
    if (outcome === 'not-found') throw new NotFoundError('No such member of staff');
    if (outcome === 'own-role') return refuse('You cannot change your own role');
    if (outcome === 'last-admin') return refuse('There must be at least one administrator');
    if (outcome === 'changed') {
      flash(
        request,
        'Role changed',
        `${page.member.name} is now: ${STAFF_ROLE_LABELS[form.value.role]}`,
      );
    }
    return reply.redirect(`/admin/users/${page.member.userId}${page.scope.query}`, 303);
  });

  app.get('/admin/users/:userId/remove', laAdmin, async (request, reply) => {
    const page = await staffMemberPage(request);
    return reply.render('admin/remove-user.njk', {
      ...page,
      cannotRemove: page.isSelf ? 'You cannot remove yourself' : null,
    });
  });

  app.post('/admin/users/:userId/remove', laAdmin, async (request, reply) => {
    const page = await staffMemberPage(request);
    const refuse = (message: string) =>
      reply.code(400).render('admin/remove-user.njk', { ...page, cannotRemove: message });
    if (page.isSelf) return refuse('You cannot remove yourself');
    const outcome = await admin.removeStaffMember(
      db,
      page.scope.localAuthorityId,
      page.member.userId,
      auditContextOf(request),
    );
    if (outcome === 'not-found') throw new NotFoundError('No such member of staff');
    if (outcome === 'self') return refuse('You cannot remove yourself');
    if (outcome === 'last-admin') return refuse('There must be at least one administrator');
    flash(
      request,
      'Member of staff removed',
      `${page.member.name} no longer has access to ${page.scope.localAuthorityName}`,
    );
    return reply.redirect(`/admin/users${page.scope.query}`, 303);
  });

  app.get('/admin/organisations', laAdmin, async (request, reply) => {
    const scope = scopeOf(request);
    const organisations = await admin.organisationList(db, scope.localAuthorityId);
    return reply.render('admin/organisations.njk', {
      scope,
      organisations,
      limitReached: organisations.length >= admin.ORGANISATION_LIST_LIMIT,
      limit: admin.ORGANISATION_LIST_LIMIT,
    });
  });

  const organisationFormContext = (scope: Scope) => ({
    scope,
    kinds: kindItems,
    phases: phaseItems,
  });

  app.get('/admin/organisations/new', laAdmin, async (request, reply) => {
    return reply.render('admin/new-organisation.njk', {
      ...organisationFormContext(scopeOf(request)),
      values: {},
    });
  });

  app.post('/admin/organisations/new', laAdmin, async (request, reply) => {
    const scope = scopeOf(request);
    const context = organisationFormContext(scope);
    const form = parseForm(organisationSchema, request.body);
    if (!form.ok)
      return renderBadRequest(reply, 'admin/new-organisation.njk', form, request.body, context);
    const result = await admin.addOrganisation(
      db,
      scope.localAuthorityId,
      form.value,
      auditContextOf(request),
    );
    if (result.outcome !== 'added') {
      const problem =
        result.outcome === 'duplicate-urn'
          ? formError('urn', 'An organisation with this URN already exists')
          : formError('ukprn', 'An organisation with this UKPRN already exists');
      return renderBadRequest(reply, 'admin/new-organisation.njk', problem, request.body, context);
    }
    flash(request, 'Organisation added', `${form.value.name} has been added`);
    return reply.redirect(`/admin/organisations/${result.organisationId}${scope.query}`, 303);
  });

  async function organisationPage(request: FastifyRequest) {
    const scope = scopeOf(request);
    const { organisationId } = paramsOf(organisationParams, request);
    const details = await admin.organisationDetails(db, scope.localAuthorityId, organisationId);
    if (!details) throw new NotFoundError('No such organisation');
    return { scope, ...details };
  }

  app.get('/admin/organisations/:organisationId', laAdmin, async (request, reply) => {
    return reply.render('admin/organisation.njk', {
      ...(await organisationPage(request)),
      values: {},
    });
  });

  app.post(
    '/admin/organisations/:organisationId/invite',
    laAdminSending(60),
    async (request, reply) => {
      const page = await organisationPage(request);
      const form = parseForm(organisationInvitationSchema, request.body);
      if (!form.ok)
        return renderBadRequest(reply, 'admin/organisation.njk', form, request.body, page);
      const result = await admin.inviteToOrganisation(
        db,
        sender,
        page.scope.localAuthorityId,
        page.organisation.organisationId,
        form.value,
        auditContextOf(request),
      );
      if (result.outcome === 'not-found') throw new NotFoundError('No such organisation');
      if (result.outcome === 'already-member') {
        return renderBadRequest(
          reply,
          'admin/organisation.njk',
          formError('email', 'This person is already a member of this organisation'),
          request.body,
          page,
        );
      }
      flash(request, 'Invitation sent', `We have sent an invitation to ${result.email}`);
      return redirectToOrganisation(reply, page.scope, page.organisation.organisationId);
    },
  );

  app.post(
    '/admin/organisations/:organisationId/members/:membershipId/end',
    laAdmin,
    async (request, reply) => {
      const scope = scopeOf(request);
      const { organisationId, membershipId } = paramsOf(membershipParams, request);
      const result = await admin.endOrganisationMembership(
        db,
        scope.localAuthorityId,
        organisationId,
        membershipId,
        auditContextOf(request),
      );
      if (result.outcome === 'not-found') throw new NotFoundError('No such membership');
      flash(
        request,
        'Access removed',
        `${result.memberName} is no longer a member of this organisation`,
      );
      return redirectToOrganisation(reply, scope, organisationId);
    },
  );

  await closureDayRoutes(app, services);
  await messageRoutes(app, services);
  await auditLogRoutes(app, services, scopeOf);
}

/** Email for the LA: messages that could not be sent, a test message, the templates. */
async function messageRoutes(app: FastifyInstance, services: Services) {
  const { db, jobs } = services;

  async function messagesPage(request: FastifyRequest) {
    const scope = scopeOf(request);
    const failed = await admin.failedEmailsOf(db, scope.localAuthorityId);
    return {
      scope,
      failed: failed.map((f) => ({
        ...f,
        kindLabel: MESSAGE_KIND_LABELS[f.kind as MessageKind] ?? f.kind,
      })),
      templates: MESSAGE_KINDS.map((kind) => ({ kind, label: MESSAGE_KIND_LABELS[kind] })),
      mailer: services.mailer.name,
    };
  }

  app.get('/admin/messages', laAdmin, async (request, reply) => {
    const page = await messagesPage(request);
    // The administrator's own address, to send the first test to.
    return reply.render('admin/messages.njk', { ...page, values: { email: request.actor!.email } });
  });

  app.post('/admin/messages/test', laAdminSending(10), async (request, reply) => {
    const form = parseForm(testEmailSchema, request.body);
    if (!form.ok) {
      return renderBadRequest(
        reply,
        'admin/messages.njk',
        form,
        request.body,
        await messagesPage(request),
      );
    }
    const scope = scopeOf(request);
    await admin.sendTestMessage(db, jobs, {
      to: form.value.email,
      sentBy: `an administrator of ${scope.localAuthorityName}`,
      localAuthorityId: scope.localAuthorityId,
    });
    flash(
      request,
      'Test email queued',
      `We are sending a test email to ${form.value.email}. If it does not arrive, it will be listed below as not sent, with the reason.`,
    );
    return reply.redirect(`/admin/messages${scope.query}`, 303);
  });

  app.post('/admin/messages/:emailId/retry', laAdminSending(60), async (request, reply) => {
    const scope = scopeOf(request);
    const { emailId } = paramsOf(emailParams, request);
    const retried = await admin.retryEmail(db, jobs, scope.localAuthorityId, emailId);
    if (!retried) throw new NotFoundError('No such failed message');
    flash(request, 'Message queued again', 'We will try to send it again now.');
    return reply.redirect(`/admin/messages${scope.query}`, 303);
  });

  app.get('/admin/messages/templates/:kind', laAdmin, async (request, reply) => {
    const scope = scopeOf(request);
    const { kind } = paramsOf(templateParams, request);
    const samples = sampleMessages(services.config.baseUrl);
    const rendered = renderMessage(kind, samples[kind] as never);
    return reply.render('admin/message-template.njk', {
      scope,
      label: MESSAGE_KIND_LABELS[kind],
      rendered,
    });
  });
}

async function closureDayRoutes(app: FastifyInstance, services: Services) {
  const { db } = services;

  app.get('/admin/closure-days', laAdmin, async (request, reply) => {
    const scope = scopeOf(request);
    const days = await closures.listClosureDays(db, scope.localAuthorityId, todayInEngland());
    return reply.render('admin/closure-days.njk', { scope, ...days });
  });

  app.get('/admin/closure-days/new', laAdmin, async (request, reply) => {
    return reply.render('admin/new-closure-day.njk', { scope: scopeOf(request), values: {} });
  });

  app.post('/admin/closure-days/new', laAdmin, async (request, reply) => {
    const scope = scopeOf(request);
    const template = 'admin/new-closure-day.njk';
    const form = parseForm(closureDaySchema, request.body);
    if (!form.ok) return renderBadRequest(reply, template, form, request.body, { scope });
    const { closedOn, description } = form.value;
    const problem = closures.closureDayProblem(closedOn, todayInEngland());
    if (problem) {
      return renderBadRequest(reply, template, formError('closedOn', problem), request.body, {
        scope,
      });
    }
    const result = await closures.addClosureDay(
      db,
      scope.localAuthorityId,
      { closedOn, description },
      auditContextOf(request),
    );
    if (result.outcome === 'exists') {
      return renderBadRequest(
        reply,
        template,
        formError('closedOn', 'This date is already a closure day'),
        request.body,
        { scope },
      );
    }
    flash(request, 'Closure day added', `${formatDayAndDate(closedOn)} is now a closure day`);
    return reply.redirect(`/admin/closure-days${scope.query}`, 303);
  });

  app.post('/admin/closure-days/:closedOn/remove', laAdmin, async (request, reply) => {
    const scope = scopeOf(request);
    const { closedOn } = paramsOf(closureDayParams, request);
    const outcome = await closures.removeClosureDay(
      db,
      scope.localAuthorityId,
      closedOn,
      todayInEngland(),
      auditContextOf(request),
    );
    if (outcome === 'not-found') throw new NotFoundError('No such closure day');
    if (outcome === 'past') throw new ForbiddenError('Past closure days cannot be removed');
    flash(request, 'Closure day removed', `${formatDayAndDate(closedOn)} is a working day again`);
    return reply.redirect(`/admin/closure-days${scope.query}`, 303);
  });
}

function redirectToOrganisation(reply: FastifyReply, scope: Scope, organisationId: string) {
  return reply.redirect(`/admin/organisations/${organisationId}${scope.query}`, 303);
}
