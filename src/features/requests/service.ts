import type { Db, DbOrTrx } from '../../db/database.ts';
import { recordAudit, type AuditContext } from '../../audit/audit.ts';
import {
  localTimeInEngland,
  todayInEngland,
  type CalendarDate,
} from '../../domain/clock/calendar-date.ts';
import { receivedOn as clockReceivedOn } from '../../domain/clock/statutory-dates.ts';
import { nextStep } from '../../domain/pathway/stages.ts';
import type { Actor } from '../../policy/policy.ts';
import { calendarOf } from '../admin/closure-days.ts';
import { createInvitation, invitationMessage } from '../auth/invitations.ts';
import { newToken, sha256 } from '../auth/secrets.ts';
import { queueEmail } from '../notifications/email-queue.ts';
import type { Notifier } from '../notifications/notify.ts';
import { newStorageKey, type DocumentStorage } from '../documents/storage.ts';
import { checkUpload, MAX_UPLOADS_PER_REQUEST } from '../documents/uploads.ts';
import { insertCaseEvent, listStaffOfAuthorities } from '../cases/repository.ts';
import {
  firstIncompletePage,
  hasRightToRequest,
  pagesFor,
  type Answers,
  type PageContext,
} from './questions.ts';
import * as repo from './repository.ts';

/** How long a request's answers are kept before it is sent: 28 days from the last change. */
export const DRAFT_DAYS = 28;

const draftExpiry = (now = Date.now()) => new Date(now + DRAFT_DAYS * 24 * 60 * 60_000);

export async function pageContext(db: DbOrTrx): Promise<PageContext> {
  const authorities = await repo.listAuthorities(db);
  return {
    authorities: authorities.map((a) => ({ id: a.id, name: a.name })),
    today: todayInEngland(),
  };
}

export const authorities = repo.listAuthorities;

/** The staff of an LA who may hold a case. */
export async function officersOf(db: DbOrTrx, localAuthorityId: string) {
  return listStaffOfAuthorities(db, [localAuthorityId]);
}

/** Whether a sent request belongs to one of the actor's LAs. */
export async function isRequestOfStaff(db: DbOrTrx, actor: Actor, requestId: string) {
  const found = await repo.findRequest(db, requestId);
  return Boolean(found && actor.staff.some((s) => s.localAuthorityId === found.local_authority_id));
}

/** A request's document for its LA's staff, read from storage; the download is audited. */
export async function downloadDocument(
  db: DbOrTrx,
  storage: DocumentStorage,
  actor: Actor,
  ids: { requestId: string; documentId: string },
  context: AuditContext,
) {
  const document = await repo.findDocument(db, ids.requestId, ids.documentId);
  if (!document || !actor.staff.some((s) => s.localAuthorityId === document.local_authority_id)) {
    return null;
  }
  const data = await storage.get(document.storage_key);
  if (!data) return null;
  await recordAudit(db, context, {
    action: 'downloaded a request’s document',
    subjectType: 'request',
    subjectId: ids.requestId,
    localAuthorityId: document.local_authority_id,
    details: { documentId: ids.documentId },
  });
  return { data, fileName: document.file_name, contentType: document.content_type };
}

export async function startDraft(db: DbOrTrx, actor: Actor | null): Promise<string> {
  return repo.insertDraft(db, {
    answers: {},
    submittedByUserId: actor?.userId ?? null,
    expiresAt: draftExpiry(),
  });
}

export const findDraft = repo.findDraft;

/**
 * Keeps a page's checked answers. With one LA on this Pathway, the council question does not
 * apply and its answer is filled in here.
 */
export async function saveAnswers(
  db: DbOrTrx,
  draftId: string,
  answers: Answers,
  context: PageContext,
): Promise<Answers> {
  const complete =
    context.authorities.length === 1
      ? { ...answers, localAuthorityId: context.authorities[0]!.id }
      : answers;
  await repo.saveAnswers(db, draftId, complete, draftExpiry());
  return complete;
}

