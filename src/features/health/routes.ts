import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services.ts';
import { databaseAnswers } from '../../db/database.ts';

/**
 * For load balancers and monitoring: 200 when the database answers, 503 when it does not or not
 * within a second, so the check itself answers within 2 s whatever the database does.
 */
export async function healthRoutes(app: FastifyInstance, services: Services) {
  app.get('/health', { config: { policy: 'public' } }, async (_request, reply) => {
    const database = await databaseAnswers(services.db);
    return reply
      .code(database ? 200 : 503)
      .header('cache-control', 'no-store')
      .send({ status: database ? 'ok' : 'unavailable', database: database ? 'up' : 'down' });
  });
}
