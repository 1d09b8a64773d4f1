import type { Db } from '../../db/database.ts';
import { formatLongDate } from '../../domain/clock/calendar-date.ts';
import { notifyUser, type Notifier } from '../notifications/notify.ts';
import {
  adviceReminderThreshold,
  remindersDueBefore,
  type AdviceReminderThreshold,
} from './advice-types.ts';
import * as repo from './repository.ts';
import { OPEN_STAGES } from './service.ts';

/**
 * Reminders about advice not yet given: to the adviser when it is due within 7 days, due
 * tomorrow and overdue, and when overdue a chaser to the case's officer (or the LA's managers
 * when none is assigned). Each threshold is sent once: the `advice_reminder_sent` row is written
 * in the transaction that notifies, under a primary key, so a second sweep, even one running at
 * the same time, finds it there and sends nothing. Someone invited who has not registered yet
 * cannot be reminded; nothing is recorded for them until there is someone to tell.
 */
const THRESHOLD_TITLES: Record<AdviceReminderThreshold, string> = {
  'due-in-7-days': 'advice due within 7 days',
  'due-tomorrow': 'advice due tomorrow',
  overdue: 'advice overdue',
};

/** Runs the sweep for `today`; returns how many notifications it sent. */
export async function sweepAdviceReminders(
  db: Db,
  notifier: Notifier,
  today: string,
): Promise<number> {
  const due = await repo.listUnansweredDueBefore(db, remindersDueBefore(today), OPEN_STAGES);
  let sent = 0;
  const failures: unknown[] = [];
  for (const request of due) {
    if (!request.due_on || !request.participant_id) continue;
    const threshold = adviceReminderThreshold(
      request.due_on,
      today,
      Boolean(request.has_exception),
    );
    if (!threshold) continue;
    const participantId = request.participant_id;
    const dueOn = request.due_on;
    try {
      sent += await db.transaction().execute(async (trx) => {
        const advisers = await repo.adviserUserIds(trx, participantId);
        const chasers =
          threshold === 'overdue'
            ? await repo.chasersOf(trx, request.local_authority_id, request.assigned_officer_id)
            : [];
        if (advisers.length === 0 && chasers.length === 0) return 0;
        if (!(await repo.claimReminder(trx, request.id, threshold))) return 0;
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
            title: `${request.reference}: ${THRESHOLD_TITLES[threshold]}`,
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
    } catch (error) {
      failures.push(error);
    }
  }
  if (failures.length > 0) {
    throw new AggregateError(failures, `${failures.length} advice reminders could not be queued`);
  }
  return sent;
}
