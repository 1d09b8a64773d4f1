import type { DbOrTrx } from '../../db/database.ts';
import type { DocumentVisibility } from '../../db/schema.ts';
import { VISIBLE_TO, type CaseAudience } from '../../policy/policy.ts';

/**
 * The case a document belongs to, with its visibility, for deciding whether a viewer was refused
 * it (see service.ts).
 */
export async function findDocumentOwner(db: DbOrTrx, documentId: string) {
  return db
    .selectFrom('case_document')
    .innerJoin('case', 'case.id', 'case_document.case_id')
    .select(['case.id', 'case.local_authority_id', 'case_document.visibility'])
    .where('case_document.id', '=', documentId)
    .executeTakeFirst();
}

/** One document on a case, if this audience may see it, with its case's LA and reference. */
export async function findVisibleDocument(
  db: DbOrTrx,
  ids: { caseId: string; documentId: string },
  audience: CaseAudience,
) {
  return db
    .selectFrom('case_document')
    .innerJoin('case', 'case.id', 'case_document.case_id')
    .selectAll('case_document')
    .select(['case.local_authority_id', 'case.reference'])
    .where('case_document.id', '=', ids.documentId)
    .where('case_document.case_id', '=', ids.caseId)
    .where('case_document.visibility', 'in', VISIBLE_TO[audience])
    .executeTakeFirst();
}

/** A document's visibility and how its author shared it, locked for a change of visibility. */
export async function lockDocumentSharing(
  trx: DbOrTrx,
  ids: { caseId: string; documentId: string },
) {
  return trx
    .selectFrom('case_document')
    .innerJoin('case', 'case.id', 'case_document.case_id')
    .select(['case_document.visibility', 'case_document.shared_as', 'case.local_authority_id'])
    .select((eb) =>
      eb
        .exists(
          eb
            .selectFrom('staff_membership')
            .select('staff_membership.user_id')
            .whereRef('staff_membership.user_id', '=', 'case_document.author_user_id')
            .whereRef('staff_membership.local_authority_id', '=', 'case.local_authority_id'),
        )
        .as('author_is_staff'),
    )
    .where('case_document.id', '=', ids.documentId)
    .where('case_document.case_id', '=', ids.caseId)
    .forUpdate()
    .executeTakeFirst();
}

export async function setVisibility(
  trx: DbOrTrx,
  documentId: string,
  change: { visibility: DocumentVisibility; reason: string | null },
) {
  await trx
    .updateTable('case_document')
    .set({
      visibility: change.visibility,
      visibility_reason: change.visibility === 'la_only' ? change.reason : null,
    })
    .where('id', '=', documentId)
    .execute();
}
