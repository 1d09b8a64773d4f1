import type { FastifyRequest } from 'fastify';
import type { AuditContext } from '../audit/audit.ts';

/** Who is acting, from where, under which correlation id: the audit trail's context. */
export function auditContextOf(request: FastifyRequest): AuditContext {
  return {
    actorUserId: request.actor?.userId ?? request.session?.data.userId ?? null,
    correlationId: request.id,
    ipAddress: request.ip,
  };
}

/** Only same-site paths, so a crafted link cannot send someone elsewhere after signing in. */
export function safeReturnPath(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return null;
  if (value.length > 500) return null;
  return value;
}
