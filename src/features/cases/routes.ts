import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Services } from '../../services.ts';
import { STAGES, STAGE_DEFINITIONS } from '../../domain/pathway/stages.ts';
import { label } from '../../domain/labels.ts';
import { audienceOf, canViewCaseAccessLog, isStaffOf } from '../../policy/policy.ts';
import { NotFoundError } from '../../web/route-policy.ts';
import { auditContextOf } from '../../web/request-context.ts';
import { dateFromParts, formError, parseForm, renderBadRequest } from '../../web/forms.ts';
import { isCalendarDate, todayInEngland } from '../../domain/clock/calendar-date.ts';
import type { LimitName } from '../../domain/clock/deadlines.ts';
import {
  EXCEPTION_LIMITS,
  EXCEPTION_REASONS,
  REASONS_FOR_LIMIT,
  type ExceptionReason,
} from '../../domain/clock/exceptions.ts';
import { paginationLinks } from '../../web/pagination.ts';
import * as cases from './service.ts';
import { trayRowsHtml } from './tray-rows.ts';

const pageNumber = z.coerce.number().int().min(1).max(100_000).default(1);
const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value);

const trayQuerySchema = z.object({
  stage: z.preprocess(emptyAsUndefined, z.enum(STAGES).optional()),
  officer: z.preprocess(
    emptyAsUndefined,
    z.union([z.literal('unassigned'), z.literal('mine'), z.uuid()]).optional(),
  ),
  officerName: z.preprocess(emptyAsUndefined, z.string().trim().max(100).optional()),
  la: z.preprocess(emptyAsUndefined, z.uuid().optional()),
  due: z.preprocess(emptyAsUndefined, z.enum(['overdue', 'due-soon']).optional()),
  page: z.preprocess(emptyAsUndefined, pageNumber),
});

const caseParamsSchema = z.object({ caseId: z.uuid() });
const pageQuerySchema = z.object({ page: z.preprocess(emptyAsUndefined, pageNumber) });

const exceptionSchema = z.preprocess(
  (body) => {
    const value = (body ?? {}) as Record<string, unknown>;
    return { ...value, occurredOn: dateFromParts(value, 'occurredOn') };
  },
  z.object({
    limit: z.enum(
      Object.keys(EXCEPTION_LIMITS) as [LimitName, ...LimitName[]],
      'Select the time limit',
    ),
    reason: z.enum(
      Object.keys(EXCEPTION_REASONS) as [ExceptionReason, ...ExceptionReason[]],
      'Select the reason',
    ),
    occurredOn: z
      .string()
      .min(1, 'Enter the date the circumstances began, for example 27 3 2026')
      .refine(isCalendarDate, 'The date must be a real date, for example 27 3 2026')
      .refine((d) => d <= todayInEngland(), 'The date must be today or in the past'),
    details: z
      .string({ error: 'Enter what happened and what evidence you hold' })
      .trim()
      .min(1, 'Enter what happened and what evidence you hold')
      .max(2000, 'What happened must be 2,000 characters or fewer'),
  }),
);

const OFFICER_SELECT_LIMIT = 30;

class BadQueryError extends Error {
  statusCode = 400;
}

