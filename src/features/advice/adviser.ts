import type { Db, DbOrTrx } from '../../db/database.ts';
import type { AuditContext } from '../../audit/audit.ts';
import type { CalendarDate } from '../../domain/clock/calendar-date.ts';
import { canGiveAdvice, staffRoleIn, whoActsForTheLa, type Actor } from '../../policy/policy.ts';
import { activeStaffOf, familyOfCase } from '../../case/participants.ts';
import { recordCaseRead, recordChange } from '../../case/record.ts';
import { addUploadedDocument, addWrittenDocument } from '../../case/documents.ts';
import type { UploadDestination, UploadedFile } from '../../web/upload-checks/uploads.ts';
import type { Notifier } from '../../case/notify.ts';
import {
  adviceDocumentHtml,
  answersFrom,
  type AdviceAnswers,
  type AdviceVisibility,
} from './advice-form.ts';
import { ADVICE_TYPE_LABELS, adviceTag } from '../../domain/advice/advice-types.ts';
import * as repo from './repository.ts';
import { displayName } from './service.ts';

/**
 * The adviser's side of an advice request: the form (read-only for the case's LA staff), the
 * draft, and each submitted version, written into a document on the case or uploaded as one.
 * Anyone else is told there is no such request.
 */

type FoundRequest = NonNullable<Awaited<ReturnType<typeof repo.findRequest>>>;

/** The adviser answers; the case's LA staff may read; anyone else is told there is no such page. */
function accessTo(actor: Actor, found: FoundRequest): 'adviser' | 'la' | null {
  const adviser = {
    userId: found.participant_user_id,
    organisationId: found.participant_organisation_id,
    ended: found.participant_ended_at !== null,
  };
  if (found.participant_user_id || found.participant_organisation_id) {
    if (canGiveAdvice(actor, adviser)) return 'adviser';
  }
  return staffRoleIn(actor, found.local_authority_id) ? 'la' : null;
}

function formView(found: FoundRequest, mode: 'adviser' | 'la', today: CalendarDate) {
  const submissions = found.submissions.map((s) => ({
    version: s.version,
    submittedAt: new Date(s.submitted_at),
    submittedBy: s.submitted_by_name,
    documentId: s.document_id,
    fileName: s.file_name,
    visibility: s.visibility,
    answers: answersFrom(s.answers),
  }));
  // A new version starts from the last one written in the form (a report has no answers),
  // without its note of what changed.
  const latest = submissions.findLast((s) => s.fileName === null);
  const draft = found.draft_saved_at ? (found.draft as Record<string, unknown>) : null;
  const startingValues: Record<string, unknown> = draft ?? {
    ...(latest ? { ...latest.answers, changes: '' } : {}),
    visibility: latest?.visibility === 'la_and_family' ? 'la_and_family' : 'everyone',
  };
  const tag = adviceTag(
    { status: found.status, dueOn: found.due_on, exceptions: found.exceptions.length },
    today,
  );
  // What the council recorded may be about the child's or the parent's own circumstances: the
  // adviser sees only the reason, the LA's staff everything.
  const exceptions = found.exceptions.map((e) => {
    const reason = e.reason; // a code: the views say it (label 'adviceExceptionReason')
    return mode === 'la'
      ? { reason, details: e.details, occurredOn: e.occurred_on, recordedBy: e.recorded_by_name }
      : { reason, details: null, occurredOn: null, recordedBy: null };
  });
  return {
    mode,
    advice: {
      id: found.id,
      caseId: found.case_id,
      type: found.advice_type,
      reference: found.reference,
      localAuthorityName: found.local_authority_name,
      childName: `${found.child_first_name} ${found.child_last_name}`,
      adviserName: displayName(found),
      status: found.status,
      requestedOn: found.requested_on,
      dueOn: found.due_on,
      tag,
      draftSavedAt: found.draft_saved_at,
      /** Set when the request names an organisation: all its members share the draft. */
      organisationName: found.participant_organisation_id ? found.organisation_name : null,
      open: isOpen(found.status),
      exceptions,
    },
    submissions,
    hasPrevious: submissions.length > 0,
    /** The version the page shows as the latest (0 before any): posted back to catch a repeat. */
    latestVersion: submissions.at(-1)?.version ?? 0,
    values: startingValues,
  };
}

export type AdviceFormView = ReturnType<typeof formView>;

/**
 * The advice form for someone who may see it, or null. Its view is audited, except (`context`
 * null) when it is shown again to answer a form posted from it.
 */
export async function adviceForm(
  db: DbOrTrx,
  actor: Actor,
  ids: { caseId: string; adviceId: string },
  today: CalendarDate,
  context: AuditContext | null,
): Promise<AdviceFormView | null> {
  const found = await repo.findRequest(db, ids.caseId, ids.adviceId);
  if (!found) return null;
  const mode = accessTo(actor, found);
  if (!mode) return null;
  if (context) {
    await recordCaseRead(db, context, {
      caseId: ids.caseId,
      localAuthorityId: found.local_authority_id,
      action: 'viewed an advice request',
      details: { adviceId: ids.adviceId },
    });
  }
  return formView(found, mode, today);
}

