import type { Db, DbOrTrx } from '../../db/database.ts';
import { addDays, addMonths, addWeeks, todayInEngland } from '../../domain/clock/calendar-date.ts';
import type { Stage } from '../../domain/pathway/stages.ts';
import type { CaseRole, StaffRole } from '../../domain/people.ts';
import { hashPassword, sha256 } from '../../web/secrets.ts';
import { nextDueOn } from '../../case/clock.ts';
import * as repo from './repository.ts';

/**
 * A demo LA with about twenty cases at every stage and one account per role, for trying Pathway
 * out and for the browser tests. Every name is invented. Never loaded in production.
 */
export const DEMO_PASSWORD = 'demo-password-2026';
export const DEMO_LA_CODE = '999';

export const DEMO_ACCOUNTS = [
  {
    key: 'parent',
    email: 'parent@demo.pathway.test',
    name: 'Priya Demo-Parent',
    describes: 'Parent',
  },
  {
    key: 'youngPerson',
    email: 'young.person@demo.pathway.test',
    name: 'Jordan Demo-Young',
    describes: 'Young person (17)',
  },
  {
    key: 'senco',
    email: 'senco@demo.pathway.test',
    name: 'Sam Demo-Senco',
    describes: 'SENCO at Oakfield Primary School',
  },
  {
    key: 'psychologist',
    email: 'psychologist@demo.pathway.test',
    name: 'Dr Alex Demo-Psych',
    describes: 'Educational psychologist',
  },
  {
    key: 'health',
    email: 'health@demo.pathway.test',
    name: 'Morgan Demo-Health',
    describes: 'Health adviser',
  },
  {
    key: 'socialCare',
    email: 'social.care@demo.pathway.test',
    name: 'Robin Demo-Social',
    describes: 'Social care adviser',
  },
  {
    key: 'caseworker',
    email: 'caseworker@demo.pathway.test',
    name: 'Casey Demo-Worker',
    describes: 'Caseworker',
  },
  {
    key: 'decisionMaker',
    email: 'decision.maker@demo.pathway.test',
    name: 'Dana Demo-Decider',
    describes: 'Decision maker',
  },
  {
    key: 'manager',
    email: 'manager@demo.pathway.test',
    name: 'Max Demo-Manager',
    describes: 'Manager',
  },
  {
    key: 'admin',
    email: 'admin@demo.pathway.test',
    name: 'Ari Demo-Admin',
    describes: 'LA administrator',
  },
] as const;

export type DemoAccountKey = (typeof DEMO_ACCOUNTS)[number]['key'];

const STAFF_ROLES_BY_ACCOUNT: Partial<Record<DemoAccountKey, StaffRole>> = {
  caseworker: 'caseworker',
  decisionMaker: 'decision_maker',
  manager: 'manager',
  admin: 'admin',
};

const FIRST_NAMES = [
  'Ada',
  'Ben',
  'Cleo',
  'Dev',
  'Ella',
  'Finn',
  'Gus',
  'Hana',
  'Isla',
  'Jay',
  'Kit',
  'Lola',
  'Milo',
  'Nia',
  'Ollie',
  'Pip',
  'Quinn',
  'Rae',
  'Sid',
  'Tess',
  'Uma',
  'Vic',
];
const LAST_NAMES = [
  'Applewood',
  'Brookfield',
  'Cobblestone',
  'Dandelion',
  'Elderberry',
  'Foxglove',
  'Gingerbread',
  'Hazelnut',
  'Inkwell',
  'Juniper',
  'Kettleby',
  'Lavender',
  'Marigold',
  'Nutmeg',
  'Oakapple',
  'Pepperpot',
  'Quillsby',
  'Rosehip',
  'Saffron',
  'Thistledown',
  'Umberfield',
  'Violetta',
];

type DemoCase = {
  stage: Stage;
  /** Days before today that the request was received. */
  receivedDaysAgo: number;
  ageYears: number;
  participants: (DemoAccountKey | 'school' | 'secondary' | 'epService')[];
  assigned: boolean;
};