/** At most this many links to carry on a request go to one address in an hour. */
export const RESUME_EMAILS_PER_HOUR = 3;

/**
 * Emails a link that resumes the draft, and keeps its answers 28 days from now. False when the
 * address has had its share of links this hour (nobody can use the form to flood an inbox).
 */
export async function saveForLater(
  db: Db,
  notifier: Notifier,
  draftId: string,
  email: string,
): Promise<boolean> {
  if ((await repo.recentEmailsTo(db, email, 'request-resume')) >= RESUME_EMAILS_PER_HOUR) {
    return false;
  }
  const token = newToken();
  const expiresAt = draftExpiry();
  await db.transaction().execute(async (trx) => {
    await repo.setResumeToken(trx, draftId, sha256(token), email, expiresAt);
    await queueEmail(trx, notifier.jobs, {
      kind: 'request-resume',
      to: email,
      data: {
        link: `${notifier.baseUrl}/request-an-assessment/resume/${token}`,
        days: DRAFT_DAYS,
        expiresOn: todayInEngland(expiresAt),
      },
    });
  });
  return true;
}

export async function resumeDraft(db: DbOrTrx, token: string): Promise<string | null> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
  return repo.findDraftIdByResumeHash(db, sha256(token));
}

export type EvidenceOutcome = { ok: true } | { ok: false; message: string };

/** Checks an uploaded file by its content and keeps it with the draft. */
export async function addEvidence(
  db: Db,
  storage: DocumentStorage,
  draftId: string,
  file: { filename: string; data: Buffer },
): Promise<EvidenceOutcome> {
  if ((await repo.countDocuments(db, draftId)) >= MAX_UPLOADS_PER_REQUEST) {
    return { ok: false, message: `You can upload up to ${MAX_UPLOADS_PER_REQUEST} files` };
  }
  const checked = await checkUpload(file);
  if (!checked.ok) return { ok: false, message: checked.message };
  const storageKey = newStorageKey();
  await storage.put(storageKey, file.data);
  try {
    await repo.insertDocument(db, {
      requestId: draftId,
      storageKey,
      fileName: checked.safeName,
      contentType: checked.contentType,
      sizeBytes: checked.sizeBytes,
    });
  } catch (error) {
    await storage.delete(storageKey);
    throw error;
  }
  return { ok: true };
}

export async function removeEvidence(
  db: DbOrTrx,
  storage: DocumentStorage,
  draftId: string,
  documentId: string,
): Promise<boolean> {
  const key = await repo.deleteDraftDocument(db, draftId, documentId);
  if (key) await storage.delete(key);
  return Boolean(key);
}

/** The last day for the decision whether to assess, from the day the clock starts. */
function decisionDueOn(received: CalendarDate, calendar: Awaited<ReturnType<typeof calendarOf>>) {
  return (
    nextStep(
      {
        stage: 'request_received',
        requestReceivedOn: received,
        planIssuedOn: null,
        lastReviewOn: null,
      },
      calendar,
    )?.dueOn ?? null
  );
}

export type SubmitOutcome =
  | {
      outcome: 'submitted';
      reference: string;
      decisionDueOn: CalendarDate | null;
      localAuthorityName: string;
    }
  | { outcome: 'incomplete'; slug: string }
  | { outcome: 'gone' };

/**
 * Sends the request: it gets its reference, the clock starts from the day it is received (the
 * next working day after 17:00 or on a day the LA is closed), and the requester is emailed the
 * reference, all in one transaction.
 */