/** Why a write was refused: no such request for this person, closed, or a version came first. */
export type AdviceWriteProblem = 'not-found' | 'closed' | 'already-submitted';

export type AdviceWriteOutcome =
  { ok: true; version?: number } | { ok: false; problem: AdviceWriteProblem };

/** Advice can be given, or a new version sent, only while the request is still open. */
function isOpen(status: string): boolean {
  return status === 'requested' || status === 'submitted';
}

/** Thrown inside a transaction to roll it back with a reason the user is shown. */
class WriteRefused extends Error {
  readonly problem: 'closed' | 'already-submitted';
  constructor(problem: 'closed' | 'already-submitted') {
    super(`The advice could not be written: ${problem}`);
    this.problem = problem;
  }
}

/**
 * Under the request's lock: refuses a request closed since the page was shown, and a second
 * version posted from a page that showed an earlier latest version (a double submission).
 * Returns the next version's number.
 */
async function nextVersionUnderLock(
  trx: DbOrTrx,
  adviceId: string,
  expectedVersion: number,
): Promise<number> {
  const locked = await repo.lockRequest(trx, adviceId);
  if (!locked || !isOpen(locked.status)) throw new WriteRefused('closed');
  const version = await repo.nextVersion(trx, adviceId);
  if (version - 1 !== expectedVersion) throw new WriteRefused('already-submitted');
  return version;
}

/** Runs a write, turning a refusal thrown inside it into the outcome that says why. */
async function refusedAsOutcome<T>(
  write: () => Promise<T>,
): Promise<T | { ok: false; problem: 'closed' | 'already-submitted' }> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof WriteRefused) return { ok: false, problem: error.problem };
    throw error;
  }
}

/** Finds the request the actor answers, or says why they cannot write to it. */
async function requestToAnswer(
  db: DbOrTrx,
  actor: Actor,
  ids: { caseId: string; adviceId: string },
): Promise<{ ok: true; found: FoundRequest } | { ok: false; problem: 'not-found' | 'closed' }> {
  const found = await repo.findRequest(db, ids.caseId, ids.adviceId);
  if (!found || accessTo(actor, found) !== 'adviser') return { ok: false, problem: 'not-found' };
  if (!isOpen(found.status)) return { ok: false, problem: 'closed' };
  return { ok: true, found };
}

/**
 * Saves the draft in one transaction with the request locked, so it is never written to a
 * request withdrawn (or closed) since it was read.
 */
export async function saveAdviceDraft(
  db: Db,
  actor: Actor,
  ids: { caseId: string; adviceId: string },
  draft: Partial<AdviceAnswers> & { visibility?: AdviceVisibility | undefined },
  context: AuditContext,
): Promise<AdviceWriteOutcome> {
  return db.transaction().execute(async (trx): Promise<AdviceWriteOutcome> => {
    const target = await requestToAnswer(trx, actor, ids);
    if (!target.ok) return target;
    const locked = await repo.lockRequest(trx, target.found.id);
    if (!locked || !isOpen(locked.status)) return { ok: false, problem: 'closed' };
    await repo.saveDraft(trx, target.found.id, {
      ...answersFrom(draft),
      ...(draft.visibility ? { visibility: draft.visibility } : {}),
    });
    await recordChange(trx, null, context, {
      caseId: ids.caseId,
      localAuthorityId: target.found.local_authority_id,
      audit: { action: 'saved draft advice', details: { adviceId: ids.adviceId } },
    });
    return { ok: true };
  });
}

/** The adviser's name on the document: theirs, and their organisation's when it was asked. */
function authorName(actor: Actor, found: FoundRequest): string {
  return found.organisation_name
    ? `${actor.displayName}, ${found.organisation_name}`
    : actor.displayName;
}

/**
 * A new version of the advice: never a change to an earlier one (the table refuses it). Runs in
 * the caller's transaction with the request locked; tells the officer and the family.
 */
