import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services.ts';

/** The public pages: the start page and the statements every GOV.UK-style service publishes. */
export async function pageRoutes(app: FastifyInstance, _services: Services) {
  const publicRoute = { config: { policy: 'public' as const } };

  app.get('/', publicRoute, async (_request, reply) => reply.render('pages/start.njk', {}));
  app.get('/accessibility', publicRoute, async (_request, reply) =>
    reply.render('pages/accessibility.njk', {}),
  );
  app.get('/privacy', publicRoute, async (_request, reply) =>
    reply.render('pages/privacy.njk', {}),
  );
  app.get('/cookies', publicRoute, async (_request, reply) =>
    reply.render('pages/cookies.njk', {}),
  );
}
