import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Services } from '../../services.ts';
import type { RefusalReason } from '../../audit/audit.ts';
import { NotFoundError } from '../../web/route-policy.ts';
import { paginationLinks } from '../../web/pagination.ts';
import { auditLogOf, type AdminScope } from './service.ts';

export const AUDIT_PAGE_SIZE = 25;

export const REFUSAL_REASON_LABELS: Record<RefusalReason, string> = {
  policy: 'not allowed for them',
  csrf: 'the form was not sent from Pathway (security check failed)',
  'not-visible': 'not theirs to see',
  forbidden: 'refused',
};

const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value);
const auditQuerySchema = z.object({
  page: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).max(100_000).default(1)),
  refused: z.preprocess(emptyAsUndefined, z.literal('yes').optional()),
  la: z.string().optional(),
});

class BadQueryError extends Error {
  statusCode = 400;
}

/**
 * The LA's audit log for its administrators: who saw and changed what, with a filter for refused
 * access. A refusal on a case is its LA's; one with no case (an administration page asked for by
 * a caseworker) is each LA's that the actor works for.
 */
export async function auditLogRoutes(
  app: FastifyInstance,
  services: Services,
  scopeOf: (request: FastifyRequest) => AdminScope & { query: string },
) {
  const { db } = services;

  app.get('/admin/audit', { config: { policy: 'la-admin' } }, async (request, reply) => {
    const scope = scopeOf(request);
    const parsed = auditQuerySchema.safeParse(request.query);
    if (!parsed.success) throw new BadQueryError('Bad audit page query');
    const { page, refused } = parsed.data;
    const refusedOnly = refused === 'yes';
    const log = await auditLogOf(db, scope.localAuthorityId, {
      refusedOnly,
      limit: AUDIT_PAGE_SIZE,
      offset: (page - 1) * AUDIT_PAGE_SIZE,
    });
    const pageCount = Math.max(1, Math.ceil(log.total / AUDIT_PAGE_SIZE));
    if (page > pageCount) throw new NotFoundError('No such page');
    const hrefFor = (p: number) => {
      const query = new URLSearchParams();
      if (scope.query) query.set('la', scope.localAuthorityId);
      if (refusedOnly) query.set('refused', 'yes');
      query.set('page', String(p));
      return `/admin/audit?${query.toString()}`;
    };
    return reply.render('admin/audit.njk', {
      scope,
      refusedOnly,
      log: {
        ...log,
        entries: log.entries.map((entry) => ({
          ...entry,
          refusalReason: entry.refusal ? REFUSAL_REASON_LABELS[entry.refusal.reason] : null,
        })),
      },
      pagination: paginationLinks(page, pageCount, hrefFor),
    });
  });
}
