import type { Db, DbOrTrx } from '../db/database.ts';
import type { DocumentKind, DocumentVisibility } from '../db/schema.ts';
import { recordAudit, type AuditContext } from '../audit/audit.ts';
import type { CalendarDate } from '../domain/clock/calendar-date.ts';
import { VISIBLE_TO, type CaseAudience } from '../policy/policy.ts';
import { recordChange } from './record.ts';
import { newStorageKey, type DocumentStorage } from './storage.ts';
import {
  checkUpload,
  type UploadDestination,
  type UploadedFile,
} from '../web/upload-checks/uploads.ts';

/**
 * Documents on a case: advice, reports, letters Pathway wrote, views, plans. Each has a type,
 * an author, a date and a visibility; who sees it follows from the viewer's audience (the LA,
 * the family, or a professional on the case: see policy.ts VISIBLE_TO). Every view and
 * download is written to the audit log against the case.
 */
export type NewCaseDocument = {
  caseId: string;
  kind: DocumentKind;
  title: string;
  /** Who wrote it, as shown: a person's name, or a name and their organisation. */
  authorName: string;
  authorUserId: string | null;
  documentDate: CalendarDate;
  visibility: DocumentVisibility;
  /** Required when the visibility is 'la_only'. */
  visibilityReason: string | null;
  addedBy: string | null;
};

function documentRow(document: NewCaseDocument) {
  if (document.visibility === 'la_only' && !document.visibilityReason) {
    throw new Error('A document kept from the family and advisers needs a reason');
  }
  return {
    case_id: document.caseId,
    kind: document.kind,
    title: document.title,
    author_name: document.authorName,
    author_user_id: document.authorUserId,
    document_date: document.documentDate,
    visibility: document.visibility,
    visibility_reason: document.visibility === 'la_only' ? document.visibilityReason : null,
    // A document with an author on Pathway was shared as they chose (see changeVisibility).
    shared_as: document.authorUserId ? document.visibility : null,
    added_by: document.addedBy,
  };
}

export type UploadOutcome = { ok: true; documentId: string } | { ok: false; message: string };

/**
 * Checks an uploaded file (type read from its content, size), stores it, and records it on the
 * case in one transaction with `also` (the caller's own rows: an advice submission, a case
 * event). The stored file is removed again if the transaction fails, so nothing is half-written.
 */
export async function addUploadedDocument(
  db: Db,
  destination: UploadDestination,
  document: NewCaseDocument,
  file: UploadedFile,
  context: AuditContext,
  also?: (trx: DbOrTrx, documentId: string) => Promise<void>,
): Promise<UploadOutcome> {
  const { storage, scanner } = destination;
  const checked = await checkUpload(file, { scanner });
  if (!checked.ok) {
    if (checked.problem === 'virus') {
      const found = await db
        .selectFrom('case')
        .select('local_authority_id')
        .where('id', '=', document.caseId)
        .executeTakeFirst();
      // Who tried, on which case, and what clamd found: never the file or its name.
      await recordAudit(db, context, {
        action: 'refused an upload with a virus',
        subjectType: 'case',
        subjectId: document.caseId,
        localAuthorityId: found?.local_authority_id ?? null,
        details: { signature: checked.signature, sizeBytes: file.data.length },
      });
    }
    return { ok: false, message: checked.message };
  }
  const storageKey = newStorageKey();
  await storage.put(storageKey, file.data);
  try {
    const documentId = await db.transaction().execute(async (trx) => {
      const { id } = await trx
        .insertInto('case_document')
        .values({
          ...documentRow(document),
          storage_key: storageKey,
          file_name: checked.safeName,
          content_type: checked.contentType,
          size_bytes: checked.sizeBytes,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const { local_authority_id } = await trx
        .selectFrom('case')
        .select('local_authority_id')
        .where('id', '=', document.caseId)
        .executeTakeFirstOrThrow();
      await recordChange(trx, null, context, {
        caseId: document.caseId,
        localAuthorityId: local_authority_id,
        audit: {
          action: 'added a document',
          details: { documentId: id, kind: document.kind, visibility: document.visibility },
        },
      });
      await also?.(trx, id);
      return id;
    });
    return { ok: true, documentId };
  } catch (error) {
    await storage.delete(storageKey);
    throw error;
  }
}

/**
 * A letter Pathway wrote: its HTML kept on the case (shown as a page) and its PDF stored as the
 * document's file. Runs in the caller's transaction; the caller removes `storageKey` from
 * storage if that transaction fails (see `withStoredFile`).
 */
export async function addLetterDocument(
  trx: DbOrTrx,
  document: NewCaseDocument,
  letter: { html: string; pdf: Buffer; fileName: string; storageKey: string },
): Promise<string> {
  const { id } = await trx
    .insertInto('case_document')
    .values({
      ...documentRow(document),
      body_html: letter.html,
      storage_key: letter.storageKey,
      file_name: letter.fileName,
      content_type: 'application/pdf',
      size_bytes: letter.pdf.length,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return id;
}

/**
 * A document written by Pathway from what someone typed (their views, structured advice): HTML
 * only, no file. Runs in the caller's transaction.
 */
export async function addWrittenDocument(
  trx: DbOrTrx,
  document: NewCaseDocument,
  bodyHtml: string,
): Promise<string> {
  const { id } = await trx
    .insertInto('case_document')
    .values({ ...documentRow(document), body_html: bodyHtml })
    .returning('id')
    .executeTakeFirstOrThrow();
  return id;
}

/**
 * Stores `data` under a new key, then runs `work` (which records the key in the database);
 * removes the stored data again if `work` fails.
 */
export async function withStoredFile<T>(
  storage: DocumentStorage,
  data: Buffer,
  work: (storageKey: string) => Promise<T>,
): Promise<T> {
  const storageKey = newStorageKey();
  await storage.put(storageKey, data);
  try {
    return await work(storageKey);
  } catch (error) {
    await storage.delete(storageKey);
    throw error;
  }
}

export type CaseDocumentSummary = Awaited<ReturnType<typeof listCaseDocuments>>[number];

/** The documents on a case this audience may see, newest first. */
export async function listCaseDocuments(db: DbOrTrx, caseId: string, audience: CaseAudience) {
  return db
    .selectFrom('case_document')
    .select([
      'id',
      'kind',
      'title',
      'author_name',
      'document_date',
      'visibility',
      'visibility_reason',
      'file_name',
      'content_type',
      'size_bytes',
      'created_at',
    ])
    .select((eb) => eb('body_html', 'is not', null).as('has_page'))
    .where('case_id', '=', caseId)
    .where('visibility', 'in', VISIBLE_TO[audience])
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .execute();
}
