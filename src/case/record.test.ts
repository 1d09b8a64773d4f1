import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../test/helpers.ts';
import type { DatabaseHandle } from '../db/database.ts';
import type { JobQueue } from '../jobs/queue.ts';
import type { Notifier } from './notify.ts';
import { participantName, professionalsOfCase, familyOfCase } from './participants.ts';
import { lockCase, recordCaseRead, recordChange } from './record.ts';

/** A job queue that only counts what would be sent: the email rows are the evidence here. */
function countingJobs(): JobQueue & { sent: number } {
  const jobs = {
    sent: 0,
    async send() {
      jobs.sent += 1;
      return null;
    },
  };
  return jobs as unknown as JobQueue & { sent: number };
}

describe('the case record', () => {
  let handle: DatabaseHandle;
  let jobs: JobQueue & { sent: number };
  let notifier: Notifier;
  const ids = {} as Record<
    'la' | 'parent' | 'officer' | 'psychologist' | 'senco' | 'school' | 'case',
    string
  >;
  const context = () => ({ actorUserId: ids.officer!, correlationId: 'test', ipAddress: null });

  beforeAll(async () => {
    handle = await createTestDatabase();
    const { db } = handle;
    jobs = countingJobs();
    notifier = { jobs, baseUrl: 'https://hub.example', unsubscribeSecret: 'secret' };
    ids.la = (
      await db
        .insertInto('local_authority')
        .values({ code: '901', name: 'Testshire' })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
    const user = async (email: string, name: string) =>
      (
        await db
          .insertInto('app_user')
          .values({ email, display_name: name, password_hash: null })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id;
    ids.parent = await user('parent@record.test', 'Pat Parent');
    ids.officer = await user('officer@record.test', 'Olu Officer');
    ids.psychologist = await user('ep@record.test', 'Eve Psychologist');
    ids.senco = await user('senco@record.test', 'Sol Senco');
    ids.school = (
      await db
        .insertInto('organisation')
        .values({ kind: 'education_setting', name: 'Test School', local_authority_id: ids.la })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
    await db
      .insertInto('organisation_membership')
      .values({ user_id: ids.senco, organisation_id: ids.school, job_title: null })
      .execute();
    ids.case = (
      await db
        .insertInto('case')
        .values({
          local_authority_id: ids.la,
          reference: 'REC-2026-0001',
          child_first_name: 'Ada',
          child_last_name: 'Test',
          child_date_of_birth: '2016-01-01',
          stage: 'assessment',
          request_received_on: '2026-01-05',
          next_step_due_on: null,
          assigned_officer_id: ids.officer,
          updated_at: new Date(),
        })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
    await db
      .insertInto('case_participant')
      .values([
        { case_id: ids.case, user_id: ids.parent, case_role: 'parent_carer' },
        {
          case_id: ids.case,
          user_id: ids.psychologist,
          case_role: 'adviser',
          adviser_kind: 'educational_psychologist',
        },
        { case_id: ids.case, organisation_id: ids.school, case_role: 'setting' },
      ])
      .execute();
  });

  afterAll(async () => {
    await handle?.close();
  });

  it('names the family and the professionals of a case, people and organisations’ members', async () => {
    expect(await familyOfCase(handle.db, ids.case)).toEqual([ids.parent]);
    expect((await professionalsOfCase(handle.db, ids.case)).sort()).toEqual(
      [ids.psychologist, ids.senco].sort(),
    );
  });

  it('names a participant as a person, an organisation or whom the LA invited', () => {
    const p = { user_name: null, organisation_name: null, invited_name: null };
    expect(participantName({ ...p, user_name: 'Pat' })).toBe('Pat');
    expect(participantName({ ...p, organisation_name: 'Test School' })).toBe('Test School');
    expect(participantName({ ...p, invited_name: 'Dr Who' })).toBe('Dr Who');
    expect(participantName(p)).toBe('Someone invited');
    expect(participantName(p, 'Not named')).toBe('Not named');
  });

  it('writes a change’s events, audit row and notifications in the caller’s transaction', async () => {
    const path = `/cases/${ids.case}`;
    const result = await handle.db.transaction().execute(async (trx) => {
      const found = await lockCase(trx, ids.case);
      expect(found).toMatchObject({ reference: 'REC-2026-0001', stage: 'assessment' });
      return recordChange(trx, notifier, context(), {
        caseId: ids.case,
        localAuthorityId: ids.la,
        events: [
          { kind: 'test_first', summary: 'First thing happened' },
          { kind: 'test_second', summary: 'Second thing happened' },
        ],
        audit: { action: 'tested the record', details: { n: 1 } },
        notify: [
          {
            to: 'family',
            kind: 'case-update',
            title: 'REC-2026-0001: tested',
            body: 'For the family.',
            path,
            statutory: true,
            email: {
              reference: 'REC-2026-0001',
              what: 'tested',
              link: `https://hub.example${path}`,
            },
          },
          {
            to: 'professionals',
            kind: 'case-update',
            title: 'REC-2026-0001: tested',
            body: 'For the professionals.',
            path,
            statutory: false,
            email: {
              reference: 'REC-2026-0001',
              what: 'tested',
              link: `https://hub.example${path}`,
            },
          },
          {
            to: [ids.officer],
            kind: 'case-update',
            title: 'REC-2026-0001: tested',
            body: 'For the officer.',
            path,
            statutory: false,
            email: {
              reference: 'REC-2026-0001',
              what: 'tested',
              link: `https://hub.example${path}`,
            },
          },
        ],
      });
    });
    expect(result.notified[0]).toEqual([ids.parent]);
    expect([...result.notified[1]!].sort()).toEqual([ids.psychologist, ids.senco].sort());
    expect(result.notified[2]).toEqual([ids.officer]);

    const events = await handle.db
      .selectFrom('case_event')
      .select(['kind', 'summary', 'actor_user_id'])
      .where('case_id', '=', ids.case)
      .orderBy('id')
      .execute();
    expect(events.map((e) => e.kind).sort()).toEqual(['test_first', 'test_second']);
    expect(events.every((e) => e.actor_user_id === ids.officer)).toBe(true);
    const audit = await handle.db
      .selectFrom('audit_event')
      .select(['action', 'subject_type', 'subject_id', 'local_authority_id', 'details'])
      .where('action', '=', 'tested the record')
      .executeTakeFirstOrThrow();
    expect(audit).toMatchObject({
      subject_type: 'case',
      subject_id: ids.case,
      local_authority_id: ids.la,
    });
    expect(audit.details).toEqual({ n: 1 });
    const notes = await handle.db
      .selectFrom('notification')
      .select(['user_id', 'body', 'case_id', 'local_authority_id', 'statutory', 'link'])
      .where('case_id', '=', ids.case)
      .execute();
    expect(notes).toHaveLength(4);
    expect(notes.find((n) => n.user_id === ids.parent)).toMatchObject({
      body: 'For the family.',
      statutory: true,
      local_authority_id: ids.la,
      link: path,
    });
    // Each one is emailed at once (the people chose it): a queued message and its job.
    const emails = await handle.db
      .selectFrom('email_message')
      .select('to_address')
      .where('kind', '=', 'case-update')
      .execute();
    expect(emails).toHaveLength(4);
    expect(jobs.sent).toBe(4);
  });

  it('leaves nothing behind when the caller’s transaction rolls back', async () => {
    const before = await handle.db
      .selectFrom('case_event')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    await expect(
      handle.db.transaction().execute(async (trx) => {
        await recordChange(trx, notifier, context(), {
          caseId: ids.case,
          localAuthorityId: ids.la,
          events: [{ kind: 'test_rolled_back', summary: 'Never happened' }],
          audit: { action: 'rolled back' },
        });
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    const after = await handle.db
      .selectFrom('case_event')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
    const audit = await handle.db
      .selectFrom('audit_event')
      .select('id')
      .where('action', '=', 'rolled back')
      .execute();
    expect(audit).toHaveLength(0);
  });

  it('refuses a change that notifies people without a notifier', async () => {
    await expect(
      handle.db.transaction().execute((trx) =>
        recordChange(trx, null, context(), {
          caseId: ids.case,
          localAuthorityId: ids.la,
          notify: [
            {
              to: 'family',
              kind: 'case-update',
              title: 't',
              body: 'b',
              path: '/',
              statutory: false,
              email: { reference: 'R', what: 'w', link: 'l' },
            },
          ],
        }),
      ),
    ).rejects.toThrow(/notifier/);
  });

  it('takes the case’s lock itself, and refuses a change to a case that does not exist', async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    await expect(
      handle.db.transaction().execute((trx) =>
        recordChange(trx, null, context(), {
          caseId: missing,
          localAuthorityId: ids.la,
          events: [{ kind: 'note', summary: 'Nothing' }],
          audit: { action: 'changed nothing' },
        }),
      ),
    ).rejects.toThrow(/does not exist/);
    const audit = await handle.db
      .selectFrom('audit_event')
      .select('id')
      .where('subject_id', '=', missing)
      .execute();
    expect(audit).toHaveLength(0);
  });

  it('audits a read against the case', async () => {
    await recordCaseRead(handle.db, context(), {
      caseId: ids.case,
      localAuthorityId: ids.la,
      action: 'viewed the test page',
      details: { page: 'test' },
    });
    const row = await handle.db
      .selectFrom('audit_event')
      .select(['subject_id', 'details'])
      .where('action', '=', 'viewed the test page')
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ subject_id: ids.case, details: { page: 'test' } });
  });
});
