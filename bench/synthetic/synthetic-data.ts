import { randomUUID } from 'node:crypto';
import { caseReference } from '../../src/domain/references.ts';
import type { DatabaseHandle } from '../../src/db/database.ts';
import {
  addDays,
  addMonths,
  daysBetween,
  type CalendarDate,
} from '../../src/domain/clock/calendar-date.ts';
import { nextStep, type Stage } from '../../src/domain/pathway/stages.ts';
import { BulkWriter, type TableSpec, type Value } from './bulk-writer.ts';

/**
 * Synthetic data at the scale of a real LA, or of England: LAs, settings, professionals,
 * families, and cases at every stage with plausible dates (about 65% of requests assessed, 94%
 * of assessments ending in a plan, a spread of on-time and late steps), with their timelines,
 * audit trail and notifications. Every name is plainly invented. The same options and seed
 * always give the same data (apart from ids and "today").
 */
export type SeedOptions = {
  localAuthorities: number;
  /** Plans in place across all the LAs. */
  plans: number;
  /** New requests a year across all the LAs. */
  requestsPerYear: number;
  /** Years of request history. */
  years: number;
  seed?: number;
  today: CalendarDate;
};

export const SEED_PRESETS = {
  'large-la': { localAuthorities: 1, plans: 25_000, requestsPerYear: 6_000, years: 5 },
  england: { localAuthorities: 150, plans: 640_000, requestsPerYear: 155_000, years: 5 },
} as const;

export type SeedProgress = (done: number, total: number) => void;

export type SeedSummary = { localAuthorities: number; cases: number; rows: Record<string, number> };

const T = {
  localAuthority: {
    name: 'local_authority',
    columns: ['id', 'code', 'name', 'sendiass_name', 'sendiass_url'],
  },
  user: { name: 'app_user', columns: ['id', 'email', 'display_name'] },
  organisation: {
    name: 'organisation',
    columns: ['id', 'kind', 'name', 'urn', 'phase', 'local_authority_id'],
  },
  staff: { name: 'staff_membership', columns: ['user_id', 'local_authority_id', 'role'] },
  member: {
    name: 'organisation_membership',
    columns: ['id', 'user_id', 'organisation_id', 'job_title'],
  },
  case: {
    name: 'case',
    columns: [
      'id',
      'local_authority_id',
      'reference',
      'child_first_name',
      'child_last_name',
      'child_date_of_birth',
      'stage',
      'request_received_on',
      'assessment_decided_on',
      'plan_issued_on',
      'last_review_on',
      'closed_on',
      'next_step_due_on',
      'assigned_officer_id',
      'created_at',
    ],
  },
  participant: {
    name: 'case_participant',
    columns: [
      'id',
      'case_id',
      'user_id',
      'organisation_id',
      'case_role',
      'adviser_kind',
      'added_at',
    ],
  },
  event: {
    name: 'case_event',
    columns: ['case_id', 'kind', 'summary', 'actor_user_id', 'occurred_at'],
  },
  audit: {
    name: 'audit_event',
    columns: [
      'occurred_at',
      'actor_user_id',
      'action',
      'subject_type',
      'subject_id',
      'local_authority_id',
      'correlation_id',
    ],
  },
  notification: {
    name: 'notification',
    columns: [
      'id',
      'user_id',
      'kind',
      'case_id',
      'local_authority_id',
      'title',
      'body',
      'link',
      'statutory',
      'email_state',
      'created_at',
      'read_at',
    ],
  },
} satisfies Record<string, TableSpec>;

/** Parents before children: the order the writer flushes in. */
const TABLES: readonly TableSpec[] = [
  T.localAuthority,
  T.user,
  T.organisation,
  T.staff,
  T.member,
  T.case,
  T.participant,
  T.event,
  T.audit,
  T.notification,
];

/** Invented names only: nobody real is called any of these. */
const FIRST_NAMES = [
  'Zorbin',
  'Quilla',
  'Fennick',
  'Marlowe',
  'Tansy',
  'Orrin',
  'Pell',
  'Wrenna',
  'Jaspin',
  'Lumen',
  'Corrie',
  'Bramwell',
  'Isolde',
  'Nimbus',
  'Saffi',
  'Thistle',
  'Dorran',
  'Elspin',
];
const LAST_NAMES = [
  'Testwell',
  'Samplewood',
  'Fictionby',
  'Placeholme',
  'Mockridge',
  'Dummerton',
  'Examplar',
  'Synthby',
  'Proxley',
  'Stubbington',
  'Fakenhurst',
  'Pretendon',
];
const PHASES = ['primary', 'primary', 'primary', 'secondary', 'secondary', 'special', 'post_16'];

