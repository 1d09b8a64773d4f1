import type { Db } from '../../db/database.ts';
import {
  REMINDER_WORDS,
  reminderThreshold,
  sentReminderOf,
  type Deadline,
} from '../../domain/clock/deadlines.ts';
import { OPEN_STAGES } from '../../domain/pathway/stages.ts';
import { whoActsForTheLa } from '../../policy/policy.ts';
import type { Calendar } from '../../domain/clock/working-days.ts';
import { calendarOf } from '../../case/calendar.ts';
import { caseDatesOf } from '../../case/clock.ts';
import { queueEmail } from '../../case/email/email-queue.ts';
import { notifyUser, type Notifier } from '../../case/notify.ts';
import { activeStaffOf } from '../../case/participants.ts';
import * as repo from './repository.ts';

/**
 * The reminder sweep: finds every statutory step of an open case that is due within 7 days, due
 * tomorrow, due today or overdue, and reminds whoever must act, once per step and threshold
 * (deadlines.ts sentReminderOf: "due today" stands in for the day-before reminder, when that
 * has not gone). The `reminder_sent` row is written in the transaction that queues the
 * reminder, under a primary key, so a second sweep (or a second worker running the same sweep)
 * finds it there and sends nothing.
 *
 * Who acts: the LA does every step the clock models so far (decisions, the plan, the annual
 * review), so its assigned officer is reminded, or the LA's managers when none is assigned.
 */
const BATCH = 500;

type OpenCaseDeadlines = {
  caseId: string;
  reference: string;
  localAuthorityId: string;
  officerId: string | null;
  deadlines: Deadline[];
};

/** Every open case's deadlines, a batch at a time (keyset order, so memory stays flat). */
async function* openCaseDeadlines(db: Db, today: string): AsyncGenerator<OpenCaseDeadlines[]> {
  const calendars = new Map<string, Calendar>();
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const rows = await repo.openCasesAfter(db, OPEN_STAGES, after, BATCH);
    if (rows.length === 0) return;
    after = rows.at(-1)!.id;
    const exceptions = await repo.exceptionsOfCases(
      db,
      rows.map((r) => r.id),
    );
    const batch: OpenCaseDeadlines[] = [];
    for (const row of rows) {
      let calendar = calendars.get(row.local_authority_id);
      if (!calendar) {
        calendar = await calendarOf(db, row.local_authority_id);
        calendars.set(row.local_authority_id, calendar);
      }
      const dates = caseDatesOf(
        row,
        exceptions.filter((e) => e.case_id === row.id),
        calendar,
        today,
      );
      batch.push({
        caseId: row.id,
        reference: row.reference,
        localAuthorityId: row.local_authority_id,
        officerId: row.assigned_officer_id,
        deadlines: dates.deadlines,
      });
    }
    yield batch;
  }
}

/** The LA's staff who can be reminded: current members with accounts in use. */
type ActiveStaff = {
  localAuthorityName: string;
  staff: { id: string; role: string }[];
  managers: { id: string; email: string }[];
};

async function staffToRemind(db: Db, localAuthorityId: string): Promise<ActiveStaff> {
  const rows = await activeStaffOf(db, localAuthorityId);
  return {
    localAuthorityName: rows[0]?.name ?? '',
    staff: rows,
    managers: rows.filter((r) => r.role === 'manager').map((r) => ({ id: r.id, email: r.email })),
  };
}

/**
 * Who is reminded about a case's step: the policy's rule (its officer, or else the LA's
 * managers). Nobody, when the LA has neither: then nothing is recorded as sent, and the next
 * sweep tries again.
 */
function recipientsFor(c: OpenCaseDeadlines, staff: ActiveStaff): string[] {
  return whoActsForTheLa(c.officerId, staff.staff);
}

/**
 * Runs the sweep for today. Returns how many reminders it queued (one per step and person). A
 * step that fails does not stop the others; the sweep then fails, to be run again (it is safe).
 */
