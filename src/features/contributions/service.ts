import type { Db, DbOrTrx } from '../../db/database.ts';
import type { ContributionKind } from '../../db/schema.ts';
import type { AuditContext } from '../../audit/audit.ts';
import { formatLongDate, todayInEngland } from '../../domain/clock/calendar-date.ts';
import {
  addUploadedDocument,
  addWrittenDocument,
  type UploadOutcome,
} from '../../case/documents.ts';
import type { UploadDestination, UploadedFile } from '../../web/upload-checks/uploads.ts';
import { lockCase, recordCaseRead, recordChange } from '../../case/record.ts';
import { escapeHtml } from '../../web/html.ts';
import { VISIBLE_TO } from '../../policy/policy.ts';
import type { Notifier } from '../../case/notify.ts';
import {
  CONTRIBUTION_FORMS,
  CONTRIBUTION_KINDS,
  SHARING_CHOICES,
  type Answers,
  type ContributionForm,
  type SharingChoice,
  type Voice,
} from './questions.ts';
import * as repo from './repository.ts';

/**
 * The family's views, the child's or young person's own views and a one-page profile: saved as
 * drafts, sent to the council when ready (each sending becomes a document on the case, and the
 * case's officer is told), and open to change until the draft plan.
 *
 * A contribution's stored answers (family_contribution.answers) hold the answer to each question
 * by its name, and three more keys: `visibility`, who may see it once sent; `files`, the ids of
 * the pictures and documents uploaded with it; `sent`, the ids of the documents each sending
 * made, oldest first (the earlier ones stay on the case: history is kept). Its status is
 * 'draft' while it holds changes not sent, even after an earlier sending (submitted_at says so).
 *
 * There is one draft of each contribution per case, shared by the family on the case (parents,
 * carers and the young person): the family's views are one contribution, so any of them may see
 * and change it. The council and everyone else see it only once it is sent.
 */

/** The stages in which the family may still change what they sent: before the draft plan. */
export const OPEN_STAGES: readonly string[] = ['request_received', 'assessment'];

export function isOpenForViews(stage: string): boolean {
  return OPEN_STAGES.includes(stage);
}

/** Why the family's contributions can no longer be changed, in the family's words. */
export function closedMessage(stage: string): string {
  if (stage === 'draft_plan') {
    return 'The council has sent the draft plan, so you can no longer change your views here. To add to or change them, comment on the draft plan.';
  }
  if (stage === 'plan_in_place') {
    return 'The plan has been issued, so you can no longer change your views here. You can give your views again at the plan’s annual review.';
  }
  return 'This case is closed, so you can no longer change your views here.';
}

export function voiceOf(caseRole: string | null): Voice {
  return caseRole === 'young_person' ? 'self' : 'parent';
}

type Stored = {
  answers: Answers;
  visibility: SharingChoice | null;
  files: string[];
  sent: string[];
};

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

function storedOf(form: ContributionForm, json: Record<string, unknown> | undefined): Stored {
  const value = json ?? {};
  const answers: Answers = {};
  for (const q of form.questions) {
    const answer = value[q.name];
    if (typeof answer === 'string') answers[q.name] = answer;
  }
  const visibility = (SHARING_CHOICES as readonly unknown[]).includes(value.visibility)
    ? (value.visibility as SharingChoice)
    : null;
  return { answers, visibility, files: strings(value.files), sent: strings(value.sent) };
}

function storedJson(stored: Stored): Record<string, unknown> {
  return {
    ...stored.answers,
    ...(stored.visibility ? { visibility: stored.visibility } : {}),
    files: stored.files,
    sent: stored.sent,
  };
}

export type ContributionStatus = 'not_started' | 'draft' | 'submitted';

