/**
 * PostgreSQL ends every connection of the application's database while pages are being served
 * (a managed database's maintenance restart, or an administrator's pg_terminate_backend): the
 * process stays up, /health answers within 2 s, and pages serve again within 5 s, 20 times.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_URL,
  createFaultDatabase,
  delay,
  freePort,
  median,
  ServerProcess,
  adminQuery,
  type FaultDatabase,
} from './harness.ts';
import { clientWithSession, health, recovery, startLoad } from './load.ts';

const RUNS = Number(process.env.FAULT_RUNS ?? 20);

let database: FaultDatabase;
let server: ServerProcess;

beforeAll(async () => {
  database = await createFaultDatabase();
  server = new ServerProcess({ databaseUrl: database.url, port: await freePort() });
  await server.start();
});

afterAll(async () => {
  await server?.dispose();
  await database?.drop();
});

describe('pg_terminate_backend under load', () => {
  it(`leaves the process up and serving within 5 s, ${RUNS} times`, async () => {
    const clients = await Promise.all([0, 1, 2, 3].map(() => clientWithSession(server)));
    const load = startLoad(clients.slice(1));
    const recoveries: number[] = [];
    const healthTimes: number[] = [];
    try {
      for (let run = 0; run < RUNS; run++) {
        // Let the load take connections from the pool, then end all of them.
        await delay(300);
        const since = performance.now();
        const ended = await adminQuery<{ pid: number }>(
          ADMIN_URL,
          'select pg_terminate_backend(pid) as pid from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
          [database.name],
        );
        expect(ended.length, 'connections to end').toBeGreaterThan(0);
        const answered = await health(server);
        healthTimes.push(answered.ms);
        recoveries.push(await recovery(server, clients[0]!, since));
        expect(server.running, `run ${run}: the server exited\n${server.output}`).toBe(true);
      }
    } finally {
      await load.stop();
    }
    expect(server.exits).toEqual([]);
    const hung = load.answers.filter((a) => a.status === 'hung');
    expect(hung, 'page requests that hung').toEqual([]);
    console.log(
      `pg_terminate_backend x${RUNS}: recovery max ${Math.round(Math.max(...recoveries))} ms, median ${Math.round(median(recoveries))} ms; /health max ${Math.round(Math.max(...healthTimes))} ms; ${load.answers.length} page requests under load, ${load.answers.filter((a) => a.status !== 200).length} not 200`,
    );
    expect(Math.max(...recoveries)).toBeLessThan(5_000);
  });
});
