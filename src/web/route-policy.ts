import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import {
  ROUTE_POLICIES,
  administeredAuthorities,
  canDecideOnCase,
  canManageCase,
  canViewCase,
  isFamilyOfCase,
  canViewCaseAccessLog,
  isStaff,
  type Actor,
  type CaseAccessFacts,
  type RoutePolicy,
} from '../policy/policy.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Every route must say who may use it. */
    policy?: RoutePolicy;
    /**
     * Only for a POST that a mail client sends without a page (RFC 8058 one-click unsubscribe),
     * which carries its own signed token instead of a CSRF token.
     */
    csrfExempt?: boolean;
  }
  interface FastifyRequest {
    actor: Actor | null;
    /** The signed-in user's unread notifications, for the header. */
    unreadNotifications: number;
    /** Whether the signed-in user has any advice requests, for the navigation. */
    hasAdviceRequests: boolean;
    /** The case named by :caseId, once the policy has allowed access to it. */
    caseAccess: CaseAccessFacts | null;
  }
}

export type RouteRecord = { method: string; url: string; policy: RoutePolicy };

export type RoutePolicyOptions = {
  loadCaseAccess(caseId: string, request: FastifyRequest): Promise<CaseAccessFacts | null>;
  /** Filled with every route as it is registered, for the route-by-role test. */
  registry: RouteRecord[];
};

export class MissingRoutePolicyError extends Error {}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const CASE_POLICIES = {
  'case:view': canViewCase,
  'case:manage': canManageCase,
  'case:decide': canDecideOnCase,
  'case:family': isFamilyOfCase,
  'case:access-log': canViewCaseAccessLog,
} as const;

export type PolicyOutcome = 'allow' | 'sign-in' | 'forbidden' | 'not-found';

/** Decides a request against its route's policy; the only place routes are guarded. */
export async function decide(
  policy: RoutePolicy,
  request: FastifyRequest,
  loadCaseAccess: RoutePolicyOptions['loadCaseAccess'],
): Promise<{ outcome: PolicyOutcome; caseAccess?: CaseAccessFacts }> {
  // On 'forbidden' for a case route, caseAccess names the case refused (for the audit).
  if (policy === 'public') return { outcome: 'allow' };
  if (policy === 'signing-in') {
    const data = request.session.data;
    return data.userId && !data.secondFactorVerified
      ? { outcome: 'allow' }
      : { outcome: 'sign-in' };
  }
  const actor = request.actor;
  if (!actor) return { outcome: 'sign-in' };
  switch (policy) {
    case 'signed-in':
      return { outcome: 'allow' };
    case 'staff':
      return { outcome: isStaff(actor) ? 'allow' : 'forbidden' };
    case 'la-admin':
      return { outcome: administeredAuthorities(actor).length > 0 ? 'allow' : 'forbidden' };
    case 'case:view':
    case 'case:manage':
    case 'case:decide':
    case 'case:family':
    case 'case:access-log': {
      const caseId = (request.params as Record<string, string | undefined>).caseId;
      if (!caseId || !UUID.test(caseId)) return { outcome: 'not-found' };
      const facts = await loadCaseAccess(caseId, request);
      if (!facts) return { outcome: 'not-found' };
      const allowed = CASE_POLICIES[policy](actor, facts);
      return { outcome: allowed ? 'allow' : 'forbidden', caseAccess: facts };
    }
  }
}

/** A case that exists and was refused: the refusal is audited against it and its LA. */
export type RefusedCase = { caseId: string; localAuthorityId: string };

export class ForbiddenError extends Error {
  statusCode = 403;
  readonly refusedCase: RefusedCase | null;
  constructor(message: string, refusedCase: RefusedCase | null = null) {
    super(message);
    this.refusedCase = refusedCase;
  }
}

/**
 * Not found. With `refusedCase`, the thing asked for exists but is not the actor's to see (a
 * document of another case, or hidden from them): the answer is the same 404, but it is audited.
 */
export class NotFoundError extends Error {
  statusCode = 404;
  readonly refusedCase: RefusedCase | null;
  constructor(message: string, refusedCase: RefusedCase | null = null) {
    super(message);
    this.refusedCase = refusedCase;
  }
}

export const routePolicyPlugin = fp(async (app: FastifyInstance, options: RoutePolicyOptions) => {
  app.decorateRequest('caseAccess', null);

  app.addHook('onRoute', (route) => {
    const policy = route.config?.policy;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (!policy || !ROUTE_POLICIES.includes(policy)) {
      throw new MissingRoutePolicyError(
        `Route ${methods.join(',')} ${route.url} does not declare a policy in config.policy`,
      );
    }
    for (const method of methods) {
      if (method === 'HEAD') continue;
      options.registry.push({ method, url: route.url, policy });
    }
  });

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const policy = request.routeOptions.config?.policy;
    // Routes outside this plugin's reach (static files, the 404 handler) have no policy.
    if (!policy) return;
    const { outcome, caseAccess } = await decide(policy, request, options.loadCaseAccess);
    if (outcome === 'allow') {
      request.caseAccess = caseAccess ?? null;
      return;
    }
    if (outcome === 'sign-in') {
      if (request.method === 'GET') {
        request.session.data.returnTo = request.url;
        request.session.changed();
        return reply.redirect(
          request.session.timedOut ? '/sign-in?reason=timeout' : '/sign-in',
          303,
        );
      }
      throw new ForbiddenError('Sign in first');
    }
    if (outcome === 'not-found') throw new NotFoundError('No such case');
    throw new ForbiddenError(
      'Not allowed by policy',
      caseAccess
        ? { caseId: caseAccess.caseId, localAuthorityId: caseAccess.localAuthorityId }
        : null,
    );
  });
});
