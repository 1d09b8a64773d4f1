import type { Db, DbOrTrx } from '../../db/database.ts';
import { caseReferenceOfRequest, requestReference } from '../../domain/references.ts';
import { recordAudit, type AuditContext } from '../../audit/audit.ts';
import {
  localTimeInEngland,
  todayInEngland,
  type CalendarDate,
} from '../../domain/clock/calendar-date.ts';
import { receivedOn as clockReceivedOn } from '../../domain/clock/statutory-dates.ts';
import { canHandleRequest, staffAuthorities, type Actor } from '../../policy/policy.ts';
import { calendarOf } from '../../case/calendar.ts';
import { nextDueOn, openCase } from '../../case/clock.ts';
import { queueEmail } from '../../case/email/email-queue.ts';
import { createInvitation, invitationMessage } from '../../case/invitations.ts';
import type { Notifier } from '../../case/notify.ts';
import { listStaffOfAuthorities } from '../../case/participants.ts';
import { recordChange } from '../../case/record.ts';
import { newStorageKey, type DocumentStorage } from '../../case/storage.ts';
import { newToken, sha256 } from '../../web/secrets.ts';
import {
  checkUpload,
  MAX_UPLOADS_PER_REQUEST,
  type UploadDestination,
  type UploadedFile,
} from '../../web/upload-checks/uploads.ts';
import {
  firstIncompletePage,
  hasRightToRequest,
  pagesFor,
  type Answers,
  type PageContext,
} from './questions.ts';
import * as repo from './repository.ts';

/**
 * How long a request's answers are kept before it is sent, by default: 28 days from the last
 * change (REQUEST_DRAFT_DAYS). Its files go with it (deleteExpiredDrafts).
 */
export const DRAFT_DAYS = 28;

const draftExpiry = (days = DRAFT_DAYS, now = Date.now()) =>
  new Date(now + days * 24 * 60 * 60_000);

