import { LRUCache } from 'lru-cache';
import type { Db } from '../../db/database.ts';
import { listAuditForSubject, type AuditContext } from '../../audit/audit.ts';
import { addDays, todayInEngland } from '../../domain/clock/calendar-date.ts';
import { DUE_SOON_DAYS, type LimitName } from '../../domain/clock/deadlines.ts';
import {
  EXCEPTION_LIMITS,
  REASONS_FOR_LIMIT,
  type ExceptionReason,
} from '../../domain/clock/exceptions.ts';
import { staffAuthorities, type Actor } from '../../policy/policy.ts';
import { findCaseSummary } from '../../case/access.ts';
import { calendarFrom } from '../../case/calendar.ts';
import { caseDatesOf, dueStatusOf, nextStepOf } from '../../case/clock.ts';
import type { Notifier } from '../../case/notify.ts';
import { listStaffOfAuthorities, participantName } from '../../case/participants.ts';
import { lockCase, recordCaseRead, recordChange } from '../../case/record.ts';
import * as repo from './repository.ts';

export const TRAY_PAGE_SIZE = 25;

type Officer = { id: string; display_name: string };

/**
 * The officer filter offers a whole LA's staff (160 people in a large LA) on every tray page, so
 * the list is kept for 30 seconds per database: someone who joins or leaves an LA's staff shows
 * in, or goes from, the filter within that time. Only names and ids are kept.
 */
const OFFICER_LIST_SECONDS = 30;
const officerLists = new WeakMap<Db, LRUCache<string, Officer[]>>();

async function officersOf(db: Db, localAuthorityIds: string[]): Promise<Officer[]> {
  let lists = officerLists.get(db);
  if (!lists) {
    lists = new LRUCache({ max: 1_000, ttl: OFFICER_LIST_SECONDS * 1000 });
    officerLists.set(db, lists);
  }
  const key = [...localAuthorityIds].sort().join(',');
  let officers = lists.get(key);
  if (!officers) {
    officers = await listStaffOfAuthorities(db, localAuthorityIds);
    lists.set(key, officers);
  }
  return officers;
}

export async function caseworkerTray(
  db: Db,
  actor: Actor,
  filter: {
    localAuthorityId?: string | undefined;
    stage?: string | undefined;
    officer?: string | undefined;
    /** Officers whose names contain these words (any case). */
    officerName?: string | undefined;
    /** Only steps past their date, or due within 7 days. */
    due?: 'overdue' | 'due-soon' | undefined;
    page: number;
  },
  context: AuditContext,
) {
  const authorities = staffAuthorities(actor);
  const localAuthorityIds = filter.localAuthorityId ? [filter.localAuthorityId] : authorities;
  const today = todayInEngland();
  const officers = await officersOf(db, localAuthorityIds);
  const named = filter.officerName?.toLocaleLowerCase('en-GB');
  const officerIds = named
    ? officers
        .filter((o) => o.display_name.toLocaleLowerCase('en-GB').includes(named))
        .map((o) => o.id)
    : undefined;
  const { rows, total, more } = await repo.listTray(
    db,
    {
      localAuthorityIds,
      stage: filter.stage,
      officer: filter.officer,
      officerIds,
      dueBefore:
        filter.due === 'overdue'
          ? today
          : filter.due === 'due-soon'
            ? addDays(today, DUE_SOON_DAYS + 1)
            : undefined,
      dueFrom: filter.due === 'due-soon' ? today : undefined,
      limit: TRAY_PAGE_SIZE,
      offset: (filter.page - 1) * TRAY_PAGE_SIZE,
    },
    context,
  );
  return {
    total,
    /** True when there are more cases than the tray counts (see TRAY_COUNT_LIMIT). */
    more,
    pageCount: Math.max(1, Math.ceil(total / TRAY_PAGE_SIZE)),
    officers,
    cases: rows.map((r) => ({
      id: r.id,
      reference: r.reference,
      childName: `${r.child_first_name} ${r.child_last_name}`,
      stage: r.stage,
      nextStepDueOn: r.next_step_due_on,
      dueStatus: dueStatusOf(r.next_step_due_on, today),
      officerName: r.officer_name,
    })),
  };
}

export async function casesForParticipant(db: Db, actor: Actor, context: AuditContext) {
  const rows = await repo.listCasesOfParticipant(db, actor.userId, actor.organisationIds, context);
  const today = todayInEngland();
  return rows.map((r) => {
    const next = nextStepOf(r, calendarFrom(r.closures));
    return {
      id: r.id,
      reference: r.reference,
      childName: `${r.child_first_name} ${r.child_last_name}`,
      localAuthorityName: r.local_authority_name,
      stage: r.stage,
      nextStep: next?.description ?? null,
      nextStepDueOn: next?.dueOn ?? null,
      dueStatus: dueStatusOf(next?.dueOn ?? null, today),
    };
  });
}