/** About twenty cases spread over every stage, some on time, some due soon, some overdue. */
const DEMO_CASES: DemoCase[] = [
  {
    stage: 'request_received',
    receivedDaysAgo: 3,
    ageYears: 6,
    participants: ['parent', 'school'],
    assigned: false,
  },
  {
    stage: 'request_received',
    receivedDaysAgo: 20,
    ageYears: 8,
    participants: ['school'],
    assigned: true,
  },
  { stage: 'request_received', receivedDaysAgo: 38, ageYears: 4, participants: [], assigned: true },
  {
    stage: 'request_received',
    receivedDaysAgo: 50,
    ageYears: 10,
    participants: ['secondary'],
    assigned: false,
  },
  {
    stage: 'assessment',
    receivedDaysAgo: 50,
    ageYears: 7,
    participants: ['parent', 'school', 'psychologist', 'health'],
    assigned: true,
  },
  {
    stage: 'assessment',
    receivedDaysAgo: 70,
    ageYears: 12,
    participants: ['secondary', 'psychologist', 'socialCare'],
    assigned: true,
  },
  {
    stage: 'assessment',
    receivedDaysAgo: 105,
    ageYears: 9,
    participants: ['school', 'epService', 'health'],
    assigned: true,
  },
  {
    stage: 'assessment',
    receivedDaysAgo: 118,
    ageYears: 5,
    participants: ['psychologist'],
    assigned: false,
  },
  {
    stage: 'draft_plan',
    receivedDaysAgo: 115,
    ageYears: 11,
    participants: ['school', 'psychologist', 'health', 'socialCare'],
    assigned: true,
  },
  {
    stage: 'draft_plan',
    receivedDaysAgo: 132,
    ageYears: 17,
    participants: ['youngPerson', 'psychologist'],
    assigned: true,
  },
  {
    stage: 'draft_plan',
    receivedDaysAgo: 150,
    ageYears: 14,
    participants: ['secondary', 'health'],
    assigned: true,
  },
  {
    stage: 'plan_in_place',
    receivedDaysAgo: 400,
    ageYears: 9,
    participants: ['parent', 'school', 'psychologist'],
    assigned: true,
  },
  {
    stage: 'plan_in_place',
    receivedDaysAgo: 520,
    ageYears: 13,
    participants: ['secondary', 'socialCare'],
    assigned: true,
  },
  {
    stage: 'plan_in_place',
    receivedDaysAgo: 700,
    ageYears: 16,
    participants: ['youngPerson', 'health'],
    assigned: true,
  },
  {
    stage: 'plan_in_place',
    receivedDaysAgo: 510,
    ageYears: 6,
    participants: ['school'],
    assigned: false,
  },
  {
    stage: 'plan_in_place',
    receivedDaysAgo: 900,
    ageYears: 15,
    participants: ['secondary'],
    assigned: true,
  },
  {
    stage: 'not_assessing',
    receivedDaysAgo: 80,
    ageYears: 8,
    participants: ['parent'],
    assigned: true,
  },
  {
    stage: 'no_plan',
    receivedDaysAgo: 200,
    ageYears: 10,
    participants: ['school', 'psychologist'],
    assigned: true,
  },
  {
    stage: 'ceased',
    receivedDaysAgo: 1500,
    ageYears: 19,
    participants: ['socialCare'],
    assigned: true,
  },
  {
    stage: 'request_received',
    receivedDaysAgo: 1,
    ageYears: 3,
    participants: ['health'],
    assigned: false,
  },
];

export async function hasAnyLocalAuthority(db: DbOrTrx): Promise<boolean> {
  return repo.hasAnyLocalAuthority(db);
}

