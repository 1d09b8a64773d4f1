import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Services } from '../../services.ts';
import { STAGES, STAGE_DEFINITIONS } from '../../domain/pathway/stages.ts';
import { NotFoundError } from '../../policy/route-policy.ts';
import { auditContextOf } from '../../web/request-context.ts';
import { paginationLinks } from '../../web/pagination.ts';
import * as cases from './service.ts';

const pageNumber = z.coerce.number().int().min(1).max(100_000).default(1);
const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value);

const trayQuerySchema = z.object({
  stage: z.preprocess(emptyAsUndefined, z.enum(STAGES).optional()),
  officer: z.preprocess(emptyAsUndefined, z.union([z.literal('unassigned'), z.uuid()]).optional()),
  la: z.preprocess(emptyAsUndefined, z.uuid().optional()),
  page: z.preprocess(emptyAsUndefined, pageNumber),
});

const caseParamsSchema = z.object({ caseId: z.uuid() });
const pageQuerySchema = z.object({ page: z.preprocess(emptyAsUndefined, pageNumber) });

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
    if (filter.la && !actor.staff.some((s) => s.localAuthorityId === filter.la)) {
      throw new BadQueryError('Not one of your local authorities');
    }
    const tray = await cases.caseworkerTray(
      db,
      actor,
      {
        localAuthorityId: filter.la,
        stage: filter.stage,
        officer: filter.officer,
        page: filter.page,
      },
      auditContextOf(request),
    );
    const hrefFor = (page: number) => {
      const params = new URLSearchParams();
      if (filter.la) params.set('la', filter.la);
      if (filter.stage) params.set('stage', filter.stage);
      if (filter.officer) params.set('officer', filter.officer);
      params.set('page', String(page));
      return `/cases?${params.toString()}`;
    };
    return reply.render('cases/tray.njk', {
      ...tray,
      filter,
      page: filter.page,
      pagination: paginationLinks(filter.page, tray.pageCount, hrefFor),
      authorities: actor.staff,
      stages: STAGES.map((value) => ({ value, text: STAGE_DEFINITIONS[value].label })),
    });
  });

  app.get('/cases/:caseId', { config: { policy: 'case:view' } }, async (request, reply) => {
    const { caseId } = caseParamsSchema.parse(request.params);
    const overview = await cases.viewCase(db, caseId, auditContextOf(request));
    if (!overview) throw new NotFoundError('No such case');
    const canSeeAccessLog = request.actor!.staff.some(
      (s) => s.role === 'admin' && s.localAuthorityId === request.caseAccess?.localAuthorityId,
    );
    const viewerIsStaff = request.actor!.staff.some(
      (s) => s.localAuthorityId === request.caseAccess?.localAuthorityId,
    );
    return reply.render('cases/case.njk', { caseView: overview, canSeeAccessLog, viewerIsStaff });
  });

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