export async function submitRequest(
  db: Db,
  notifier: Notifier,
  draftId: string,
  context: AuditContext & { actor: Actor | null },
  now: Date = new Date(),
): Promise<SubmitOutcome> {
  const pages = await pageContext(db);
  return db.transaction().execute(async (trx) => {
    const draft = await repo.lockRequest(trx, draftId);
    if (!draft || draft.status !== 'draft') return { outcome: 'gone' as const };
    const missing = firstIncompletePage(draft.answers, pages);
    if (missing) return { outcome: 'incomplete' as const, slug: missing.slug };
    const answers = draft.answers;
    const localAuthorityId = answers.localAuthorityId!;
    const authority = await repo.authorityCode(trx, localAuthorityId);
    if (!authority) return { outcome: 'incomplete' as const, slug: 'council' };
    const calendar = await calendarOf(trx, localAuthorityId);
    const received = clockReceivedOn(localTimeInEngland(now), calendar);
    const year = Number(received.slice(0, 4));
    const number = await repo.nextRequestNumber(trx, localAuthorityId, year);
    const reference = `R${authority.code}-${year}-${String(number).padStart(5, '0')}`;
    const sent = await repo.markSubmitted(trx, draftId, {
      localAuthorityId,
      requesterKind: answers.requesterKind!,
      answers,
      reference,
      contactEmail: answers.contactEmail!,
      receivedAt: now,
      receivedOn: received,
      submittedByUserId: context.actor?.userId ?? null,
    });
    if (!sent) return { outcome: 'gone' as const };
    const dueOn = decisionDueOn(received, calendar);
    await recordAudit(trx, context, {
      action: hasRightToRequest(answers.requesterKind)
        ? 'request for assessment received'
        : 'child brought to the council’s attention',
      subjectType: 'request',
      subjectId: draftId,
      localAuthorityId,
      details: { channel: 'online', requesterKind: answers.requesterKind },
    });
    if (dueOn) {
      await queueEmail(trx, notifier.jobs, {
        kind: 'request-received',
        to: answers.contactEmail!,
        localAuthorityId,
        data: {
          reference,
          localAuthorityName: authority.name,
          decisionDueOn: dueOn,
          link: `${notifier.baseUrl}/request-an-assessment/what-happens-next`,
        },
      });
    }
    return {
      outcome: 'submitted' as const,
      reference,
      decisionDueOn: dueOn,
      localAuthorityName: authority.name,
    };
  });
}

/** The LA's new requests, with the clock's dates and possible duplicates. */
export async function newRequests(db: DbOrTrx, actor: Actor) {
  const authorities = actor.staff.map((s) => s.localAuthorityId);
  const rows = await repo.listIntake(db, authorities);
  const calendars = new Map<string, Awaited<ReturnType<typeof calendarOf>>>();
  for (const id of new Set(rows.map((r) => r.local_authority_id!))) {
    calendars.set(id, await calendarOf(db, id));
  }
  return rows.map((r) => ({
    id: r.id,
    reference: r.reference!,
    requesterKind: r.requester_kind!,
    channel: r.channel,
    receivedAt: r.received_at!,
    receivedOn: r.received_on!,
    decisionDueOn: decisionDueOn(r.received_on!, calendars.get(r.local_authority_id!)!),
    childName: `${r.child_first_name} ${r.child_last_name}`,
    childDateOfBirth: r.child_date_of_birth,
    possibleDuplicates: [
      ...r.similar_cases.map((c) => ({ kind: 'case' as const, id: c.id, reference: c.reference })),
      ...r.similar_requests.map((q) => ({
        kind: 'request' as const,
        id: q.id,
        reference: q.reference!,
      })),
    ],
  }));
}

/** A request as the LA sees it; the view is audited. */
export async function viewRequest(db: Db, actor: Actor, id: string, context: AuditContext) {
  const found = await repo.findRequest(db, id);
  if (!found || !actor.staff.some((s) => s.localAuthorityId === found.local_authority_id)) {
    return null;
  }
  await recordAudit(db, context, {
    action: 'viewed request',
    subjectType: 'request',
    subjectId: id,
    localAuthorityId: found.local_authority_id,
  });
  const calendar = await calendarOf(db, found.local_authority_id!);
  return {
    ...found,
    decisionDueOn: decisionDueOn(found.received_on!, calendar),
    pages: pagesFor(found.answers, await pageContext(db)),
  };
}