export async function seedDemoData(db: Db, today = todayInEngland()): Promise<{ cases: number }> {
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  return db.transaction().execute(async (trx) => {
    const la = await repo.insertLocalAuthority(trx, {
      code: DEMO_LA_CODE,
      name: 'Demoshire County Council',
      sendiass_name: 'Demoshire SENDIASS',
      sendiass_url: 'https://sendiass.demoshire.example',
    });
    const otherLa = await repo.insertLocalAuthority(trx, {
      code: '998',
      name: 'Exampleton Borough Council',
      sendiass_name: 'Exampleton SENDIASS',
    });

    const organisation = async (values: {
      kind: string;
      name: string;
      urn?: string;
      phase?: string;
      la: string;
    }) =>
      repo.insertOrganisation(trx, {
        kind: values.kind,
        name: values.name,
        urn: values.urn ?? null,
        phase: values.phase ?? null,
        local_authority_id: values.la,
      });
    const orgs = {
      school: await organisation({
        kind: 'education_setting',
        name: 'Oakfield Primary School',
        urn: '999001',
        phase: 'primary',
        la: la.id,
      }),
      secondary: await organisation({
        kind: 'education_setting',
        name: 'Riverside Academy',
        urn: '999002',
        phase: 'secondary',
        la: la.id,
      }),
      epService: await organisation({
        kind: 'educational_psychology_service',
        name: 'Demoshire Educational Psychology Service',
        la: la.id,
      }),
      healthTeam: await organisation({
        kind: 'health_team',
        name: 'Demoshire Children’s Community Health',
        la: la.id,
      }),
      socialCareTeam: await organisation({
        kind: 'social_care_team',
        name: 'Demoshire Children’s Social Care',
        la: la.id,
      }),
    };

    const users = {} as Record<DemoAccountKey, string>;
    for (const account of DEMO_ACCOUNTS) {
      const userId = await repo.insertUser(trx, {
        email: account.email,
        display_name: account.name,
        password_hash: passwordHash,
        second_factor: 'email',
      });
      users[account.key] = userId;
      await repo.insertRecoveryCode(trx, userId, sha256('demo-reco-very'));
      const role = STAFF_ROLES_BY_ACCOUNT[account.key];
      if (role) await repo.insertStaffMembership(trx, userId, la.id, role);
    }
    const memberships: [DemoAccountKey, string][] = [
      ['senco', orgs.school],
      ['psychologist', orgs.epService],
      ['health', orgs.healthTeam],
      ['socialCare', orgs.socialCareTeam],
    ];
    for (const [key, organisationId] of memberships) {
      await repo.insertOrganisationMembership(trx, users[key], organisationId);
    }

    const year = today.slice(0, 4);
    let number = 0;
    const addCase = async (laId: string, prefix: string, spec: DemoCase) => {
      number += 1;
      const receivedOn = addDays(today, -spec.receivedDaysAgo);
      const decidedOn = spec.stage === 'request_received' ? null : addWeeks(receivedOn, 5);
      const planIssuedOn = ['plan_in_place', 'ceased'].includes(spec.stage)
        ? addWeeks(receivedOn, 19)
        : null;
      const lastReviewOn =
        planIssuedOn && spec.receivedDaysAgo > 550 ? addMonths(planIssuedOn, 11) : null;
      const closedOn = ['not_assessing', 'no_plan', 'ceased'].includes(spec.stage)
        ? addDays(today, -10)
        : null;
      // The clock's own due date; a new LA has no closure days yet, so its calendar is empty.
      const nextStepDueOn = nextDueOn(
        {
          stage: spec.stage,
          request_received_on: receivedOn,
          plan_issued_on: planIssuedOn,
          last_review_on: lastReviewOn,
        },
        {},
      );
      const i = number - 1;
      const created = await repo.insertCase(trx, {
        local_authority_id: laId,
        reference: `${prefix}-${year}-${String(number).padStart(4, '0')}`,
        child_first_name: FIRST_NAMES[i % FIRST_NAMES.length]!,
        child_last_name: LAST_NAMES[(i * 7) % LAST_NAMES.length]!,
        child_date_of_birth: addDays(today, -Math.round(spec.ageYears * 365.25) - (i % 200)),
        stage: spec.stage,
        request_received_on: receivedOn,
        assessment_decided_on: decidedOn,
        plan_issued_on: planIssuedOn,
        last_review_on: lastReviewOn,
        closed_on: closedOn,
        next_step_due_on: nextStepDueOn,
        assigned_officer_id: spec.assigned && laId === la.id ? users.caseworker : null,
        updated_at: new Date(),
      });
      for (const who of spec.participants) {
        const role: CaseRole =
          who === 'parent'
            ? 'parent_carer'
            : who === 'youngPerson'
              ? 'young_person'
              : who === 'school' || who === 'secondary'
                ? 'setting'
                : 'adviser';
        const isOrg = who === 'school' || who === 'secondary' || who === 'epService';
        await repo.insertParticipant(trx, {
          case_id: created.id,
          user_id: isOrg ? null : users[who as DemoAccountKey],
          organisation_id: isOrg ? orgs[who as 'school' | 'secondary' | 'epService'] : null,
          case_role: role,
          adviser_kind:
            role !== 'adviser'
              ? null
              : who === 'health'
                ? 'health'
                : who === 'socialCare'
                  ? 'social_care'
                  : 'educational_psychologist',
        });
      }
      const events: [string, string, string | null][] = [
        ['request_received', 'Request for an EHC needs assessment received', receivedOn],
      ];
      if (decidedOn) {
        events.push(
          spec.stage === 'not_assessing'
            ? ['decided_not_to_assess', 'Decided not to carry out an assessment', decidedOn]
            : ['decided_to_assess', 'Decided to carry out an assessment', decidedOn],
        );
      }
      if (['draft_plan', 'plan_in_place', 'ceased'].includes(spec.stage)) {
        events.push([
          'draft_plan_issued',
          'Draft plan sent to the family',
          addWeeks(receivedOn, 15),
        ]);
      }
      if (spec.stage === 'no_plan') {
        events.push([
          'decided_not_to_issue',
          'Decided not to issue a plan',
          addWeeks(receivedOn, 15),
        ]);
      }
      if (planIssuedOn) events.push(['plan_issued', 'Final plan issued', planIssuedOn]);
      if (lastReviewOn) events.push(['annual_review', 'Annual review held', lastReviewOn]);
      if (spec.stage === 'ceased') events.push(['plan_ceased', 'Plan ceased', closedOn]);
      for (const [kind, summary, on] of events) {
        await repo.insertEvent(trx, {
          case_id: created.id,
          kind,
          summary,
          actor_user_id: kind === 'request_received' ? null : users.caseworker,
          occurred_at: `${on}T10:00:00Z`,
          details: '{}',
        });
      }
    };
    for (const spec of DEMO_CASES) await addCase(la.id, 'DEM', spec);
    // A case in a second LA: the SENCO's school and the psychologist work across both.
    await addCase(otherLa.id, 'EXA', {
      stage: 'assessment',
      receivedDaysAgo: 30,
      ageYears: 9,
      participants: ['school', 'psychologist', 'parent'],
      assigned: false,
    });
    return { cases: number };
  });
}
