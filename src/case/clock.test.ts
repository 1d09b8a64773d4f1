import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../test/helpers.ts';
import type { DatabaseHandle } from '../db/database.ts';
import { calendarFrom, calendarOf } from './calendar.ts';
import { caseDatesOf, dueStatusOf, nextDueOn, setCaseStage } from './clock.ts';

const received = '2026-01-05'; // a Monday
const row = {
  stage: 'assessment',
  request_received_on: received,
  plan_issued_on: null,
  last_review_on: null,
  assessment_decided_on: '2026-02-09',
  closed_on: null,
};

describe('the case’s clock', () => {
  it('gives the next step’s due date from the case’s facts and its LA’s calendar', () => {
    // The decision whether to issue a plan: 16 weeks from the day the clock starts.
    expect(nextDueOn(row, {})).toBe('2026-04-27');
    // A request received on a closure day counts from the next working day.
    expect(nextDueOn(row, calendarFrom([received]))).toBe('2026-04-28');
    expect(nextDueOn({ ...row, stage: 'ceased' }, {})).toBeNull();
    expect(nextDueOn({ ...row, stage: 'not-a-stage' }, {})).toBeNull();
  });

  it('tags a step as overdue, due soon or upcoming', () => {
    expect(dueStatusOf(null, '2026-04-01')).toBeNull();
    expect(dueStatusOf('2026-04-27', '2026-04-28')).toBe('overdue');
    expect(dueStatusOf('2026-04-27', '2026-04-24')).toBe('due-soon');
    expect(dueStatusOf('2026-04-27', '2026-03-01')).toBe('upcoming');
  });

  it('gives a page everything about a case’s dates in one place', () => {
    const dates = caseDatesOf(row, [], {}, '2026-03-02');
    expect(dates).toMatchObject({
      nextStep: 'The council decides whether to issue a plan',
      nextStepDueOn: '2026-04-27',
      dueStatus: 'upcoming',
      receivedOn: received,
      weeksSinceRequest: 8,
    });
    expect(dates.deadlines.map((d) => [d.limit, d.dueOn, d.status])).toEqual([
      ['decisionToAssess', '2026-02-16', 'met-on-time'],
      // The next step is in the table too, on the same date.
      ['noPlanNotice', '2026-04-27', 'upcoming'],
      ['finalPlan', '2026-05-25', 'upcoming'],
    ]);
  });

  describe('writing a case’s stage', () => {
    let handle: DatabaseHandle;
    let caseId: string;
    let localAuthorityId: string;

    beforeAll(async () => {
      handle = await createTestDatabase();
      const { db } = handle;
      localAuthorityId = (
        await db
          .insertInto('local_authority')
          .values({ code: '902', name: 'Clockshire' })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id;
      const officer = await db
        .insertInto('app_user')
        .values({ email: 'clock@clock.test', display_name: 'Clo Officer', password_hash: null })
        .returning('id')
        .executeTakeFirstOrThrow();
      await db
        .insertInto('closure_day')
        .values({
          local_authority_id: localAuthorityId,
          closed_on: received,
          description: 'Office move',
          added_by: officer.id,
        })
        .execute();
      caseId = (
        await db
          .insertInto('case')
          .values({
            local_authority_id: localAuthorityId,
            reference: 'CLK-2026-0001',
            child_first_name: 'Ada',
            child_last_name: 'Clock',
            child_date_of_birth: '2016-01-01',
            stage: 'request_received',
            request_received_on: received,
            next_step_due_on: '2026-02-17',
            updated_at: new Date(),
          })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id;
    });

    afterAll(async () => {
      await handle?.close();
    });

    it('stores the stage, its dates and the next-due date the clock gives, with the LA’s calendar', async () => {
      const { nextStepDueOn } = await handle.db
        .transaction()
        .execute((trx) =>
          setCaseStage(trx, caseId, { stage: 'assessment', assessmentDecidedOn: '2026-02-09' }),
        );
      expect(nextStepDueOn).toBe('2026-04-28');
      const stored = await handle.db
        .selectFrom('case')
        .select(['stage', 'assessment_decided_on', 'closed_on', 'next_step_due_on'])
        .where('id', '=', caseId)
        .executeTakeFirstOrThrow();
      expect(stored).toEqual({
        stage: 'assessment',
        assessment_decided_on: '2026-02-09',
        closed_on: null,
        next_step_due_on: nextDueOn(
          { ...row, stage: 'assessment' },
          await calendarOf(handle.db, localAuthorityId),
        ),
      });
    });

    it('clears the next-due date when the case closes', async () => {
      await handle.db
        .transaction()
        .execute((trx) => setCaseStage(trx, caseId, { stage: 'no_plan', closedOn: '2026-04-20' }));
      const stored = await handle.db
        .selectFrom('case')
        .select(['stage', 'closed_on', 'next_step_due_on'])
        .where('id', '=', caseId)
        .executeTakeFirstOrThrow();
      expect(stored).toEqual({ stage: 'no_plan', closed_on: '2026-04-20', next_step_due_on: null });
    });
  });
});
