import type { Db } from '../../db/database.ts';
import { sentReminderOf } from '../../domain/clock/deadlines.ts';
import type { CalendarDate } from '../../domain/clock/calendar-date.ts';
import { formatLongDate } from '../../domain/clock/calendar-date.ts';
import { notifyUser, type Notifier } from '../../case/notify.ts';
import { activeStaffOf } from '../../case/participants.ts';
import { whoActsForTheLa } from '../../policy/policy.ts';
import {
  adviceReminderThreshold,
  adviceReminderWording,
  remindersDueBefore,
} from '../../domain/advice/advice-types.ts';
import * as repo from './repository.ts';

/**
 * Reminders about advice not yet given: to the adviser when it is due within 7 days, due
 * tomorrow and overdue, and when overdue a chaser to the case's officer (or the LA's managers
 * when none is assigned). Only while the case is being assessed: once the council has decided
 * whether to issue a plan, chasing advice makes no sense. Each threshold is sent once: the
 * `advice_reminder_sent` row is written in the transaction that notifies, under a primary key,
 * so a second sweep, even one running at the same time, finds it there and sends nothing. That
 * transaction locks the request and reads it again, so advice given (or an exception recorded)
 * after the list was read stops the reminder. Someone invited who has not registered yet cannot
 * be reminded; nothing is recorded for them until there is someone to tell.
 */

/** The stage advice is asked for and given in. */
const ADVICE_STAGES = ['assessment'] as const;

export type ListedAdviceRequest = Awaited<ReturnType<typeof repo.listUnansweredDueBefore>>[number];

/** Runs the sweep for `today`; returns how many notifications it sent. */
export async function sweepAdviceReminders(
  db: Db,
  notifier: Notifier,
  today: CalendarDate,
): Promise<number> {
  const due = await repo.listUnansweredDueBefore(db, remindersDueBefore(today), ADVICE_STAGES);
  let sent = 0;
  const failures: unknown[] = [];
  for (const request of due) {
    try {
      sent += await sendAdviceReminder(db, notifier, request, today);
    } catch (error) {
      failures.push(error);
    }
  }
  if (failures.length > 0) {
    throw new AggregateError(failures, `${failures.length} advice reminders could not be queued`);
  }
  return sent;
}

/**
 * The reminder one listed request has reached today, if it still needs one: sent in one
 * transaction with the request locked and read again. Returns how many notifications it sent.
 */
export async function sendAdviceReminder(
  db: Db,
  notifier: Notifier,
  request: ListedAdviceRequest,
  today: CalendarDate,
): Promise<number> {
  if (!request.due_on || !request.participant_id) return 0;
  if (!adviceReminderThreshold(request.due_on, today, Boolean(request.has_exception))) return 0;
  return db.transaction().execute(async (trx) => {
    const current = await repo.lockForReminder(trx, request.id);
    if (
      !current ||
      current.status !== 'requested' ||
      current.has_exception ||
      !(ADVICE_STAGES as readonly string[]).includes(current.stage) ||
      !current.due_on ||
      !current.participant_id
    ) {
      return 0;
    }
    const dueOn = current.due_on;
    const threshold = adviceReminderThreshold(dueOn, today, false);
    if (!threshold) return 0;
    const advisers = await repo.adviserUserIds(trx, current.participant_id);
    const chasers =
      threshold === 'overdue'
        ? whoActsForTheLa(
            request.assigned_officer_id,
            await activeStaffOf(trx, request.local_authority_id),
          )
        : [];
    if (advisers.length === 0 && chasers.length === 0) return 0;
    if (!(await repo.claimReminder(trx, request.id, sentReminderOf(threshold)))) return 0;
    const adviserPath = `/cases/${request.case_id}/advice/${request.id}`;
    const officerPath = `/cases/${request.case_id}/advice`;
    const recipients = [
      ...advisers.map((userId) => ({ userId, path: adviserPath, forOfficer: false })),
      ...chasers
        .filter((userId) => !advisers.includes(userId))
        .map((userId) => ({ userId, path: officerPath, forOfficer: true })),
    ];
    for (const { userId, path, forOfficer } of recipients) {
      await notifyUser(trx, notifier, {
        userId,
        kind: 'advice-reminder',
        caseId: request.case_id,
        localAuthorityId: request.local_authority_id,
        title: `${request.reference}: ${adviceReminderWording(threshold)}`,
        body: forOfficer
          ? `Advice was due on ${formatLongDate(dueOn)} and has not been given`
          : `Due ${formatLongDate(dueOn)}`,
        path,
        statutory: true,
        email: {
          reference: request.reference,
          dueOn,
          threshold,
          forOfficer,
          link: `${notifier.baseUrl}${path}`,
        },
      });
    }
    return recipients.length;
  });
}