async function recordVersion(
  trx: DbOrTrx,
  notifier: Notifier,
  actor: Actor,
  found: FoundRequest,
  version: number,
  submission: { answers: Record<string, unknown>; documentId: string },
  context: AuditContext,
) {
  const label = ADVICE_TYPE_LABELS[found.advice_type];
  await repo.insertSubmission(trx, {
    adviceId: found.id,
    version,
    answers: submission.answers,
    documentId: submission.documentId,
    submittedBy: actor.userId,
  });
  await repo.markSubmitted(trx, found.id);
  const officers = whoActsForTheLa(
    found.assigned_officer_id,
    await activeStaffOf(trx, found.local_authority_id),
  );
  const family = await familyOfCase(trx, found.case_id);
  // Each person hears once (an officer who is also family, as an officer), never the adviser.
  const toOfficers = [...new Set(officers)].filter((userId) => userId !== actor.userId);
  const toFamily = [...new Set(family)].filter(
    (userId) => userId !== actor.userId && !toOfficers.includes(userId),
  );
  const notice = (to: string[], path: string) => ({
    to,
    kind: 'advice-received' as const,
    title: `${found.reference}: advice received`,
    body: version === 1 ? label : `${label}, version ${version}`,
    path,
    statutory: false,
    email: { reference: found.reference, link: `${notifier.baseUrl}${path}` },
  });
  await recordChange(trx, notifier, context, {
    caseId: found.case_id,
    localAuthorityId: found.local_authority_id,
    events: [
      {
        kind: 'advice_submitted',
        summary:
          version === 1
            ? `${label} received`
            : `${label} received: version ${version}, a correction`,
      },
    ],
    audit: {
      action: 'submitted advice',
      details: { adviceId: found.id, version, documentId: submission.documentId },
    },
    notify: [
      notice(toOfficers, `/cases/${found.case_id}/advice`),
      notice(toFamily, `/cases/${found.case_id}`),
    ],
  });
}

/**
 * Submits the structured advice: written into a document on the case, then a new version.
 * `expectedVersion` is the latest version the adviser's page showed (0 before any): when another
 * version came first (the form posted twice), nothing is written.
 */
export async function submitAdvice(
  db: Db,
  notifier: Notifier,
  actor: Actor,
  ids: { caseId: string; adviceId: string },
  advice: { answers: AdviceAnswers; visibility: AdviceVisibility; expectedVersion: number },
  today: CalendarDate,
  context: AuditContext,
): Promise<AdviceWriteOutcome> {
  const target = await requestToAnswer(db, actor, ids);
  if (!target.ok) return target;
  const { found } = target;
  return refusedAsOutcome(() =>
    db.transaction().execute(async (trx): Promise<AdviceWriteOutcome> => {
      const version = await nextVersionUnderLock(trx, found.id, advice.expectedVersion);
      const answers = answersFrom(advice.answers);
      if (version === 1) delete answers.changes;
      const title = `${ADVICE_TYPE_LABELS[found.advice_type]}${version > 1 ? ` (version ${version})` : ''}`;
      const author = authorName(actor, found);
      const documentId = await addWrittenDocument(
        trx,
        {
          caseId: found.case_id,
          kind: 'advice',
          title,
          authorName: author,
          authorUserId: actor.userId,
          documentDate: today,
          visibility: advice.visibility,
          visibilityReason: null,
          addedBy: actor.userId,
        },
        adviceDocumentHtml({
          title,
          reference: found.reference,
          adviserName: author,
          version,
          submittedOn: today,
          answers,
        }),
      );
      await recordVersion(trx, notifier, actor, found, version, { answers, documentId }, context);
      return { ok: true, version };
    }),
  );
}

export type UploadAdviceOutcome =
  AdviceWriteOutcome | { ok: false; problem: 'bad-file'; message: string };

/** A report uploaded as the advice, or alongside it: a new version holding the document. */
export async function uploadAdvice(
  db: Db,
  destination: UploadDestination,
  notifier: Notifier,
  actor: Actor,
  ids: { caseId: string; adviceId: string },
  upload: {
    file: UploadedFile;
    visibility: AdviceVisibility;
    changes: string;
    /** As for `submitAdvice`: the latest version the page showed. */
    expectedVersion: number;
  },
  today: CalendarDate,
  context: AuditContext,
): Promise<UploadAdviceOutcome> {
  const target = await requestToAnswer(db, actor, ids);
  if (!target.ok) return target;
  const { found } = target;
  let version = 0;
  // A refusal inside the transaction rolls it back, and the stored file is removed.
  const outcome = await refusedAsOutcome(() =>
    addUploadedDocument(
      db,
      destination,
      {
        caseId: found.case_id,
        kind: 'advice',
        title: `${ADVICE_TYPE_LABELS[found.advice_type]}: report`,
        authorName: authorName(actor, found),
        authorUserId: actor.userId,
        documentDate: today,
        visibility: upload.visibility,
        visibilityReason: null,
        addedBy: actor.userId,
      },
      upload.file,
      context,
      async (trx, documentId) => {
        version = await nextVersionUnderLock(trx, found.id, upload.expectedVersion);
        const answers = version > 1 && upload.changes ? { changes: upload.changes } : {};
        await recordVersion(trx, notifier, actor, found, version, { answers, documentId }, context);
      },
    ),
  );
  if (!outcome.ok) {
    return 'problem' in outcome
      ? outcome
      : { ok: false, problem: 'bad-file', message: outcome.message };
  }
  return { ok: true, version };
}