/** A case's overview. Every view is written to the audit log by the query that reads it. */
export async function viewCase(db: Db, caseId: string, context: AuditContext) {
  const found = await repo.findCaseOverview(db, caseId, context);
  if (!found) return null;
  const { exceptions } = found;
  const dates = caseDatesOf(found, exceptions, calendarFrom(found.closures), todayInEngland());
  return {
    clock: {
      receivedOn: dates.receivedOn,
      weeksSinceRequest: dates.weeksSinceRequest,
      deadlines: dates.deadlines,
    },
    exceptions: exceptions.map((e) => ({
      limit: e.limit_name,
      reason: e.reason,
      details: e.details,
      occurredOn: e.occurred_on,
      recordedAt: e.recorded_at,
      recordedBy: e.recorded_by_name,
    })),
    id: found.id,
    reference: found.reference,
    localAuthorityName: found.local_authority_name,
    child: {
      name: `${found.child_first_name} ${found.child_last_name}`,
      dateOfBirth: found.child_date_of_birth,
    },
    stage: found.stage,
    officerName: found.officer_name,
    keyDates: {
      requestReceivedOn: found.request_received_on,
      assessmentDecidedOn: found.assessment_decided_on,
      planDecidedOn: found.plan_decided_on ?? (found.stage === 'no_plan' ? found.closed_on : null),
      planIssuedOn: found.plan_issued_on,
      lastReviewOn: found.last_review_on,
      closedOn: found.closed_on,
    },
    nextStep: dates.nextStep,
    nextStepDueOn: dates.nextStepDueOn,
    dueStatus: dates.dueStatus,
    participants: found.participants.map((p) => ({
      name: participantName(p),
      isOrganisation: Boolean(p.organisation_name),
      invited: !p.user_name && !p.organisation_name,
      caseRole: p.case_role,
      adviserKind: p.adviser_kind,
    })),
    events: found.events,
    requests: found.requests.map((r) => ({
      id: r.id,
      reference: r.reference,
      channel: r.channel,
      receivedOn: r.received_on,
      documents: Number(r.documents ?? 0),
    })),
  };
}

export const ACCESS_LOG_PAGE_SIZE = 50;

export async function caseAccessLog(db: Db, caseId: string, page: number, context: AuditContext) {
  const found = await findCaseSummary(db, caseId);
  if (!found) return null;
  const log = await listAuditForSubject(db, 'case', caseId, {
    limit: ACCESS_LOG_PAGE_SIZE,
    offset: (page - 1) * ACCESS_LOG_PAGE_SIZE,
  });
  await recordCaseRead(db, context, {
    caseId,
    localAuthorityId: found.local_authority_id,
    action: 'viewed access log',
  });
  return {
    id: found.id,
    reference: found.reference,
    ...log,
    pageCount: Math.max(1, Math.ceil(log.total / ACCESS_LOG_PAGE_SIZE)),
  };
}

export type NewException = {
  limit: LimitName;
  reason: ExceptionReason;
  details: string;
  occurredOn: string;
};

/**
 * Records why a time limit did not bind, with who recorded it, in one transaction with the
 * case's timeline and the audit log. The due date does not move; a late step shows as excused.
 */
export async function recordException(
  db: Db,
  notifier: Notifier,
  caseId: string,
  exception: NewException,
  context: AuditContext & { actorUserId: string },
): Promise<'recorded' | 'reason-not-allowed' | 'not-found'> {
  if (!REASONS_FOR_LIMIT[exception.limit].includes(exception.reason)) return 'reason-not-allowed';
  return db.transaction().execute(async (trx) => {
    const found = await lockCase(trx, caseId);
    if (!found) return 'not-found' as const;
    await repo.insertException(trx, {
      caseId,
      limit: exception.limit,
      reason: exception.reason,
      details: exception.details,
      occurredOn: exception.occurredOn,
      recordedBy: context.actorUserId,
    });
    const path = `/cases/${caseId}`;
    const limit = EXCEPTION_LIMITS[exception.limit];
    await recordChange(trx, notifier, context, {
      caseId,
      localAuthorityId: found.local_authority_id,
      events: [
        {
          kind: 'exception_recorded',
          summary: `Exception recorded against the time limit: ${limit}`,
        },
      ],
      audit: {
        action: 'recorded an exception to a time limit',
        details: { limit: exception.limit, reason: exception.reason },
      },
      // The family hears of it: at once, or in their daily email if they chose one.
      notify: [
        {
          to: 'family',
          kind: 'exception-recorded',
          title: `${found.reference}: an exception to a time limit was recorded`,
          body: limit,
          path,
          statutory: false,
          email: { reference: found.reference, limit, link: `${notifier.baseUrl}${path}` },
        },
      ],
    });
    return 'recorded' as const;
  });
}