/** A small, fast, seedable PRNG (mulberry32). */
function random(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    chance: (p: number) => next() < p,
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
  };
}
type Random = ReturnType<typeof random>;

/** Splits a total over the LAs unevenly, as real LAs differ in size (largest about 4x smallest). */
export function shareOut(total: number, parts: number, rng: Random): number[] {
  if (parts === 1) return [total];
  const weights = Array.from(
    { length: parts },
    (_, i) => 1 + (3 * (parts - i)) / parts + rng.next(),
  );
  const sum = weights.reduce((a, b) => a + b, 0);
  const shares = weights.map((w) => Math.floor((total * w) / sum));
  let left = total - shares.reduce((a, b) => a + b, 0);
  for (let i = 0; left > 0; i = (i + 1) % parts, left -= 1) shares[i]! += 1;
  return shares;
}

type CaseDates = {
  stage: Stage;
  receivedOn: CalendarDate;
  decidedOn: CalendarDate | null;
  draftOn: CalendarDate | null;
  planIssuedOn: CalendarDate | null;
  lastReviewOn: CalendarDate | null;
  closedOn: CalendarDate | null;
};

/** The latest annual review held by today: one a year after the plan, some of them late. */
function lastReview(issued: CalendarDate, today: CalendarDate, rng: Random): CalendarDate | null {
  let latest: CalendarDate | null = null;
  for (let year = 1; ; year += 1) {
    const held = addDays(
      addMonths(issued, 12 * year),
      rng.chance(0.75) ? -rng.int(0, 20) : rng.int(1, 90),
    );
    if (held > today) return latest;
    latest = held;
  }
}

/** How a request received on a date has gone by today. */
function requestOutcome(receivedOn: CalendarDate, today: CalendarDate, rng: Random): CaseDates {
  const open = (stage: Stage, dates: Partial<CaseDates> = {}): CaseDates => ({
    stage,
    receivedOn,
    decidedOn: null,
    draftOn: null,
    planIssuedOn: null,
    lastReviewOn: null,
    closedOn: null,
    ...dates,
  });
  // 70% of decisions within the 6 weeks, the rest up to 12.
  const decidedOn = addDays(receivedOn, rng.chance(0.7) ? rng.int(21, 42) : rng.int(43, 84));
  if (decidedOn > today) return open('request_received');
  if (!rng.chance(0.65)) return open('not_assessing', { decidedOn, closedOn: decidedOn });
  if (rng.chance(0.06)) {
    const noticeOn = addDays(receivedOn, rng.int(84, 126));
    return noticeOn > today
      ? open('assessment', { decidedOn })
      : open('no_plan', { decidedOn, closedOn: noticeOn });
  }
  // Fewer than half of final plans within the 20 weeks, as in England today.
  const planIssuedOn = addDays(receivedOn, rng.chance(0.49) ? rng.int(98, 140) : rng.int(141, 280));
  const draftOn = addDays(planIssuedOn, -rng.int(15, 35));
  if (draftOn > today) return open('assessment', { decidedOn });
  if (planIssuedOn > today) return open('draft_plan', { decidedOn, draftOn });
  return open('plan_in_place', {
    decidedOn,
    draftOn,
    planIssuedOn,
    lastReviewOn: lastReview(planIssuedOn, today, rng),
  });
}

/** A plan made before the request history begins (its request is older). */
function olderPlan(historyStart: CalendarDate, today: CalendarDate, rng: Random): CaseDates {
  const planIssuedOn = addDays(historyStart, -rng.int(1, 10 * 365));
  const receivedOn = addDays(planIssuedOn, -rng.int(98, 240));
  return {
    stage: 'plan_in_place',
    receivedOn,
    decidedOn: addDays(receivedOn, rng.int(21, 60)),
    draftOn: addDays(planIssuedOn, -rng.int(15, 35)),
    planIssuedOn,
    lastReviewOn: lastReview(planIssuedOn, today, rng),
    closedOn: null,
  };
}

function at(date: CalendarDate, hour = 10): Date {
  return new Date(`${date}T${String(hour).padStart(2, '0')}:00:00Z`);
}