export type ContributionSummary = {
  kind: ContributionKind;
  /** Its path under /cases/:caseId/your-views/. */
  slug: string;
  label: string;
  /** 'submitted' once sent, even if changes were saved since (see `unsentChanges`). */
  status: ContributionStatus;
  updatedAt: Date | null;
  submittedAt: Date | null;
  /** The document the last sending made. */
  documentId: string | null;
  /** Changes were saved after the last sending and have not been sent. */
  unsentChanges: boolean;
};

/**
 * The three contributions on a case, in order, with where each stands. `voice`: the labels as a
 * young person using Pathway for themselves reads them ("Your views"), or a parent (the default).
 */
export async function contributionsOfCase(
  db: DbOrTrx,
  caseId: string,
  voice: Voice = 'parent',
): Promise<ContributionSummary[]> {
  const rows = await repo.findContributions(db, caseId);
  return CONTRIBUTION_KINDS.map((kind) => {
    const form = CONTRIBUTION_FORMS[kind];
    const row = rows.find((r) => r.kind === kind);
    const submittedAt = row?.submitted_at ?? null;
    return {
      kind,
      slug: form.slug,
      label: form.label[voice],
      status: !row ? 'not_started' : submittedAt ? 'submitted' : 'draft',
      updatedAt: row?.updated_at ?? null,
      submittedAt,
      documentId: row?.document_id ?? null,
      unsentChanges: Boolean(row && row.status === 'draft' && submittedAt),
    };
  });
}

/** Who the user is to the case, for the pages' wording: a parent or carer, or the young person. */
export async function voiceOnCase(db: DbOrTrx, caseId: string, userId: string): Promise<Voice> {
  return voiceOf(await repo.familyRoleOf(db, caseId, userId));
}

export async function caseHeading(db: DbOrTrx, caseId: string) {
  const found = await repo.findCaseHeading(db, caseId);
  if (!found) return null;
  return {
    reference: found.reference,
    childName: `${found.child_first_name} ${found.child_last_name}`,
  };
}

/** Everything a contribution's page shows. */
export async function contributionPage(db: DbOrTrx, caseId: string, form: ContributionForm) {
  const row = await repo.findContribution(db, caseId, form.kind);
  const stored = storedOf(form, row?.answers);
  // These are the family's pages: what the council has narrowed to itself is not shown here.
  const files = await repo.findFiles(db, caseId, stored.files, VISIBLE_TO.family);
  const sentDocument = row?.document_id
    ? await repo.findWrittenDocument(db, caseId, row.document_id, VISIBLE_TO.family)
    : undefined;
  return {
    answers: stored.answers,
    visibility: stored.visibility,
    files,
    status: (!row ? 'not_started' : row.submitted_at ? 'submitted' : 'draft') as ContributionStatus,
    updatedAt: row?.updated_at ?? null,
    /** Who in the family last saved it (or uploaded a file to it, or sent it). */
    updatedByName: row?.updated_by_name ?? null,
    submittedAt: row?.submitted_at ?? null,
    unsentChanges: Boolean(row && row.status === 'draft' && row.submitted_at),
    timesSent: stored.sent.length,
    sentDocument: sentDocument ?? null,
    /** Sent, but the council has since limited who can see it to itself. */
    sentRestricted: Boolean(row?.document_id && !sentDocument),
  };
}

type Change = {
  caseId: string;
  form: ContributionForm;
  answers: Answers;
  /** Who may see it once sent: a draft keeps the choice if one was made. */
  visibility: SharingChoice | null;
  userId: string;
};

/**
 * Saves the answers as the case's draft: the family on the case can see and change it; the
 * council and others see it only once it is sent.
 */
