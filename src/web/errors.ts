import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DatabaseUnavailableError } from '../db/database.ts';

export type ErrorPage = { heading: string; paragraphs: string[] };

/** GOV.UK error pages: what happened and what to do, never a stack trace. */
export const ERROR_PAGES: Record<number, ErrorPage> = {
  400: {
    heading: 'Sorry, there is a problem with your request',
    paragraphs: ['Check the address or form you used and try again.'],
  },
  403: {
    heading: 'You do not have permission to see this page',
    paragraphs: [
      'If you followed a link or submitted a form, go back and try again: forms expire when you sign in or out.',
      'If you think you should be able to see this page, contact your local authority’s SEND team.',
    ],
  },
  404: {
    heading: 'Page not found',
    paragraphs: [
      'If you typed the web address, check it is correct.',
      'If you pasted the web address, check you copied the entire address.',
    ],
  },
  413: {
    heading: 'What you sent is too large',
    paragraphs: ['Go back and try again with less.'],
  },
  415: {
    heading: 'Sorry, there is a problem with your request',
    paragraphs: ['Send the form from the page it is on.'],
  },
  429: {
    heading: 'You have sent this form too many times',
    paragraphs: [
      'To keep the service safe, a form can only be sent a certain number of times an hour from one internet connection.',
      'What you entered has not been sent. Wait up to an hour, then go back and try again.',
    ],
  },
  500: {
    heading: 'Sorry, there is a problem with the service',
    paragraphs: ['Try again later. What you entered has not been saved.'],
  },
  // The database cannot be reached: the ordinary problem page, with a 503 for monitoring.
  503: {
    heading: 'Sorry, there is a problem with the service',
    paragraphs: ['Try again later. What you entered has not been saved.'],
  },
};

export function renderError(
  request: FastifyRequest,
  reply: FastifyReply,
  statusCode: number,
  reference?: string,
): FastifyReply {
  const page = ERROR_PAGES[statusCode] ?? ERROR_PAGES[statusCode >= 500 ? 500 : 400]!;
  reply.code(statusCode);
  try {
    return reply.render('error.njk', { pageTitle: page.heading, ...page, reference });
  } catch (error) {
    // The layout itself failed: fall back to plain text rather than leak anything.
    request.log.error({ err: error }, 'error page could not be rendered');
    return reply.type('text/plain; charset=utf-8').send(page.heading);
  }
}

function isDatabaseUnavailable(error: unknown): boolean {
  if (error instanceof DatabaseUnavailableError) return true;
  const code = (error as { code?: string }).code;
  return code === 'ECONNREFUSED' || code === '57P01' || code === '57P03' || code === 'ETIMEDOUT';
}

export type ErrorPageOptions = {
  /** Called, and awaited, before a 403 or 404 page is sent: the refusal's audit. */
  onRefused?: (request: FastifyRequest, error: unknown, status: number) => Promise<void>;
};

export function registerErrorPages(app: FastifyInstance, options: ErrorPageOptions = {}): void {
  app.setNotFoundHandler((request, reply) => renderError(request, reply, 404));

  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    if (isDatabaseUnavailable(error)) {
      request.log.error({ err: error }, 'database unavailable');
      return renderError(request, reply, 503, request.id);
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      request.log.info({ statusCode: status, code: error.code }, 'request refused');
      if ((status === 403 || status === 404) && options.onRefused) {
        await options.onRefused(request, error, status);
      }
      return renderError(request, reply, status);
    }
    request.log.error({ err: error }, 'unhandled error');
    return renderError(request, reply, 500, request.id);
  });
}