/** Fills an empty database. Returns what it wrote. */
export async function seedSyntheticData(
  database: DatabaseHandle,
  options: SeedOptions,
  progress: SeedProgress = () => {},
): Promise<SeedSummary> {
  const rng = random(options.seed ?? 20_261_123);
  const { today } = options;
  const historyStart = addDays(today, -Math.round(options.years * 365.25));
  const plansPerLa = shareOut(options.plans, options.localAuthorities, rng);
  const requestsPerLa = shareOut(options.requestsPerYear, options.localAuthorities, rng);
  const writer = await BulkWriter.open(database, TABLES);
  const totalRequests = options.requestsPerYear * options.years;
  const total = options.plans + totalRequests;
  let done = 0;
  let cases = 0;
  try {
    for (let la = 0; la < options.localAuthorities; la += 1) {
      const laId = randomUUID();
      const code = String(101 + la);
      const laName = `Synthetic Authority ${String(la + 1).padStart(3, '0')}`;
      await writer.add(T.localAuthority, [
        laId,
        code,
        laName,
        `${laName} SENDIASS`,
        `https://sendiass.example/${code}`,
      ]);
      const plans = plansPerLa[la]!;
      const requests = requestsPerLa[la]! * options.years;
      const size = plans + requests;

      const person = async (email: string, name: string) => {
        const id = randomUUID();
        await writer.add(T.user, [id, email, name]);
        return id;
      };
      const staff = async (role: string, n: number) => {
        const ids: string[] = [];
        for (let i = 1; i <= n; i += 1) {
          const id = await person(
            `${role.replace('_', '-')}${i}.la${code}@staff.example`,
            `${rng.pick(FIRST_NAMES)} ${rng.pick(LAST_NAMES)} (${role.replace('_', ' ')} ${i})`,
          );
          await writer.add(T.staff, [id, laId, role]);
          ids.push(id);
        }
        return ids;
      };
      const caseworkers = await staff('caseworker', Math.max(2, Math.ceil(size / 450)));
      await staff('decision_maker', Math.max(1, Math.ceil(caseworkers.length / 6)));
      await staff('manager', Math.max(1, Math.ceil(caseworkers.length / 12)));
      await staff('admin', 2);

      const organisation = async (
        kind: string,
        name: string,
        phase: string | null,
        urn: string | null,
      ) => {
        const id = randomUUID();
        await writer.add(T.organisation, [id, kind, name, urn, phase, laId]);
        return id;
      };
      const members = async (organisationId: string, label: string, n: number, title: string) => {
        const ids: string[] = [];
        for (let i = 1; i <= n; i += 1) {
          const id = await person(
            `${label}${i}.la${code}@professionals.example`,
            `${rng.pick(FIRST_NAMES)} ${rng.pick(LAST_NAMES)} (${title})`,
          );
          await writer.add(T.member, [randomUUID(), id, organisationId, title]);
          ids.push(id);
        }
        return ids;
      };
      const schoolCount = Math.max(4, Math.ceil(size / 60));
      const schools: string[] = [];
      for (let i = 1; i <= schoolCount; i += 1) {
        const urn = String(100_000 + la * 5_000 + i);
        const id = await organisation(
          'education_setting',
          `${rng.pick(LAST_NAMES)} ${i} Synthetic School`,
          rng.pick(PHASES),
          urn,
        );
        await members(id, `senco-s${i}-`, 1, 'SENCO');
        schools.push(id);
      }
      const epService = await organisation(
        'educational_psychology_service',
        `${laName} Educational Psychology Service`,
        null,
        null,
      );
      const psychologists = await members(
        epService,
        'ep',
        Math.max(2, Math.ceil(requests / 900)),
        'Educational psychologist',
      );
      const health = await organisation(
        'health_team',
        `${laName} Community Paediatrics`,
        null,
        null,
      );
      await members(health, 'health', Math.max(2, Math.ceil(requests / 900)), 'Paediatrician');
      const socialCare = await organisation(
        'social_care_team',
        `${laName} Children's Social Care`,
        null,
        null,
      );
      await members(socialCare, 'social', Math.max(1, Math.ceil(requests / 1800)), 'Social worker');

      // The cases: each request in the history, then older plans to make up the LA's plans.
      const outcomes: CaseDates[] = [];
      for (let i = 0; i < requests; i += 1) {
        outcomes.push(
          requestOutcome(
            addDays(historyStart, rng.int(0, daysBetween(historyStart, today))),
            today,
            rng,
          ),
        );
      }
      const fromRequests = outcomes.filter((o) => o.stage === 'plan_in_place').length;
      for (let i = fromRequests; i < plans; i += 1)
        outcomes.push(olderPlan(historyStart, today, rng));
      outcomes.sort((a, b) => (a.receivedOn < b.receivedOn ? -1 : 1));

      const sequence = new Map<string, number>();
      for (const outcome of outcomes) {
        const caseId = randomUUID();
        const year = outcome.receivedOn.slice(0, 4);
        const n = (sequence.get(year) ?? 0) + 1;
        sequence.set(year, n);
        const officer = rng.pick(caseworkers);
        const ageAtRequest = rng.int(2, 17);
        const dateOfBirth = addDays(outcome.receivedOn, -(ageAtRequest * 365 + rng.int(0, 364)));
        const next = nextStep({
          stage: outcome.stage,
          requestReceivedOn: outcome.receivedOn,
          planIssuedOn: outcome.planIssuedOn,
          lastReviewOn: outcome.lastReviewOn,
        });
        await writer.add(T.case, [
          caseId,
          laId,
          caseReference(code, Number(year), n),
          rng.pick(FIRST_NAMES),
          rng.pick(LAST_NAMES),
          dateOfBirth,
          outcome.stage,
          outcome.receivedOn,
          outcome.decidedOn,
          outcome.planIssuedOn,
          outcome.lastReviewOn,
          outcome.closedOn,
          next?.dueOn ?? null,
          officer,
          at(outcome.receivedOn, 9),
        ]);
        cases += 1;

        const parent = await person(
          `parent.${code}.${cases}@families.example`,
          `${rng.pick(FIRST_NAMES)} ${rng.pick(LAST_NAMES)}`,
        );
        const added = at(outcome.receivedOn, 9);
        await writer.add(T.participant, [
          randomUUID(),
          caseId,
          parent,
          null,
          'parent_carer',
          null,
          added,
        ]);
        if (rng.chance(0.92)) {
          await writer.add(T.participant, [
            randomUUID(),
            caseId,
            null,
            rng.pick(schools),
            'setting',
            null,
            added,
          ]);
        }
        const assessed = outcome.decidedOn && outcome.stage !== 'not_assessing';
        if (assessed) {
          await writer.add(T.participant, [
            randomUUID(),
            caseId,
            rng.pick(psychologists),
            null,
            'adviser',
            'educational_psychologist',
            at(outcome.decidedOn!, 11),
          ]);
        }

        const events: [string, string, string | null, CalendarDate][] = [
          [
            'request_received',
            'Request for an EHC needs assessment received',
            null,
            outcome.receivedOn,
          ],
        ];
        if (outcome.decidedOn) {
          events.push(
            outcome.stage === 'not_assessing'
              ? [
                  'decided_not_to_assess',
                  'Decided not to carry out an assessment',
                  officer,
                  outcome.decidedOn,
                ]
              : [
                  'decided_to_assess',
                  'Decided to carry out an assessment',
                  officer,
                  outcome.decidedOn,
                ],
          );
        }
        if (outcome.draftOn)
          events.push([
            'draft_plan_issued',
            'Draft plan sent to the family',
            officer,
            outcome.draftOn,
          ]);
        if (outcome.stage === 'no_plan')
          events.push([
            'decided_not_to_issue',
            'Decided not to issue a plan',
            officer,
            outcome.closedOn!,
          ]);
        if (outcome.planIssuedOn)
          events.push(['plan_issued', 'Final plan issued', officer, outcome.planIssuedOn]);
        if (outcome.lastReviewOn)
          events.push(['annual_review', 'Annual review held', officer, outcome.lastReviewOn]);
        for (const [kind, summary, actor, on] of events) {
          await writer.add(T.event, [caseId, kind, summary, actor, at(on)]);
          // Who opened the case around each step: the audit trail grows with the case.
          await writer.add(T.audit, [
            at(on, 11),
            officer,
            'viewed case',
            'case',
            caseId,
            laId,
            `seed-${cases}`,
          ]);
        }

        // Open cases carry the officer's reminder of the next step; some have been read.
        if (next?.dueOn && daysBetween(today, next.dueOn) <= 7) {
          const overdue = next.dueOn < today;
          const title = `${caseReference(code, Number(year), n)}: ${next.description} – ${overdue ? 'overdue' : 'due within 7 days'}`;
          await writer.add(T.notification, [
            randomUUID(),
            officer,
            'reminder',
            caseId,
            laId,
            title,
            `Due ${next.dueOn}`,
            `/cases/${caseId}`,
            true,
            'sent',
            at(overdue ? next.dueOn : addDays(next.dueOn, -7), 8),
            rng.chance(0.5) ? at(today, 8) : null,
          ] satisfies Value[]);
        }
        done += 1;
        if (done % 1000 === 0) progress(Math.min(done, total), total);
      }
    }
    await writer.commit();
    progress(total, total);
  } catch (error) {
    await writer.rollback();
    throw error;
  }
  return {
    localAuthorities: options.localAuthorities,
    cases,
    rows: Object.fromEntries(writer.written),
  };
}