export async function saveDraft(
  db: Db,
  change: Change,
  context: AuditContext,
): Promise<'saved' | 'closed' | 'not-found'> {
  return db.transaction().execute(async (trx) => {
    const found = await lockCase(trx, change.caseId);
    if (!found) return 'not-found' as const;
    if (!isOpenForViews(found.stage)) return 'closed' as const;
    const existing = await repo.lockContribution(trx, change.caseId, change.form.kind);
    const stored = storedOf(change.form, existing?.answers);
    await repo.upsertContribution(trx, {
      caseId: change.caseId,
      kind: change.form.kind,
      answers: storedJson({
        ...stored,
        answers: change.answers,
        visibility: change.visibility ?? stored.visibility,
      }),
      status: 'draft',
      updatedBy: change.userId,
    });
    await recordChange(trx, null, context, {
      caseId: change.caseId,
      localAuthorityId: found.local_authority_id,
      audit: { action: 'saved views as a draft', details: { kind: change.form.kind } },
    });
    return 'saved' as const;
  });
}

/** An answer as paragraphs: a blank line starts a new one, a single line break stays. */
function paragraphs(text: string): string {
  return text
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => `<p class="govuk-body">${escapeHtml(p).replaceAll('\n', '<br>')}</p>`)
    .join('\n');
}

/**
 * The document the council reads: each question's heading and answer, and the files sent with
 * it. Everything the family wrote (and every file name) is escaped.
 */
export function contributionHtml(
  form: ContributionForm,
  answers: Answers,
  files: { file_name: string | null }[],
  sent: { by: string; on: string },
): string {
  const parts = [
    `<p class="govuk-body">Sent by ${escapeHtml(sent.by)} on ${escapeHtml(formatLongDate(sent.on))}.</p>`,
  ];
  for (const question of form.questions) {
    const answer = answers[question.name]?.trim() ?? '';
    if (!answer && question.required !== 'unless-files') continue;
    parts.push(`<h2 class="govuk-heading-s">${escapeHtml(question.heading)}</h2>`);
    parts.push(
      answer
        ? paragraphs(answer)
        : '<p class="govuk-body">Not answered in words: see the pictures and documents.</p>',
    );
  }
  if (form.takesFiles && files.length > 0) {
    parts.push('<h2 class="govuk-heading-s">Pictures and documents</h2>');
    parts.push(
      `<ul class="govuk-list govuk-list--bullet">${files
        .map((f) => `<li>${escapeHtml(f.file_name ?? '')}</li>`)
        .join('')}</ul>`,
    );
  }
  return parts.join('\n');
}

export type Sending = Change & {
  voice: Voice;
  visibility: SharingChoice;
  authorName: string;
  /**
   * How many times it had been sent when the page was shown (a hidden field). If it has been
   * sent since (a double click, or someone else in the family), it is not sent again.
   */
  expectedSends: number;
};

/**
 * Sends a contribution to the council, in one transaction: a new document on the case (an
 * earlier sending's document stays), the contribution marked sent and pointing at it, the case's
 * timeline, the audit log, and a notification to the case's officer (case reference and link
 * only: no name, no views). Sent only if it has been sent `expectedSends` times so far, checked
 * with the contribution locked, so a double click makes one document and one notification.
 */
export async function submitContribution(
  db: Db,
  notifier: Notifier,
  sending: Sending,
  context: AuditContext,
): Promise<
  | { outcome: 'sent'; documentId: string; again: boolean }
  | { outcome: 'closed' }
  | { outcome: 'not-found' }
  | { outcome: 'already-sent' }
