import type { Db, DbOrTrx } from '../../db/database.ts';
import type { DocumentVisibility } from '../../db/schema.ts';
import type { AuditContext } from '../../audit/audit.ts';
import type { DocumentStorage } from '../../case/storage.ts';
import { VISIBLE_TO, type CaseAudience } from '../../policy/policy.ts';
import { findCaseSummary } from '../../case/access.ts';
import { addUploadedDocument, listCaseDocuments } from '../../case/documents.ts';
import { recordCaseRead, recordChange } from '../../case/record.ts';
import * as repo from './repository.ts';

/** A case's reference and LA, for the document pages' headings. */
export function caseSummaryOf(db: DbOrTrx, caseId: string) {
  return findCaseSummary(db, caseId);
}

/** The documents on a case this audience may see, newest first; the view is audited. */
export async function documentsOnCase(
  db: DbOrTrx,
  caseId: string,
  audience: CaseAudience,
  context: AuditContext,
) {
  const found = await findCaseSummary(db, caseId);
  if (!found) return null;
  const documents = await listCaseDocuments(db, caseId, audience);
  await recordCaseRead(db, context, {
    caseId,
    localAuthorityId: found.local_authority_id,
    action: 'viewed the list of documents',
  });
  return { reference: found.reference, documents };
}

/** A file the LA adds to a case: checked, stored and recorded (see case/documents.ts). */
export const uploadDocument = addUploadedDocument;

/**
 * The case a document belongs to, when it exists but is not this audience's to see through this
 * case (it is another case's, or hidden from them): a refusal, not a document that is not there.
 */
export async function refusedDocumentOwner(
  db: DbOrTrx,
  ids: { caseId: string; documentId: string },
  audience: CaseAudience,
): Promise<{ caseId: string; localAuthorityId: string } | null> {
  const row = await repo.findDocumentOwner(db, ids.documentId);
  if (!row) return null;
  const refused = row.id !== ids.caseId || !VISIBLE_TO[audience].includes(row.visibility);
  return refused ? { caseId: row.id, localAuthorityId: row.local_authority_id } : null;
}

/**
 * One document on a case, if this audience may see it; the view is audited. With `download`,
 * the stored file is read too (and the audit says it was downloaded).
 */
export async function openCaseDocument(
  db: DbOrTrx,
  storage: DocumentStorage,
  ids: { caseId: string; documentId: string },
  audience: CaseAudience,
  context: AuditContext,
  download: boolean,
) {
  const document = await repo.findVisibleDocument(db, ids, audience);
  if (!document) return null;
  let data: Buffer | null = null;
  if (download) {
    if (!document.storage_key) return null;
    data = await storage.get(document.storage_key);
    if (!data) return null;
  }
  await recordCaseRead(db, context, {
    action: download ? 'downloaded a document' : 'viewed a document',
    caseId: ids.caseId,
    localAuthorityId: document.local_authority_id,
    details: { documentId: ids.documentId },
  });
  return { document, data };
}

const WIDTH: Record<DocumentVisibility, number> = { la_only: 0, la_and_family: 1, everyone: 2 };

/**
 * The LA changes who may see a document; the change and its reason are audited (not put on the
 * case's timeline, which everyone on the case reads). A document that the LA's own staff did not write (a family member's, an
 * adviser's, evidence sent with a request) was shared as its author chose: the LA may narrow it
 * (with a reason for "the LA only") and widen it back to that, but no further.
 */
export async function changeVisibility(
  db: Db,
  ids: { caseId: string; documentId: string },
  change: { visibility: DocumentVisibility; reason: string | null },
  context: AuditContext,
): Promise<'changed' | 'not-found' | 'only-the-author'> {
  return db.transaction().execute(async (trx) => {
    const current = await repo.lockDocumentSharing(trx, ids);
    if (!current) return 'not-found' as const;
    const beyondAuthorsChoice =
      current.shared_as !== null && WIDTH[change.visibility] > WIDTH[current.shared_as];
    if (beyondAuthorsChoice && !current.author_is_staff) {
      return 'only-the-author' as const;
    }
    await repo.setVisibility(trx, ids.documentId, change);
    await recordChange(trx, null, context, {
      caseId: ids.caseId,
      localAuthorityId: current.local_authority_id,
      audit: {
        action: 'changed who may see a document',
        details: { documentId: ids.documentId, visibility: change.visibility },
      },
    });
    return 'changed' as const;
  });
}
