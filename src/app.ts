import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, {
  LogController,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import type { Services } from './services.ts';
import { admission } from './web/admission.ts';
import { createViewEnvironment, navigationFor, renderPage } from './web/views.ts';
import { securityHeaders } from './web/security-headers.ts';
import { sessionPlugin } from './web/session.ts';
import { routePolicyPlugin, type RouteRecord } from './web/route-policy.ts';
import { homePathFor } from './policy/policy.ts';
import { loadActorWithUnread } from './case/actor.ts';
import { readRequestFacts, type RequestFacts } from './web/request-facts.ts';
import { loadCaseAccess } from './case/access.ts';
import { healthRoutes } from './features/health/routes.ts';
import { pageRoutes } from './features/pages/routes.ts';
import { authRoutes } from './features/auth/routes.ts';
import { accountRoutes } from './features/auth/account-routes.ts';
import { caseRoutes } from './features/cases/routes.ts';
import { frontDoorRoutes } from './features/requests/front-door-routes.ts';
import { intakeRoutes } from './features/requests/intake-routes.ts';
import { assessmentRoutes } from './features/assessment/routes.ts';
import { adviceRoutes } from './features/advice/routes.ts';
import { contributionRoutes } from './features/contributions/routes.ts';
import { documentRoutes } from './features/documents/routes.ts';
import { adminRoutes } from './features/admin/routes.ts';
import {
  devOutboxRoutes,
  notificationRoutes,
  unsubscribeRoutes,
} from './features/notifications/routes.ts';
import { registerErrorPages } from './web/errors.ts';
import { databaseRateLimitStore } from './web/rate-limit-store.ts';
import { auditRefusal } from './web/refusal-audit.ts';

const srcDir = path.dirname(fileURLToPath(import.meta.url));
const govukDist = path.join(
  path.dirname(fileURLToPath(import.meta.resolve('govuk-frontend/package.json'))),
  'dist/govuk',
);

/** Personal data and secrets never reach the logs: tokens in paths and all cookies are cut. */
export function redactUrl(url: string): string {
  return url.replace(
    /\/(register|reset-password|request-an-assessment\/resume)\/[^/?#]+/g,
    '/$1/[redacted]',
  );
}

class BadRequestError extends Error {
  statusCode = 400;
}

/**
 * Whether any string in a parsed body or query holds a NUL. An uploaded file's part is checked
 * by its name only: its bytes are a Buffer (checked by the upload's own rules) and it refers back
 * to all the form's fields, so parts already seen are skipped.
 */
function containsNulCharacter(value: unknown, seen = new WeakSet<object>()): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (!value || typeof value !== 'object' || seen.has(value) || ArrayBuffer.isView(value)) {
    return false;
  }
  seen.add(value);
  const part = value as { type?: unknown; filename?: unknown };
  if (part.type === 'file') return containsNulCharacter(part.filename, seen);
  return Object.entries(value).some(
    ([key, inner]) => key !== 'fields' && containsNulCharacter(inner, seen),
  );
}

/**
 * Errors are logged by an allow-list of fields: database errors carry the offending values in
 * `detail` and mail errors carry addresses, and neither may reach the logs.
 */
export function safeError(error: Error & { code?: unknown; statusCode?: unknown }) {
  return {
    type: error.constructor?.name ?? 'Error',
    code: typeof error.code === 'string' ? error.code : undefined,
    statusCode: typeof error.statusCode === 'number' ? error.statusCode : undefined,
    message: /@/.test(error.message) ? '[message withheld: it may hold an address]' : error.message,
    stack: (error.stack ?? '').split('\n').slice(1).join('\n'),
  };
}

export type AppOptions = {
  /** Filled with every route and its policy, for the route-by-role test. */
  routeRegistry?: RouteRecord[];
  logger?: boolean;
};

/**
 * Builds the web app from its services. The order below is the security order: health first
 * (no session), then headers, static files, cookies and body parsing, the session and who the
 * user is, CSRF, the route policy, the routes, and the error pages.
 */
export async function buildApp(
  services: Services,
  options: AppOptions = {},
): Promise<FastifyInstance> {
  const { config, db } = services;
  const app = Fastify({
    logger:
      options.logger === false
        ? false
        : {
            level: config.logLevel,
            redact: {
              paths: [
                'req.headers.cookie',
                'req.headers.authorization',
                'res.headers["set-cookie"]',
              ],
              censor: '[redacted]',
            },
            serializers: {
              err: safeError,
              req: (req: FastifyRequest) => ({
                method: req.method,
                url: redactUrl(req.url),
                remoteAddress: req.ip,
              }),
            },
          },
    genReqId: () => randomUUID(),
    logController: new LogController({ requestIdLogLabel: 'correlationId' }),
    trustProxy: config.trustProxy,
    bodyLimit: 1024 * 1024,
    routerOptions: { maxParamLength: 200 },
  });
  const views = createViewEnvironment(config);
  const routeRegistry = options.routeRegistry ?? [];

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-correlation-id', request.id);
    // Pages may hold a child's details: never kept by the browser or a proxy (static files excepted).
    if (request.routeOptions.config?.policy) reply.header('cache-control', 'no-store');
  });

  // 1. Security headers: a nonce-based CSP, no framing, HSTS in production.
  await app.register(securityHeaders, {
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'", 'data:'],
      fontSrc: ["'self'"],
      connectSrc: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
      objectSrc: ["'none'"],
      baseUri: ["'self'"],
      ...(config.production ? { upgradeInsecureRequests: [] } : {}),
    },
    helmet: {
      frameguard: { action: 'deny' },
      strictTransportSecurity: config.production
        ? { maxAge: 31_536_000, includeSubDomains: true }
        : false,
      referrerPolicy: { policy: 'same-origin' },
      crossOriginEmbedderPolicy: false,
    },
  });

  // 2. Static files: GOV.UK Frontend's assets and Pathway's own.
  const cacheFor = config.production ? '7d' : 0;
  await app.register(fastifyStatic, {
    root: path.join(govukDist, 'assets'),
    prefix: '/assets/',
    maxAge: cacheFor,
  });
  await app.register(fastifyStatic, {
    root: govukDist,
    prefix: '/govuk/',
    decorateReply: false,
    allowedPath: (pathName) => /^\/govuk-frontend\.min\.(css|js)(\.map)?$/.test(pathName),
    maxAge: cacheFor,
  });
  await app.register(fastifyStatic, {
    root: path.join(srcDir, 'assets'),
    prefix: '/app-assets/',
    decorateReply: false,
    maxAge: cacheFor,
  });

  // Rate limits, for the routes that declare one (the request form, forms that send email):
  // before any route exists. Counted in the database, so every process shares them.
  await app.register(fastifyRateLimit, {
    global: false,
    store: databaseRateLimitStore(services.rateLimits),
    errorResponseBuilder: (_request, context) =>
      Object.assign(new Error(`Rate limit: ${context.max} in ${context.after}`), {
        statusCode: 429,
      }),
  });

  // 3. Cookies and form bodies.
  await app.register(fastifyCookie, { secret: config.sessionSecret });
  // HTML forms are the only bodies Pathway takes: anything else (JSON included) gets a 415.
  app.removeAllContentTypeParsers();
  await app.register(fastifyFormbody);

  // On the embedded database, a bound on the requests in progress (see admission.ts): before the
  // session, the first step that reads the database; after the cookies, which its page needs.
  await app.register(admission, {
    inProgress: config.maxRequestsInProgress,
    waiting: config.maxRequestsWaiting,
    waitMs: config.maxWaitSeconds * 1000,
    serviceName: config.serviceName,
  });

  // 4. The server-side session, then who the user is.
  await app.register(sessionPlugin, {
    db,
    idleMinutes: config.sessionIdleMinutes,
    secureCookie: config.production,
    read: (idHash, request) => readRequestFacts(db, idHash, request),
  });
  app.decorateRequest('actor', null);
  app.decorateRequest('unreadNotifications', 0);
  app.decorateRequest('hasAdviceRequests', false);
  app.addHook('onRequest', async (request) => {
    const { userId, secondFactorVerified } = request.session?.data ?? {};
    if (userId && secondFactorVerified) {
      // Loaded with the session, as long as it is the same person.
      const withSession = request.sessionState.extra as RequestFacts | undefined;
      const loaded =
        withSession?.userId === userId ? withSession.actor : await loadActorWithUnread(db, userId);
      request.actor = loaded?.actor ?? null;
      request.unreadNotifications = loaded?.unreadNotifications ?? 0;
      request.hasAdviceRequests = loaded?.hasAdviceRequests ?? false;
    }
  });

  // PostgreSQL cannot store a NUL character; refuse it at the door rather than fail deep inside.
  app.addHook('preValidation', async (request) => {
    if (
      containsNulCharacter(request.body) ||
      containsNulCharacter(request.query) ||
      request.url.includes('%00')
    ) {
      throw new BadRequestError('NUL character in request');
    }
  });

  // 5. CSRF: a signed double-submit cookie, checked on every state-changing request.
  await app.register(fastifyCsrf, {
    sessionPlugin: '@fastify/cookie',
    cookieKey: 'pathway_csrf',
    cookieOpts: {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: config.production,
      signed: true,
    },
    // A multipart form's fields arrive as { value } (the evidence upload); others as strings.
    getToken: (request) => {
      const token = (request.body as Record<string, unknown> | undefined)?._csrf;
      if (typeof token === 'string') return token;
      const value = (token as { value?: unknown } | undefined)?.value;
      return typeof value === 'string' ? value : undefined;
    },
  });
  app.addHook('preHandler', (request, reply, done) => {
    if (['GET', 'HEAD', 'OPTIONS'].includes(request.method)) return done();
    if (request.routeOptions.config.csrfExempt) return done();
    app.csrfProtection(request, reply, done);
  });

  // 6. Rendering: every page gets the layout's locals.
  const locals = (request: FastifyRequest, reply: FastifyReply) => {
    const actor = request.actor;
    const flash = request.session?.data.flash;
    if (flash) {
      delete request.session.data.flash;
      request.session.changed();
    }
    return {
      actor,
      signingIn: Boolean(request.session?.data.userId),
      homePath: actor ? homePathFor(actor) : '/',
      localAuthorityName:
        actor?.staff.length === 1 ? actor.staff[0]?.localAuthorityName : undefined,
      navigation: navigationFor(
        actor,
        request.url.split('?')[0] ?? '/',
        request.unreadNotifications,
        request.hasAdviceRequests,
      ),
      cspNonce: reply.cspNonce?.script,
      csrfToken: reply.generateCsrf(),
      sessionIdleSeconds: config.sessionIdleMinutes * 60,
      demo: config.demoData,
      flash,
    };
  };
  app.decorateReply('render', function (this: FastifyReply, template: string, context = {}) {
    return renderPage(views, locals, this, template, context);
  });

  // 7. Routes, each with its declared policy.
  await app.register(routePolicyPlugin, {
    // Read with the session when the route names a case; read again only when it was not.
    loadCaseAccess: async (caseId: string, request: FastifyRequest) => {
      const preloaded = (request.sessionState.extra as RequestFacts | undefined)?.caseAccess;
      return preloaded?.caseId === caseId ? preloaded.facts : loadCaseAccess(db, caseId);
    },
    registry: routeRegistry,
  });
  await healthRoutes(app, services);
  await pageRoutes(app, services);
  await authRoutes(app, services);
  await accountRoutes(app, services);
  await caseRoutes(app, services);
  await frontDoorRoutes(app, services);
  await intakeRoutes(app, services);
  await assessmentRoutes(app, services);
  await adviceRoutes(app, services);
  await contributionRoutes(app, services);
  await documentRoutes(app, services);
  await adminRoutes(app, services);
  await notificationRoutes(app, services);
  await unsubscribeRoutes(app, services);
  if (config.demoData && config.mailer === 'outbox') await devOutboxRoutes(app, services);

  // 8. Error pages; refused access (403, and 404s that hide something that exists) is audited.
  registerErrorPages(app, {
    onRefused: (request, error, status) => auditRefusal(db, request, error, status),
  });
  return app;
}
