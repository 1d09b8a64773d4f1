import type { DbOrTrx } from '../../db/database.ts';
import type { ContributionKind, DocumentVisibility } from '../../db/schema.ts';
import { FAMILY_ROLES } from '../../domain/people.ts';

/** The family's contributions on a case: at most one row per kind. */
export async function findContributions(db: DbOrTrx, caseId: string) {
  return db
    .selectFrom('family_contribution')
    .select(['kind', 'answers', 'status', 'updated_at', 'submitted_at', 'document_id'])
    .where('case_id', '=', caseId)
    .execute();
}

/** One contribution, with the name of whoever in the family last saved it. */
export async function findContribution(db: DbOrTrx, caseId: string, kind: ContributionKind) {
  return db
    .selectFrom('family_contribution as fc')
    .innerJoin('app_user as u', 'u.id', 'fc.updated_by')
    .select([
      'fc.id',
      'fc.answers',
      'fc.status',
      'fc.updated_at',
      'fc.submitted_at',
      'fc.document_id',
      'u.display_name as updated_by_name',
    ])
    .where('fc.case_id', '=', caseId)
    .where('fc.kind', '=', kind)
    .executeTakeFirst();
}

/** The same, locked for the rest of the transaction. */
export async function lockContribution(db: DbOrTrx, caseId: string, kind: ContributionKind) {
  return db
    .selectFrom('family_contribution')
    .select(['id', 'answers', 'status', 'submitted_at', 'document_id'])
    .where('case_id', '=', caseId)
    .where('kind', '=', kind)
    .forUpdate()
    .executeTakeFirst();
}

export type ContributionWrite = {
  caseId: string;
  kind: ContributionKind;
  answers: Record<string, unknown>;
  status: 'draft' | 'submitted';
  updatedBy: string;
  /** Set when sending; left as it was when saving a draft. */
  sent?: { at: Date; documentId: string };
};

export async function upsertContribution(db: DbOrTrx, write: ContributionWrite): Promise<void> {
  const now = new Date();
  const changes = {
    answers: JSON.stringify(write.answers),
    status: write.status,
    updated_by: write.updatedBy,
    updated_at: now,
    ...(write.sent ? { submitted_at: write.sent.at, document_id: write.sent.documentId } : {}),
  };
  await db
    .insertInto('family_contribution')
    .values({ case_id: write.caseId, kind: write.kind, ...changes })
    .onConflict((oc) => oc.columns(['case_id', 'kind']).doUpdateSet(changes))
    .execute();
}

/**
 * Files on the case among `ids` (the pictures and documents uploaded with the child's views),
 * of the visibilities given: the council may have narrowed some to itself.
 */
export async function findFiles(
  db: DbOrTrx,
  caseId: string,
  ids: string[],
  visibilities: readonly DocumentVisibility[],
) {
  if (ids.length === 0) return [];
  return db
    .selectFrom('case_document')
    .select(['id', 'file_name', 'size_bytes', 'visibility', 'created_at'])
    .where('case_id', '=', caseId)
    .where('id', 'in', ids)
    .where('visibility', 'in', visibilities)
    .where('storage_key', 'is not', null)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

/** A written document on the case (what was sent), if it is of one of the visibilities given. */
export async function findWrittenDocument(
  db: DbOrTrx,
  caseId: string,
  documentId: string,
  visibilities: readonly DocumentVisibility[],
) {
  return db
    .selectFrom('case_document')
    .select(['id', 'title', 'body_html', 'visibility', 'created_at'])
    .where('case_id', '=', caseId)
    .where('id', '=', documentId)
    .where('visibility', 'in', visibilities)
    .executeTakeFirst();
}

/** The user's family role on the case (parent or carer, or the young person), if any. */
export async function familyRoleOf(db: DbOrTrx, caseId: string, userId: string) {
  const row = await db
    .selectFrom('case_participant')
    .select('case_role')
    .where('case_id', '=', caseId)
    .where('user_id', '=', userId)
    .where('ended_at', 'is', null)
    .where('case_role', 'in', FAMILY_ROLES)
    .orderBy('case_role', 'desc')
    .executeTakeFirst();
  return row?.case_role ?? null;
}

/** What the family's pages show of the case: its reference and the child's name. */
export async function findCaseHeading(db: DbOrTrx, caseId: string) {
  return db
    .selectFrom('case')
    .select(['reference', 'child_first_name', 'child_last_name'])
    .where('id', '=', caseId)
    .executeTakeFirst();
}