> {
  const { form, caseId, voice } = sending;
  return db.transaction().execute(async (trx) => {
    const found = await lockCase(trx, caseId);
    if (!found) return { outcome: 'not-found' as const };
    if (!isOpenForViews(found.stage)) return { outcome: 'closed' as const };
    // SELECT ... FOR UPDATE: a second sending of the same page waits here for the first.
    const existing = await repo.lockContribution(trx, caseId, form.kind);
    const stored = storedOf(form, existing?.answers);
    if (stored.sent.length !== sending.expectedSends) return { outcome: 'already-sent' as const };
    const today = todayInEngland();
    const files = await repo.findFiles(trx, caseId, stored.files, VISIBLE_TO.family);
    const title = form.documentTitle[voice];
    const documentId = await addWrittenDocument(
      trx,
      {
        caseId,
        kind: 'views',
        title,
        authorName: sending.authorName,
        authorUserId: sending.userId,
        documentDate: today,
        visibility: sending.visibility,
        visibilityReason: null,
        addedBy: sending.userId,
      },
      contributionHtml(form, sending.answers, files, { by: sending.authorName, on: today }),
    );
    const again = stored.sent.length > 0;
    const now = new Date();
    await repo.upsertContribution(trx, {
      caseId,
      kind: form.kind,
      answers: storedJson({
        ...stored,
        answers: sending.answers,
        visibility: sending.visibility,
        sent: [...stored.sent, documentId],
      }),
      status: 'submitted',
      updatedBy: sending.userId,
      sent: { at: now, documentId },
    });
    const path = `/cases/${caseId}`;
    const what = form.receivedAs[voice];
    await recordChange(trx, notifier, context, {
      caseId,
      localAuthorityId: found.local_authority_id,
      events: [
        {
          kind: 'views_submitted',
          summary: `${title} sent to the council${again ? ' again (the earlier version is kept)' : ''}`,
        },
      ],
      audit: {
        action: 'sent views to the council',
        details: { kind: form.kind, documentId, visibility: sending.visibility, again },
      },
      notify: [
        {
          to: found.assigned_officer_id ? [found.assigned_officer_id] : [],
          kind: 'views-received',
          title: `${found.reference}: views received from the family`,
          body: `The family sent ${what}${again ? ' again' : ''}.`,
          path,
          statutory: false,
          email: { reference: found.reference, what, link: `${notifier.baseUrl}${path}` },
        },
      ],
    });
    return { outcome: 'sent' as const, documentId, again };
  });
}

class ClosedForViews extends Error {}

/**
 * A picture, drawing, recording's transcript or document for the child's views: checked, stored
 * and added to the case at once with the chosen visibility, and listed with the views.
 */
export async function addChildViewsFile(
  db: Db,
  destination: UploadDestination,
  upload: {
    caseId: string;
    voice: Voice;
    visibility: SharingChoice;
    userId: string;
    authorName: string;
    file: UploadedFile;
  },
  context: AuditContext,
): Promise<UploadOutcome | { ok: false; closed: true }> {
  const form = CONTRIBUTION_FORMS.child_views;
  try {
    return await addUploadedDocument(
      db,
      destination,
      {
        caseId: upload.caseId,
        kind: 'views',
        title: `${form.documentTitle[upload.voice]}: picture or document`,
        authorName: upload.authorName,
        authorUserId: upload.userId,
        documentDate: todayInEngland(),
        visibility: upload.visibility,
        visibilityReason: null,
        addedBy: upload.userId,
      },
      upload.file,
      context,
      async (trx, documentId) => {
        const found = await lockCase(trx, upload.caseId);
        if (!found || !isOpenForViews(found.stage)) throw new ClosedForViews();
        const existing = await repo.lockContribution(trx, upload.caseId, form.kind);
        const stored = storedOf(form, existing?.answers);
        await repo.upsertContribution(trx, {
          caseId: upload.caseId,
          kind: form.kind,
          answers: storedJson({ ...stored, files: [...stored.files, documentId] }),
          // The file is on the case at once, but the views' document lists it only once they
          // are sent (again): until then there are changes not sent.
          status: 'draft',
          updatedBy: upload.userId,
        });
      },
    );
  } catch (error) {
    if (error instanceof ClosedForViews) return { ok: false, closed: true };
    throw error;
  }
}

/** Every page showing the family's views is recorded in the audit log. */
export async function viewsViewed(
  db: DbOrTrx,
  context: AuditContext,
  seen: { caseId: string; localAuthorityId: string; kind?: string | undefined },
): Promise<void> {
  await recordCaseRead(db, context, {
    caseId: seen.caseId,
    localAuthorityId: seen.localAuthorityId,
    action: 'viewed the family’s views',
    details: seen.kind ? { kind: seen.kind } : {},
  });
}
