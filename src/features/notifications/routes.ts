import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Services } from '../../services.ts';
import { NotFoundError } from '../../web/route-policy.ts';
import { parseForm, renderBadRequest } from '../../web/forms.ts';
import { paginationLinks } from '../../web/pagination.ts';
import { userOfUnsubscribeToken } from '../../web/secrets.ts';
import * as notifications from './service.ts';

const signedIn = { config: { policy: 'signed-in' as const } };
const pageQuery = z.object({
  page: z.preprocess(
    (value) => (value === '' ? undefined : value),
    z.coerce.number().int().min(1).max(100_000).default(1),
  ),
});
const notificationParams = z.object({ notificationId: z.uuid() });
const frequencySchema = z.object({
  frequency: z.enum(['immediate', 'daily', 'none'], 'Select how often you want emails'),
});

class BadQueryError extends Error {
  statusCode = 400;
}

/** Each person's notifications, and how often they want email about them. */
export async function notificationRoutes(app: FastifyInstance, services: Services) {
  const { db } = services;

  app.get('/notifications', signedIn, async (request, reply) => {
    const query = pageQuery.safeParse(request.query ?? {});
    if (!query.success) throw new BadQueryError('Bad page number');
    const { page } = query.data;
    const userId = request.actor!.userId;
    const { rows, total } = await notifications.listNotifications(db, userId, page);
    const pageCount = Math.max(1, Math.ceil(total / notifications.NOTIFICATIONS_PAGE_SIZE));
    if (page > pageCount) throw new NotFoundError('No such page');
    return reply.render('notifications/list.njk', {
      notifications: rows,
      total,
      unread: request.unreadNotifications,
      pagination: paginationLinks(page, pageCount, (p) => `/notifications?page=${p}`),
    });
  });

  // Opening a notification marks it read, then goes to what it is about.
  app.get('/notifications/:notificationId', signedIn, async (request, reply) => {
    const params = notificationParams.safeParse(request.params);
    if (!params.success) throw new NotFoundError('No such notification');
    const link = await notifications.openNotification(
      db,
      request.actor!.userId,
      params.data.notificationId,
    );
    if (!link) throw new NotFoundError('No such notification');
    return reply.redirect(link, 303);
  });

  app.post('/notifications/mark-all-read', signedIn, async (request, reply) => {
    await notifications.markAllRead(db, request.actor!.userId);
    return reply.redirect('/notifications', 303);
  });

  app.get('/account/notifications', signedIn, async (request, reply) => {
    const frequency = await notifications.emailFrequencyOf(db, request.actor!.userId);
    return reply.render('notifications/preferences.njk', { values: { frequency } });
  });

  app.post('/account/notifications', signedIn, async (request, reply) => {
    const form = parseForm(frequencySchema, request.body);
    if (!form.ok) {
      return renderBadRequest(reply, 'notifications/preferences.njk', form, request.body);
    }
    await notifications.setEmailFrequency(db, request.actor!.userId, form.value.frequency);
    request.session.data.flash = {
      heading: 'Notification settings saved',
      body: {
        immediate: 'You will get an email for each update as it happens.',
        daily:
          'You will get one email a day. Emails about statutory time limits still come straight away.',
        none: 'You will only get emails about statutory time limits. Everything else is in your notifications.',
      }[form.value.frequency],
    };
    request.session.changed();
    return reply.redirect('/account/notifications', 303);
  });
}

/** One-click unsubscribe from the daily digest: a link in each digest, no sign-in needed. */
export async function unsubscribeRoutes(app: FastifyInstance, services: Services) {
  const { db, notifier } = services;
  const userOf = (request: FastifyRequest) => {
    const token = (request.params as { token?: string }).token ?? '';
    const userId = userOfUnsubscribeToken(notifier.unsubscribeSecret, token);
    if (!userId) throw new NotFoundError('No such unsubscribe link');
    return { userId, token };
  };

  app.get('/unsubscribe/:token', { config: { policy: 'public' } }, async (request, reply) => {
    const { token } = userOf(request);
    return reply.render('notifications/unsubscribe.njk', { token, done: false });
  });

  app.post(
    '/unsubscribe/:token',
    { config: { policy: 'public', csrfExempt: true } },
    async (request, reply) => {
      const { userId, token } = userOf(request);
      await notifications.setEmailFrequency(db, userId, 'none');
      return reply.render('notifications/unsubscribe.njk', { token, done: true });
    },
  );
}

/** The development outbox: never mounted in production (see app.ts). */
export async function devOutboxRoutes(app: FastifyInstance, services: Services) {
  app.get('/dev/outbox', { config: { policy: 'public' } }, async (_request, reply) => {
    const messages = await notifications.listOutbox(services.db);
    return reply.render('notifications/outbox.njk', { messages });
  });
}