export async function caseRoutes(app: FastifyInstance, services: Services) {
  const { db } = services;

  app.get('/your-cases', { config: { policy: 'signed-in' } }, async (request, reply) => {
    const yourCases = await cases.casesForParticipant(db, request.actor!, auditContextOf(request));
    return reply.render('cases/your-cases.njk', { cases: yourCases });
  });

  app.get('/cases', { config: { policy: 'staff' } }, async (request, reply) => {
    const parsed = trayQuerySchema.safeParse(request.query);
    if (!parsed.success) throw new BadQueryError('Bad tray filter');
    const filter = parsed.data;
    const actor = request.actor!;
    if (filter.la && !isStaffOf(actor, filter.la)) {
      throw new BadQueryError('Not one of your local authorities');
    }
    const tray = await cases.caseworkerTray(
      db,
      actor,
      {
        localAuthorityId: filter.la,
        stage: filter.stage,
        officer: filter.officer === 'mine' ? actor.userId : filter.officer,
        officerName: filter.officerName,
        due: filter.due,
        page: filter.page,
      },
      auditContextOf(request),
    );
    // Beyond this many officers a select is hard to use (and weighs on every tray page): the
    // tray offers "Your cases" and "Not assigned", and a box to find officers by name.
    const officerByName = tray.officers.length > OFFICER_SELECT_LIMIT;
    const hrefFor = (page: number) => {
      const params = new URLSearchParams();
      if (filter.la) params.set('la', filter.la);
      if (filter.stage) params.set('stage', filter.stage);
      if (filter.officer) params.set('officer', filter.officer);
      if (filter.officerName) params.set('officerName', filter.officerName);
      if (filter.due) params.set('due', filter.due);
      params.set('page', String(page));
      return `/cases?${params.toString()}`;
    };
    return reply.render('cases/tray.njk', {
      ...tray,
      rowsHtml: trayRowsHtml(tray.cases),
      officerNameFilter: officerByName,
      filter,
      page: filter.page,
      pagination: paginationLinks(filter.page, tray.pageCount, hrefFor),
      filterSelects: [
        ...(actor.staff.length > 1
          ? [
              {
                name: 'la',
                label: 'Council',
                items: [
                  { value: '', text: 'All your councils' },
                  ...actor.staff.map((a) => ({
                    value: a.localAuthorityId,
                    text: a.localAuthorityName,
                    selected: filter.la === a.localAuthorityId,
                  })),
                ],
              },
            ]
          : []),
        {
          name: 'stage',
          label: 'Stage',
          items: [
            { value: '', text: 'All stages' },
            ...STAGES.map((value) => ({
              value,
              text: STAGE_DEFINITIONS[value].label,
              selected: filter.stage === value,
            })),
          ],
        },
        {
          name: 'officer',
          label: 'Officer',
          items: [
            { value: '', text: 'All officers' },
            { value: 'mine', text: 'Your cases', selected: filter.officer === 'mine' },
            {
              value: 'unassigned',
              text: 'Not assigned',
              selected: filter.officer === 'unassigned',
            },
            // A large LA's officers are found by name instead (see officerNameFilter).
            ...tray.officers
              .filter((o) => !officerByName || filter.officer === o.id)
              .map((o) => ({
                value: o.id,
                text: o.display_name,
                selected: filter.officer === o.id,
              })),
          ],
        },
        {
          name: 'due',
          label: 'Next step',
          items: [
            { value: '', text: 'Any date' },
            {
              value: 'overdue',
              text: label('deadlineStatus', 'overdue'),
              selected: filter.due === 'overdue',
            },
            {
              value: 'due-soon',
              text: label('deadlineStatus', 'due-soon'),
              selected: filter.due === 'due-soon',
            },
          ],
        },
      ],
    });
  });

  app.get('/cases/:caseId', { config: { policy: 'case:view' } }, async (request, reply) => {
    const { caseId } = caseParamsSchema.parse(request.params);
    const overview = await cases.viewCase(db, caseId, auditContextOf(request));
    if (!overview) throw new NotFoundError('No such case');
    const canSeeAccessLog = canViewCaseAccessLog(request.actor!, request.caseAccess!);
    const audience = audienceOf(request.actor!, request.caseAccess!);
    return reply.render('cases/case.njk', {
      caseView: overview,
      canSeeAccessLog,
      viewerIsStaff: audience === 'la',
      audience,
      stage: request.caseAccess!.stage,
    });
  });

  const exceptionForm = (caseId: string) => ({
    caseId,
    limits: Object.entries(EXCEPTION_LIMITS)
      .filter(([limit]) => REASONS_FOR_LIMIT[limit as LimitName].length > 0)
      .map(([value, text]) => ({ value, text })),
    reasons: Object.entries(EXCEPTION_REASONS).map(([value, text]) => ({ value, text })),
  });

  app.get(
    '/cases/:caseId/exceptions/new',
    { config: { policy: 'case:manage' } },
    async (request, reply) => {
      const { caseId } = caseParamsSchema.parse(request.params);
      return reply.render('cases/record-exception.njk', { ...exceptionForm(caseId), values: {} });
    },
  );

  app.post(
    '/cases/:caseId/exceptions/new',
    { config: { policy: 'case:manage' } },
    async (request, reply) => {
      const { caseId } = caseParamsSchema.parse(request.params);
      const form = parseForm(exceptionSchema, request.body);
      if (!form.ok) {
        return renderBadRequest(
          reply,
          'cases/record-exception.njk',
          form,
          request.body,
          exceptionForm(caseId),
        );
      }
      const outcome = await cases.recordException(db, services.notifier, caseId, form.value, {
        ...auditContextOf(request),
        actorUserId: request.actor!.userId,
      });
      if (outcome === 'not-found') throw new NotFoundError('No such case');
      if (outcome === 'reason-not-allowed') {
        return renderBadRequest(
          reply,
          'cases/record-exception.njk',
          formError('reason', 'That reason does not apply to this time limit'),
          request.body,
          exceptionForm(caseId),
        );
      }
      request.session.data.flash = {
        heading: 'Exception recorded',
        body: 'A late step against this time limit now shows as excused.',
      };
      request.session.changed();
      return reply.redirect(`/cases/${caseId}`, 303);
    },
  );

  app.get(
    '/cases/:caseId/access-log',
    { config: { policy: 'case:access-log' } },
    async (request, reply) => {
      const { caseId } = caseParamsSchema.parse(request.params);
      const parsed = pageQuerySchema.safeParse(request.query);
      if (!parsed.success) throw new BadQueryError('Bad page number');
      const log = await cases.caseAccessLog(db, caseId, parsed.data.page, auditContextOf(request));
      if (!log) throw new NotFoundError('No such case');
      return reply.render('cases/access-log.njk', {
        log,
        pagination: paginationLinks(
          parsed.data.page,
          log.pageCount,
          (p) => `/cases/${caseId}/access-log?page=${p}`,
        ),
      });
    },
  );
}
