import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import pLimit from 'p-limit';
import escapeHtml from 'escape-html';
import type { ErrorPage } from './errors.ts';

/**
 * A bound on the requests in progress, for the embedded database. PGlite is one single-threaded
 * PostgreSQL in this process: every query waits its turn behind every other, so 50 requests at
 * once each wait for all the others' queries at every step, all finish late together, and each
 * holds its memory meanwhile. Here at most `inProgress` requests run; the rest wait in turn
 * (first come, first served), and a request that would wait too long, or find too many ahead of
 * it, gets GOV.UK's "service unavailable" page at once (503, Retry-After) rather than a hang.
 *
 * `/health` and static files skip the queue: they never touch the database (or, for `/health`,
 * run one trivial query) and must answer while the service is busy.
 */
export type AdmissionOptions = {
  /** How many requests may be in progress at once; 0 means no limit (no plugin). */
  inProgress: number;
  /** How many may wait for a turn; one more is refused at once. */
  waiting: number;
  /** A request still waiting for its turn after this long is refused then. */
  waitMs: number;
  /** For the busy page's title. */
  serviceName: string;
};

const RETRY_AFTER_SECONDS = 5;

const skipsQueue = (url: string) =>
  url === '/health' ||
  url.startsWith('/health?') ||
  url.startsWith('/assets/') ||
  url.startsWith('/govuk/') ||
  url.startsWith('/app-assets/');

declare module 'fastify' {
  interface FastifyRequest {
    /** Ends this request's turn (see admission.ts); called once, when it has been answered. */
    endTurn?: () => void;
  }
}

/**
 * GOV.UK's "service unavailable" page, written once: when the service is overloaded, refusing
 * must cost next to nothing (rendering the layout costs as much as a page, and logging each
 * refusal would fill the log), so no session, no template and no script.
 */
const BUSY: ErrorPage = {
  heading: 'Sorry, the service is unavailable',
  paragraphs: [
    'Too many people are using it at the moment. Try again in a few seconds.',
    'What you entered has not been saved.',
  ],
};

function busyPage(serviceName: string): string {
  const page = BUSY;
  return `<!DOCTYPE html>
<html lang="en" class="govuk-template govuk-template--rebranded">
<head>
  <meta charset="utf-8">
  <title>${escapeHtml(page.heading)} – ${escapeHtml(serviceName)}</title>
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <link rel="stylesheet" href="/govuk/govuk-frontend.min.css">
</head>
<body class="govuk-template__body">
  <header class="govuk-header" data-module="govuk-header"><div class="govuk-header__container govuk-width-container"><span class="govuk-header__service-name">${escapeHtml(serviceName)}</span></div></header>
  <div class="govuk-width-container">
    <main class="govuk-main-wrapper" id="main-content">
      <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
        <h1 class="govuk-heading-l">${escapeHtml(page.heading)}</h1>
        ${page.paragraphs.map((p) => `<p class="govuk-body">${escapeHtml(p)}</p>`).join('\n        ')}
      </div></div>
    </main>
  </div>
</body>
</html>
`;
}
export const admission = fp<AdmissionOptions>(
  async (app: FastifyInstance, options) => {
    if (options.inProgress <= 0) return;
    const limit = pLimit(options.inProgress);
    const page = busyPage(options.serviceName);
    // One warning a minute at most, with how many were refused.
    let refused = 0;
    let warnedAt = 0;
    const busy = (request: FastifyRequest, reply: FastifyReply) => {
      refused++;
      if (Date.now() - warnedAt > 60_000) {
        request.log.warn({ refused }, 'too many requests waiting for the database: answered busy');
        warnedAt = Date.now();
        refused = 0;
      }
      return reply
        .code(503)
        .header('retry-after', String(RETRY_AFTER_SECONDS))
        .header('cache-control', 'no-store')
        .type('text/html; charset=utf-8')
        .send(page);
    };

    app.addHook('onRequest', async (request, reply) => {
      if (skipsQueue(request.url)) return;
      if (limit.pendingCount >= options.waiting) return busy(request, reply);
      // Waits for its turn, or for the deadline: a request past it is answered at once, and its
      // turn, when it comes, passes straight on to the next.
      const admitted = await new Promise<boolean>((settle) => {
        let state: 'waiting' | 'running' | 'refused' = 'waiting';
        const deadline = setTimeout(() => {
          if (state !== 'waiting') return;
          state = 'refused';
          settle(false);
        }, options.waitMs);
        void limit(async () => {
          clearTimeout(deadline);
          if (state === 'refused') return;
          state = 'running';
          await new Promise<void>((ended) => {
            request.endTurn = ended;
            settle(true);
          });
        });
      });
      if (!admitted) return busy(request, reply);
      // The visitor gave up while waiting: nobody is there to read a page.
      if (request.raw.socket?.destroyed) {
        request.endTurn?.();
        return reply.code(503).send();
      }
    });
    const end = async (request: FastifyRequest) => request.endTurn?.();
    app.addHook('onResponse', end);
  },
  { name: 'admission' },
);
