import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services.ts';
import { listOutbox } from './mailer.ts';

/** The development outbox: never mounted in production (see app.ts). */
export async function devOutboxRoutes(app: FastifyInstance, services: Services) {
  app.get('/dev/outbox', { config: { policy: 'public' } }, async (_request, reply) => {
    const messages = await listOutbox(services.db);
    return reply.render('notifications/outbox.njk', { messages });
  });
}