/** How long drafts last, and how much evidence one address may keep in them. */
export type DraftRules = { days: number; bytesPerAddress: number };

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
  return canHandleRequest(actor, await repo.authorityOfRequest(db, requestId));
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
  if (!document || !canHandleRequest(actor, document.local_authority_id)) {
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

/**
 * The setting typed on the education page, matched against the settings Pathway knows: one
 * that matches by URN or by its whole name is taken at once; otherwise up to ten whose names
 * contain the words are offered to choose from.
 */
export async function matchSetting(
  db: DbOrTrx,
  typed: string,
): Promise<{ match: repo.SettingMatch | null; candidates: repo.SettingMatch[] }> {
  const text = typed.trim();
  if (text.length < 3) return { match: null, candidates: [] };
  const found = await repo.findSettings(db, text);
  const exact = found.filter((s) => s.urn === text || s.name.toLowerCase() === text.toLowerCase());
  if (exact.length === 1) return { match: exact[0]!, candidates: [] };
  return { match: null, candidates: found.length <= 10 ? found : [] };
}

/** The answers for a setting chosen from Pathway's records. */
export function withSetting(answers: Answers, setting: repo.SettingMatch | null): Answers {
  if (!setting) return { ...answers, settingOrganisationId: '', settingUrn: '' };
  return {
    ...answers,
    settingOrganisationId: setting.id,
    settingName: setting.name,
    settingUrn: setting.urn ?? '',
  };
}

const KIND_OF_ORGANISATION: Record<string, string> = {
  education_setting: 'setting',
  health_team: 'health',
  social_care_team: 'social_care',
  educational_psychology_service: 'other_professional',
  other: 'other_professional',
};

/**
 * What Pathway already knows about someone signed in who belongs to a setting or a team: who is
 * asking, their name, role and email, and for a setting, the setting itself.
 */
async function knownAnswers(db: DbOrTrx, actor: Actor | null): Promise<Answers> {
  if (!actor) return {};
  const [organisation] = await repo.organisationsOf(db, actor.organisationIds);
  if (!organisation) return {};
  const answers: Answers = {
    requesterKind: KIND_OF_ORGANISATION[organisation.kind] ?? 'other_professional',
    requesterName: actor.displayName,
    requesterRole: organisation.name,
    contactEmail: actor.email,
  };
  if (organisation.kind === 'education_setting') {
    Object.assign(
      answers,
      withSetting(
        { settingStatus: 'in-setting' },
        {
          id: organisation.id,
          name: organisation.name,
          urn: organisation.urn,
        },
      ),
    );
  }
  return answers;
}

/** Starts a request; for a setting's or a team's member, with what Pathway knows of them. */
export async function startDraft(
  db: DbOrTrx,
  actor: Actor | null,
  options: { days?: number; addressKey?: string | null } = {},
): Promise<string> {
  return repo.insertDraft(db, {
    answers: await knownAnswers(db, actor),
    submittedByUserId: actor?.userId ?? null,
    expiresAt: draftExpiry(options.days),
    addressKey: options.addressKey ?? null,
  });
}

/** The organisation a signed-in person would ask as, for the start page. */
export async function askingAs(db: DbOrTrx, actor: Actor | null) {
  if (!actor) return null;
  const [organisation] = await repo.organisationsOf(db, actor.organisationIds);
  return organisation ? { name: organisation.name } : null;
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
  days = DRAFT_DAYS,
): Promise<Answers> {
  const complete =
    context.authorities.length === 1
      ? { ...answers, localAuthorityId: context.authorities[0]!.id }
      : answers;
  await repo.saveAnswers(db, draftId, complete, draftExpiry(days));
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
  days = DRAFT_DAYS,
): Promise<boolean> {
  if ((await repo.recentEmailsTo(db, email, 'request-resume')) >= RESUME_EMAILS_PER_HOUR) {
    return false;
  }
  const token = newToken();
  const expiresAt = draftExpiry(days);
  await db.transaction().execute(async (trx) => {
    await repo.setResumeToken(trx, draftId, sha256(token), email, expiresAt);
    await queueEmail(trx, notifier.jobs, {
      kind: 'request-resume',
      to: email,
      data: {
        link: `${notifier.baseUrl}/request-an-assessment/resume/${token}`,
        days,
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

class OverAddressCap extends Error {}

/** The message when an address's unsent requests hold as much evidence as they may. */
export function addressCapMessage(bytesPerAddress: number): string {
  const megabytes = Math.round(bytesPerAddress / (1024 * 1024));
  return `Requests not yet sent from here already hold ${megabytes} MB of files – send your request, or remove a file, before adding another`;
}

/**
 * Checks a file by its content and keeps it with a request: the file is stored first and
 * removed again if its row cannot be written, so no row points at a missing file. `also` runs
 * in the row's transaction (an audit record). With `address`, the draft counts against that
 * address's cap on evidence in requests not yet sent.
 */
async function storeDocument(
  db: Db,
  destination: UploadDestination,
  requestId: string,
  existing: number,
  file: UploadedFile,
  context: AuditContext,
  options: {
    address?: { key: string; bytesPerAddress: number };
    localAuthorityId?: string | null;
    also?: (trx: DbOrTrx) => Promise<void>;
  } = {},
): Promise<EvidenceOutcome> {
  if (existing >= MAX_UPLOADS_PER_REQUEST) {
    return { ok: false, message: `You can upload up to ${MAX_UPLOADS_PER_REQUEST} files` };
  }
  const { storage, scanner } = destination;
  const checked = await checkUpload(file, { scanner });
  if (!checked.ok) {
    if (checked.problem === 'virus') {
      // Who tried and what clamd found: never the file or its name.
      await recordAudit(db, context, {
        action: 'refused an upload with a virus',
        subjectType: 'request',
        subjectId: requestId,
        localAuthorityId: options.localAuthorityId ?? null,
        details: { signature: checked.signature, sizeBytes: file.data.length },
      });
    }
    return { ok: false, message: checked.message };
  }
  const { address } = options;
  const storageKey = newStorageKey();
  await storage.put(storageKey, file.data);
  try {
    await db.transaction().execute(async (trx) => {
      if (address) {
        const held = await repo.lockAndMeasureAddress(trx, address.key, new Date());
        if (held + checked.sizeBytes > address.bytesPerAddress) throw new OverAddressCap();
        await repo.setDraftAddress(trx, requestId, address.key);
      }
      await repo.insertDocument(trx, {
        requestId,
        storageKey,
        fileName: checked.safeName,
        contentType: checked.contentType,
        sizeBytes: checked.sizeBytes,
      });
      await options.also?.(trx);
    });
  } catch (error) {
    await storage.delete(storageKey);
    if (error instanceof OverAddressCap && address) {
      return { ok: false, message: addressCapMessage(address.bytesPerAddress) };
    }
    throw error;
  }
  return { ok: true };
}

/**
 * Evidence sent with a request that is being filled in; the address sending it (as a keyed
 * hash) may keep at most `bytesPerAddress` of evidence across its requests not yet sent.
 */
export async function addEvidence(
  db: Db,
  destination: UploadDestination,
  draftId: string,
  file: UploadedFile,
  context: AuditContext,
  address: { key: string; bytesPerAddress: number },
): Promise<EvidenceOutcome> {
  return storeDocument(
    db,
    destination,
    draftId,
    await repo.countDocuments(db, draftId),
    file,
    context,
    {
      address,
    },
  );
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

/**
 * The last day for the decision whether to assess, from the day the clock starts: the next-due
 * date of a case opened from the request (the kernel's clock).
 */
function decisionDueOn(received: CalendarDate, calendar: Awaited<ReturnType<typeof calendarOf>>) {
  return nextDueOn(
    {
      stage: 'request_received',
      request_received_on: received,
      plan_issued_on: null,
      last_review_on: null,
    },
    calendar,
  );
}

/** Requests one address may send in a day without signing in: enough for a family, not a bot. */
export const REQUESTS_PER_ADDRESS_PER_DAY = 10;

export type SubmitOutcome =
  | {
      outcome: 'submitted';
      reference: string;
      decisionDueOn: CalendarDate | null;
      localAuthorityName: string;
    }
  | { outcome: 'incomplete'; slug: string }
  | { outcome: 'too-many' }
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
    const since = new Date(now.getTime() - 24 * 60 * 60_000);
    if (
      !context.actor &&
      (await repo.countSentFrom(trx, answers.contactEmail!, since)) >= REQUESTS_PER_ADDRESS_PER_DAY
    ) {
      return { outcome: 'too-many' as const };
    }
    const localAuthorityId = answers.localAuthorityId!;
    const authority = await repo.authorityCode(trx, localAuthorityId);
    if (!authority) return { outcome: 'incomplete' as const, slug: 'council' };
    const calendar = await calendarOf(trx, localAuthorityId);
    const received = clockReceivedOn(localTimeInEngland(now), calendar);
    const year = Number(received.slice(0, 4));
    const number = await repo.nextRequestNumber(trx, localAuthorityId, year);
    const reference = requestReference(authority.code, year, number);
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
export async function newRequests(db: DbOrTrx, actor: Actor, context: AuditContext) {
  const rows = await repo.listIntake(db, staffAuthorities(actor));
  // The list shows children's names: who saw which requests is recorded, as for cases.
  for (const [localAuthorityId, listed] of Map.groupBy(rows, (r) => r.local_authority_id!)) {
    await recordAudit(db, context, {
      action: 'saw new requests in a list',
      subjectType: 'request',
      subjectId: null,
      localAuthorityId,
      details: { requestIds: listed.map((r) => r.id) },
    });
  }
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
  if (!found || !canHandleRequest(actor, found.local_authority_id)) {
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
    const answers = request.answers;
    const reference = caseReferenceOfRequest(request.reference!);
    const { caseId } = await openCase(trx, {
      localAuthorityId,
      reference,
      childFirstName: answers.childFirstName!,
      childLastName: answers.childLastName!,
      childDateOfBirth: answers.childDateOfBirth!,
      receivedOn: request.received_on!,
      officerId,
    });
    await repo.markRequestDecided(trx, requestId, {
      status: 'case_opened',
      caseId,
      decidedBy: context.actorUserId,
    });
    await repo.copyEvidenceToCase(trx, requestId, caseId, context.actorUserId);
    // The setting Pathway knows takes part in the case, so every SENCO there sees it, when the
    // family agreed to share the request with the professionals the council asks.
    if (answers.settingOrganisationId && answers.shareConsent === 'yes') {
      await repo.addSettingToCase(trx, caseId, answers.settingOrganisationId);
    }
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
    await recordChange(trx, notifier, context, {
      caseId,
      localAuthorityId,
      events,
      audit: { action: 'opened a case from a request', details: { requestId } },
    });
    // The family follows the case in the hub: the requester when it is the family, otherwise
    // the parent if the setting gave their email.
    const family =
      (request.requester_kind === 'parent' || request.requester_kind === 'young_person') &&
      request.contact_email
        ? {
            email: request.contact_email,
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
        data: await invitationMessage(
          trx,
          notifier.baseUrl,
          { token, email: family.email },
          `case ${reference} at ${authority?.name ?? 'the council'}`,
        ),
      });
    }
    return { outcome: 'opened' as const, caseId, reference, invited: Boolean(family) };
  });
}

/** Deletes drafts past their expiry (days after their last change), with their evidence files. */
export async function deleteExpiredDrafts(db: Db, storage: DocumentStorage, now = new Date()) {
  const { drafts, storageKeys } = await db
    .transaction()
    .execute((trx) => repo.deleteExpiredDrafts(trx, now));
  for (const key of storageKeys) await storage.delete(key);
  return drafts;
}

export type AttachOutcome =
  | { outcome: 'attached'; caseId: string; reference: string }
  | { outcome: 'not-found' }
  | { outcome: 'already-decided' }
  | { outcome: 'no-such-case' };

/**
 * Adds a request to a case that already exists (the same child asked for twice, or a setting
 * asking after the parent): the case's own clock does not move; its timeline records the request.
 */
export async function attachRequestToCase(
  db: Db,
  notifier: Notifier,
  requestId: string,
  caseId: string,
  context: AuditContext & { actorUserId: string },
): Promise<AttachOutcome> {
  return db.transaction().execute(async (trx) => {
    const request = await repo.lockRequest(trx, requestId);
    if (!request || request.status === 'draft') return { outcome: 'not-found' as const };
    if (request.status !== 'submitted') return { outcome: 'already-decided' as const };
    const found = await repo.findCaseOfAuthority(trx, caseId, request.local_authority_id!);
    if (!found) return { outcome: 'no-such-case' as const };
    await repo.markRequestDecided(trx, requestId, {
      status: 'attached',
      caseId,
      decidedBy: context.actorUserId,
    });
    await repo.copyEvidenceToCase(trx, requestId, caseId, context.actorUserId);
    await recordChange(trx, notifier, context, {
      caseId,
      localAuthorityId: request.local_authority_id!,
      events: [
        {
          kind: 'request_received',
          summary: `Request ${request.reference} received (${request.channel === 'online' ? 'online' : `by ${request.channel}`}) and added to this case`,
        },
      ],
      audit: { action: 'added a request to a case', details: { requestId } },
    });
    return { outcome: 'attached' as const, caseId, reference: found.reference };
  });
}

export type RecordedRequest = {
  localAuthorityId: string;
  channel: 'email' | 'post';
  /** The day the email or letter arrived: the clock starts from it (or the next working day). */
  receivedOn: CalendarDate;
  requesterKind: string;
  childFirstName: string;
  childLastName: string;
  childDateOfBirth: CalendarDate;
  contactEmail: string;
  notes: string;
};

/** Records a request that arrived by email or letter, with the day it was received; audited. */
export async function recordRequest(
  db: Db,
  recorded: RecordedRequest,
  context: AuditContext & { actorUserId: string },
): Promise<{ id: string; reference: string }> {
  return db.transaction().execute(async (trx) => {
    const authority = await repo.authorityCode(trx, recorded.localAuthorityId);
    if (!authority) throw new Error('No such local authority');
    const calendar = await calendarOf(trx, recorded.localAuthorityId);
    const received = clockReceivedOn(recorded.receivedOn, calendar);
    const year = Number(received.slice(0, 4));
    const number = await repo.nextRequestNumber(trx, recorded.localAuthorityId, year);
    const reference = requestReference(authority.code, year, number);
    const id = await repo.insertRecordedRequest(trx, {
      localAuthorityId: recorded.localAuthorityId,
      channel: recorded.channel,
      requesterKind: recorded.requesterKind,
      answers: {
        localAuthorityId: recorded.localAuthorityId,
        requesterKind: recorded.requesterKind,
        childFirstName: recorded.childFirstName,
        childLastName: recorded.childLastName,
        childDateOfBirth: recorded.childDateOfBirth,
        contactEmail: recorded.contactEmail,
        notes: recorded.notes,
      },
      reference,
      contactEmail: recorded.contactEmail || null,
      receivedOn: received,
      recordedBy: context.actorUserId,
    });
    await recordAudit(trx, context, {
      action: `recorded a request received by ${recorded.channel}`,
      subjectType: 'request',
      subjectId: id,
      localAuthorityId: recorded.localAuthorityId,
      details: { receivedOn: recorded.receivedOn, requesterKind: recorded.requesterKind },
    });
    return { id, reference };
  });
}

/** A scan or attachment added by the LA's staff to a request that has been received. */
export async function addRequestDocument(
  db: Db,
  destination: UploadDestination,
  actor: Actor,
  requestId: string,
  file: UploadedFile,
  context: AuditContext,
): Promise<EvidenceOutcome | null> {
  const found = await repo.findRequest(db, requestId);
  if (!found || !canHandleRequest(actor, found.local_authority_id)) {
    return null;
  }
  return storeDocument(db, destination, requestId, found.documents.length, file, context, {
    localAuthorityId: found.local_authority_id,
    also: async (trx) => {
      await recordAudit(trx, context, {
        action: 'added a document to a request',
        subjectType: 'request',
        subjectId: requestId,
        localAuthorityId: found.local_authority_id,
      });
      // A scan added once the request is on a case is on the case too.
      if (found.case_id) {
        await repo.copyEvidenceToCase(trx, requestId, found.case_id, actor.userId);
      }
    },
  });
}
