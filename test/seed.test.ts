import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../src/db/database.ts';
import { nextStep, type Stage } from '../src/domain/pathway/stages.ts';
import { seedSyntheticData, shareOut } from '../bench/synthetic/synthetic-data.ts';
import { TRAY_COUNT_LIMIT, listTray } from '../src/features/cases/repository.ts';
import {
  CASE_REFERENCE_PATTERN,
  caseReferenceOfRequest,
  requestReference,
} from '../src/domain/references.ts';
import { createTestDatabase } from './helpers.ts';

const byTest = { actorUserId: null, correlationId: 'seed-test', ipAddress: null };

let database: DatabaseHandle;
let summary: Awaited<ReturnType<typeof seedSyntheticData>>;
const progress: [number, number][] = [];
const today = '2026-11-23';

beforeAll(async () => {
  database = await createTestDatabase();
  summary = await seedSyntheticData(
    database,
    { localAuthorities: 2, plans: 1_600, requestsPerYear: 600, years: 3, today },
    (done, total) => progress.push([done, total]),
  );
});
afterAll(async () => {
  await database?.close();
});

const db = () => database.db;

describe('synthetic data', () => {
  it('loads the LAs, their people and the plans asked for, and reports progress', async () => {
    expect(summary.localAuthorities).toBe(2);
    const las = await db().selectFrom('local_authority').select(['code', 'name']).execute();
    expect(las.map((l) => l.code).sort()).toEqual(['101', '102']);
    const plans = await db()
      .selectFrom('case')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('stage', '=', 'plan_in_place')
      .executeTakeFirstOrThrow();
    expect(Number(plans.n)).toBe(1_600);
    expect(progress.at(-1)).toEqual([progress.at(-1)![1], progress.at(-1)![1]]);
    for (const table of ['app_user', 'case_participant', 'case_event', 'audit_event']) {
      expect(summary.rows[table], table).toBeGreaterThan(summary.cases);
    }
    // Every LA has its staff, settings and advisers.
    const roles = await db()
      .selectFrom('staff_membership')
      .select(['role'])
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .groupBy('role')
      .execute();
    expect(new Set(roles.map((r) => r.role))).toEqual(
      new Set(['caseworker', 'decision_maker', 'manager', 'admin']),
    );
  });

  it('gives requests plausible outcomes: about 65% assessed, about 94% of those ending in a plan', async () => {
    const rows = await db()
      .selectFrom('case')
      .select(['stage'])
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('request_received_on', '>=', '2023-11-23')
      .where('request_received_on', '<', '2026-05-01')
      .groupBy('stage')
      .execute();
    const count = (stage: string) => Number(rows.find((r) => r.stage === stage)?.n ?? 0);
    const decided = rows.reduce((sum, r) => sum + Number(r.n), 0) - count('request_received');
    const assessed = decided - count('not_assessing');
    expect(assessed / decided).toBeGreaterThan(0.6);
    expect(assessed / decided).toBeLessThan(0.7);
    const planned = count('plan_in_place') + count('draft_plan');
    expect(planned / (planned + count('no_plan'))).toBeGreaterThan(0.9);
  });

  it('has on-time and late steps, and the next step due worked out by the clock', async () => {
    const cases = await db()
      .selectFrom('case')
      .select([
        'stage',
        'request_received_on',
        'plan_issued_on',
        'last_review_on',
        'next_step_due_on',
        'assessment_decided_on',
      ])
      .execute();
    for (const c of cases) {
      const next = nextStep({
        stage: c.stage as Stage,
        requestReceivedOn: c.request_received_on,
        planIssuedOn: c.plan_issued_on,
        lastReviewOn: c.last_review_on,
      });
      expect(c.next_step_due_on).toBe(next?.dueOn ?? null);
    }
    const decisions = cases.filter((c) => c.assessment_decided_on);
    const late = decisions.filter(
      (c) =>
        (Date.parse(c.assessment_decided_on!) - Date.parse(c.request_received_on)) / 86_400_000 >
        42,
    );
    expect(late.length / decisions.length).toBeGreaterThan(0.15);
    expect(late.length / decisions.length).toBeLessThan(0.45);
    expect(cases.some((c) => c.next_step_due_on && c.next_step_due_on < today)).toBe(true);
    expect(cases.some((c) => c.next_step_due_on && c.next_step_due_on > today)).toBe(true);
  });

  it('uses invented names and example addresses only, and unique references', async () => {
    const users = await db().selectFrom('app_user').select('email').execute();
    expect(users.every((u) => /@(staff|professionals|families)\.example$/.test(u.email))).toBe(
      true,
    );
    const cases = await db()
      .selectFrom('case')
      .select(['reference', 'local_authority_id'])
      .execute();
    expect(new Set(cases.map((c) => `${c.local_authority_id} ${c.reference}`)).size).toBe(
      cases.length,
    );
    const las = await db().selectFrom('local_authority').select('name').execute();
    expect(las.every((l) => l.name.startsWith('Synthetic Authority'))).toBe(true);
  });

  it('gives cases references in the one format of a case opened from a request', async () => {
    const cases = await db().selectFrom('case').select('reference').execute();
    expect(cases.length).toBeGreaterThan(0);
    for (const c of cases) expect(c.reference).toMatch(CASE_REFERENCE_PATTERN);
    expect(caseReferenceOfRequest(requestReference('101', 2026, 7))).toBe('101-2026-00007');
  });

  it('is counted by the tray only up to its limit, so a large LA’s tray stays fast', async () => {
    const largest = await db()
      .selectFrom('case')
      .select('local_authority_id')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .groupBy('local_authority_id')
      .orderBy('n', 'desc')
      .executeTakeFirstOrThrow();
    expect(Number(largest.n)).toBeGreaterThan(TRAY_COUNT_LIMIT);
    const tray = await listTray(
      db(),
      {
        localAuthorityIds: [largest.local_authority_id],
        limit: 25,
        offset: 0,
      },
      byTest,
    );
    expect(tray).toMatchObject({ total: TRAY_COUNT_LIMIT, more: true });
    expect(tray.rows).toHaveLength(25);
    const filtered = await listTray(
      db(),
      {
        localAuthorityIds: [largest.local_authority_id],
        stage: 'draft_plan',
        limit: 25,
        offset: 0,
      },
      byTest,
    );
    expect(filtered.more).toBe(false);
    expect(filtered.total).toBeLessThan(TRAY_COUNT_LIMIT);
  });

  it('shares totals out unevenly but exactly', () => {
    const rng = { next: () => 0.5 } as Parameters<typeof shareOut>[2];
    const shares = shareOut(1_000, 7, rng);
    expect(shares.reduce((a, b) => a + b, 0)).toBe(1_000);
    expect(shares[0]).toBeGreaterThan(shares[6]!);
  });

  it('writes nothing when the load fails part-way', async () => {
    const other = await createTestDatabase();
    try {
      // An account with the first caseworker's address makes the load fail after the LA row
      // has been copied: the whole load must roll back.
      await other.db
        .insertInto('app_user')
        .values({ email: 'caseworker1.la101@staff.example', display_name: 'In the way' })
        .execute();
      await expect(
        seedSyntheticData(other, {
          localAuthorities: 1,
          plans: 10,
          requestsPerYear: 10,
          years: 1,
          today,
        }),
      ).rejects.toThrow(/duplicate key/);
      expect(await other.db.selectFrom('local_authority').select('id').execute()).toEqual([]);
      expect(await other.db.selectFrom('case').select('id').execute()).toEqual([]);
      expect(await other.db.selectFrom('app_user').select('email').execute()).toEqual([
        { email: 'caseworker1.la101@staff.example' },
      ]);
    } finally {
      await other.close();
    }
  });
});