export type OpenCaseOutcome =
  | { outcome: 'opened'; caseId: string; reference: string; invited: boolean }
  | { outcome: 'not-found' }
  | { outcome: 'already-decided' }
  | { outcome: 'not-an-officer' };

/**
 * Makes a case from a request: the clock runs from the request's `receivedOn`, the officer is
 * assigned, the request's answers and evidence stay with it, the family is invited to follow
 * the case in the hub, and the reg 4(2) notifications are listed on the timeline as tasks.
 */
export async function openCaseFromRequest(
  db: Db,
  notifier: Notifier,
  requestId: string,
  officerId: string,
  context: AuditContext & { actorUserId: string },
): Promise<OpenCaseOutcome> {
  return db.transaction().execute(async (trx) => {
    const request = await repo.lockRequest(trx, requestId);
    if (!request || request.status === 'draft') return { outcome: 'not-found' as const };
    if (request.status !== 'submitted') return { outcome: 'already-decided' as const };
    const localAuthorityId = request.local_authority_id!;
    if (!(await repo.isStaffOf(trx, officerId, localAuthorityId))) {
      return { outcome: 'not-an-officer' as const };
    }
    const calendar = await calendarOf(trx, localAuthorityId);
    const answers = request.answers;
    const reference = request.reference!.replace(/^R/, '');
    const caseId = await repo.insertCaseFromRequest(trx, {
      localAuthorityId,
      reference,
      childFirstName: answers.childFirstName!,
      childLastName: answers.childLastName!,
      childDateOfBirth: answers.childDateOfBirth!,
      receivedOn: request.received_on!,
      nextStepDueOn: decisionDueOn(request.received_on!, calendar),
      officerId,
    });
    await repo.markRequestDecided(trx, requestId, {
      status: 'case_opened',
      caseId,
      decidedBy: context.actorUserId,
    });
    const events = [
      {
        kind: 'request_received',
        summary: `Request ${request.reference} received (${request.channel === 'online' ? 'online' : `by ${request.channel}`})`,
      },
      {
        kind: 'task',
        summary:
          'To do: tell the integrated care board (health), the council’s social care team and the head of the setting that the council is considering an assessment (reg 4(2))',
      },
      {
        kind: 'task',
        summary: 'To do: consult the parent or young person about the request',
      },
    ];
    for (const event of events) {
      await insertCaseEvent(trx, { caseId, ...event, actorUserId: context.actorUserId });
    }
    await recordAudit(trx, context, {
      action: 'opened a case from a request',
      subjectType: 'case',
      subjectId: caseId,
      localAuthorityId,
      details: { requestId },
    });
    // The family follows the case in the hub: the requester when it is the family, otherwise
    // the parent if the setting gave their email.
    const family =
      request.requester_kind === 'parent' || request.requester_kind === 'young_person'
        ? {
            email: request.contact_email!,
            role: request.requester_kind === 'parent' ? 'parent_carer' : 'young_person',
          }
        : answers.parentEmail
          ? { email: answers.parentEmail, role: 'parent_carer' }
          : null;
    if (family) {
      const authority = await repo.authorityCode(trx, localAuthorityId);
      const { token } = await createInvitation(
        trx,
        { email: family.email, caseId, caseRole: family.role },
        context,
      );
      await queueEmail(trx, notifier.jobs, {
        kind: 'invitation',
        to: family.email,
        localAuthorityId,
        data: invitationMessage(
          notifier.baseUrl,
          token,
          `case ${reference} at ${authority?.name ?? 'the council'}`,
        ),
      });
    }
    return { outcome: 'opened' as const, caseId, reference, invited: Boolean(family) };
  });
}

/** Deletes drafts not sent within 28 days of their last change, with their evidence. */
export async function deleteExpiredDrafts(db: Db, storage: DocumentStorage, now = new Date()) {
  const { drafts, storageKeys } = await db
    .transaction()
    .execute((trx) => repo.deleteExpiredDrafts(trx, now));
  for (const key of storageKeys) await storage.delete(key);
  return drafts;
}
