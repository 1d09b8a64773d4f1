import {
  BASE,
  delay,
  isErrorPageWithReference,
  type Answer,
  type ServerProcess,
  WebClient,
} from './harness.ts';

/** A page that reads the database on every request: the session, then the draft request. */
export const PAGE = `${BASE}/who-is-asking`;

/** A client with a session and a request in progress, so `PAGE` reads the database. */
export async function clientWithSession(server: ServerProcess): Promise<WebClient> {
  const client = new WebClient(server.baseUrl);
  await client.get(BASE);
  await client.post(`${BASE}/start`);
  const council = /name="localAuthorityId" type="radio" value="([^"]+)"/.exec(
    (await client.get(`${BASE}/council`)).body,
  )?.[1];
  await client.post(`${BASE}/council`, { localAuthorityId: council ?? '' });
  const page = await client.get(PAGE);
  if (page.status !== 200) throw new Error(`${PAGE} answered ${page.status}`);
  return client;
}

/**
 * Page requests in a loop from a few clients at once, until stopped: the load under which the
 * database fails. Each answer is kept; a request that takes longer than 30 s counts as hung.
 */
export function startLoad(clients: WebClient[]) {
  let running = true;
  const answers: (Answer | { status: 'hung' | 'failed'; ms: number })[] = [];
  const loops = clients.map(async (client) => {
    while (running) {
      const started = performance.now();
      try {
        answers.push(await client.get(PAGE, 30_000));
      } catch (error) {
        const hung = (error as Error).name === 'TimeoutError';
        answers.push({ status: hung ? 'hung' : 'failed', ms: performance.now() - started });
        // The server refuses connections only if it is down: do not spin.
        await delay(50);
      }
    }
  });
  return {
    answers,
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

/** How long /health takes, and what it says; a thrown timeout means it did not answer in 2 s. */
export async function health(server: ServerProcess): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  try {
    const response = await fetch(`${server.baseUrl}/health`, {
      signal: AbortSignal.timeout(2_000),
    });
    await response.text();
    return { status: response.status, ms: performance.now() - started };
  } catch (error) {
    throw new Error(
      `/health did not answer within 2 s (${(error as Error).message}); server ${server.running ? 'running' : `exited:\n${server.output}`}`,
      { cause: error },
    );
  }
}

/**
 * Milliseconds from `since` until the page serves again (a 200 from a request started after
 * `since`), polling every 50 ms; fails after `limitMs`.
 */
export async function recovery(
  server: ServerProcess,
  client: WebClient,
  since: number,
  limitMs = 5_000,
): Promise<number> {
  let last = '';
  while (performance.now() - since < limitMs) {
    if (!server.running) throw new Error(`The server exited:\n${server.output}`);
    try {
      const page = await client.get(
        PAGE,
        Math.max(100, Math.round(limitMs - (performance.now() - since))),
      );
      if (page.status === 200) return performance.now() - since;
      last = `${page.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await delay(50);
  }
  throw new Error(`The page did not serve again within ${limitMs} ms (last: ${last})`);
}

/** A page asked while the database cannot be reached: the error page with a reference, in time. */
export async function pageWhileDown(client: WebClient, limitMs: number): Promise<Answer> {
  let page: Answer;
  try {
    page = await client.get(PAGE, limitMs);
  } catch (error) {
    throw new Error(`A page hung while the database was unreachable: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (!isErrorPageWithReference(page)) {
    throw new Error(
      `Expected the error page with a reference, got ${page.status}: ${page.body.slice(0, 200)}`,
    );
  }
  return page;
}