export async function sweepReminders(db: Db, notifier: Notifier, today: string): Promise<number> {
  let sent = 0;
  const failures: unknown[] = [];
  const staffOf = new Map<string, ActiveStaff>();
  for await (const batch of openCaseDeadlines(db, today)) {
    const due = batch.flatMap((c) =>
      c.deadlines.flatMap((deadline) => {
        const threshold = reminderThreshold(deadline, today);
        return threshold ? [{ case: c, deadline, threshold }] : [];
      }),
    );
    for (const { case: c, deadline, threshold } of due) {
      try {
        let staff = staffOf.get(c.localAuthorityId);
        if (!staff) {
          staff = await staffToRemind(db, c.localAuthorityId);
          staffOf.set(c.localAuthorityId, staff);
        }
        const people = recipientsFor(c, staff);
        if (people.length === 0) continue;
        sent += await db.transaction().execute(async (trx) => {
          const claimed = await repo.claimReminder(trx, {
            caseId: c.caseId,
            limit: deadline.limit,
            dueOn: deadline.dueOn,
            threshold: sentReminderOf(threshold),
          });
          if (!claimed) return 0;
          const path = `/cases/${c.caseId}`;
          for (const userId of people) {
            await notifyUser(trx, notifier, {
              userId,
              kind: 'reminder',
              caseId: c.caseId,
              localAuthorityId: c.localAuthorityId,
              title: `${c.reference}: ${deadline.step} – ${REMINDER_WORDS[threshold]}`,
              body: `Due ${deadline.dueOn}`,
              path,
              statutory: true,
              email: {
                reference: c.reference,
                step: deadline.step,
                dueOn: deadline.dueOn,
                threshold,
                link: `${notifier.baseUrl}${path}`,
              },
            });
          }
          return people.length;
        });
      } catch (error) {
        failures.push(error);
      }
    }
  }
  if (failures.length > 0) {
    throw new AggregateError(failures, `${failures.length} reminders could not be queued`);
  }
  return sent;
}

/** At most this many steps are listed in a manager's email; the hub lists them all. */
export const SUMMARY_LIST_LIMIT = 50;

/**
 * Each LA's managers get one email a day listing the LA's overdue steps. The day's
 * `overdue_summary_sent` row makes it once a day, however often or widely it runs.
 */
export async function sendOverdueSummaries(
  db: Db,
  notifier: Notifier,
  today: string,
): Promise<number> {
  const overdue = new Map<
    string,
    { reference: string; step: string; dueOn: string; caseId: string }[]
  >();
  for await (const batch of openCaseDeadlines(db, today)) {
    for (const c of batch) {
      for (const deadline of c.deadlines) {
        if (reminderThreshold(deadline, today) !== 'overdue') continue;
        const list = overdue.get(c.localAuthorityId) ?? [];
        list.push({
          reference: c.reference,
          step: deadline.step,
          dueOn: deadline.dueOn,
          caseId: c.caseId,
        });
        overdue.set(c.localAuthorityId, list);
      }
    }
  }
  let sent = 0;
  for (const [localAuthorityId, steps] of overdue) {
    steps.sort((a, b) => a.dueOn.localeCompare(b.dueOn) || a.reference.localeCompare(b.reference));
    const { managers: recipients, localAuthorityName } = await staffToRemind(db, localAuthorityId);
    if (recipients.length === 0) continue;
    sent += await db.transaction().execute(async (trx) => {
      const claimed = await repo.claimOverdueSummary(trx, localAuthorityId, today);
      if (!claimed) return 0;
      for (const manager of recipients) {
        await queueEmail(trx, notifier.jobs, {
          kind: 'overdue-summary',
          to: manager.email,
          userId: manager.id,
          localAuthorityId,
          data: {
            localAuthorityName,
            total: steps.length,
            steps: steps.slice(0, SUMMARY_LIST_LIMIT).map((s) => ({
              reference: s.reference,
              step: s.step,
              dueOn: s.dueOn,
              link: `${notifier.baseUrl}/cases/${s.caseId}`,
            })),
            link: `${notifier.baseUrl}/cases?due=overdue`,
          },
        });
      }
      return recipients.length;
    });
  }
  return sent;
}
