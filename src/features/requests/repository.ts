import { sql, type ExpressionBuilder } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { jsonArrayFrom } from 'kysely/helpers/postgres';
import type { DbOrTrx } from '../../db/database.ts';
import type { Answers } from './questions.ts';

/** The LAs taking requests, for the first question and the start page's help links. */
export async function listAuthorities(db: DbOrTrx) {
  return db
    .selectFrom('local_authority')
    .select(['id', 'name', 'code', 'sendiass_name', 'sendiass_url'])
    .orderBy('name')
    .execute();
}

export async function insertDraft(
  db: DbOrTrx,
  draft: {
    answers: Answers;
    submittedByUserId: string | null;
    expiresAt: Date;
    addressKey: string | null;
  },
): Promise<string> {
  const row = await db
    .insertInto('assessment_request')
    .values({
      answers: JSON.stringify(draft.answers),
      submitted_by_user_id: draft.submittedByUserId,
      expires_at: draft.expiresAt,
      address_key: draft.addressKey,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** A draft that has not expired, with its evidence. */
export async function findDraft(db: DbOrTrx, id: string) {
  const row = await db
    .selectFrom('assessment_request')
    .select(['id', 'answers', 'contact_email', 'expires_at', 'submitted_by_user_id'])
    .select((eb) =>
      jsonArrayFrom(
        eb
          .selectFrom('request_document')
          .select([
            'request_document.id',
            'request_document.file_name',
            'request_document.size_bytes',
            'request_document.content_type',
          ])
          .whereRef('request_document.request_id', '=', 'assessment_request.id')
          .orderBy('request_document.uploaded_at'),
      ).as('documents'),
    )
    .where('id', '=', id)
    .where('status', '=', 'draft')
    .where('expires_at', '>', new Date())
    .executeTakeFirst();
  return row ? { ...row, answers: row.answers as Answers } : undefined;
}

export async function saveAnswers(db: DbOrTrx, id: string, answers: Answers, expiresAt: Date) {
  await db
    .updateTable('assessment_request')
    .set({ answers: JSON.stringify(answers), updated_at: new Date(), expires_at: expiresAt })
    .where('id', '=', id)
    .where('status', '=', 'draft')
    .execute();
}

export async function setResumeToken(
  db: DbOrTrx,
  id: string,
  tokenHash: string,
  email: string,
  expiresAt: Date,
) {
  await db
    .updateTable('assessment_request')
    .set({ resume_token_hash: tokenHash, contact_email: email, expires_at: expiresAt })
    .where('id', '=', id)
    .where('status', '=', 'draft')
    .execute();
}

export async function findDraftIdByResumeHash(db: DbOrTrx, tokenHash: string) {
  const row = await db
    .selectFrom('assessment_request')
    .select('id')
    .where('resume_token_hash', '=', tokenHash)
    .where('status', '=', 'draft')
    .where('expires_at', '>', new Date())
    .executeTakeFirst();
  return row?.id ?? null;
}

export async function countDocuments(db: DbOrTrx, requestId: string): Promise<number> {
  const row = await db
    .selectFrom('request_document')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('request_id', '=', requestId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Takes the address's turn (until the transaction ends), so two uploads from one address at
 * once cannot both pass its cap; then the bytes of evidence in its drafts not yet expired.
 */
export async function lockAndMeasureAddress(
  trx: DbOrTrx,
  addressKey: string,
  now: Date,
): Promise<number> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`draft-address:${addressKey}`}, 0))`.execute(
    trx,
  );
  const row = await trx
    .selectFrom('request_document')
    .innerJoin('assessment_request', 'assessment_request.id', 'request_document.request_id')
    .select((eb) =>
      eb.fn.coalesce(eb.fn.sum<string>('request_document.size_bytes'), eb.lit(0)).as('bytes'),
    )
    .where('assessment_request.status', '=', 'draft')
    .where('assessment_request.address_key', '=', addressKey)
    .where('assessment_request.expires_at', '>', now)
    .executeTakeFirstOrThrow();
  return Number(row.bytes);
}

/** The draft now belongs to this address for its cap. */
export async function setDraftAddress(trx: DbOrTrx, draftId: string, addressKey: string) {
  await trx
    .updateTable('assessment_request')
    .set({ address_key: addressKey })
    .where('id', '=', draftId)
    .where('status', '=', 'draft')
    .execute();
}

export async function insertDocument(
  db: DbOrTrx,
  document: {
    requestId: string;
    storageKey: string;
    fileName: string;
    contentType: string;
    sizeBytes: number;
  },
) {
  await db
    .insertInto('request_document')
    .values({
      request_id: document.requestId,
      storage_key: document.storageKey,
      file_name: document.fileName,
      content_type: document.contentType,
      size_bytes: document.sizeBytes,
    })
    .execute();
}

/** Removes a document from a draft; returns its storage key, or null when there is none. */
export async function deleteDraftDocument(db: DbOrTrx, requestId: string, documentId: string) {
  const row = await db
    .deleteFrom('request_document')
    .where('id', '=', documentId)
    .where('request_id', '=', requestId)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('assessment_request')
          .select('assessment_request.id')
          .where('assessment_request.id', '=', requestId)
          .where('assessment_request.status', '=', 'draft'),
      ),
    )
    .returning('storage_key')
    .executeTakeFirst();
  return row?.storage_key ?? null;
}

export async function findDocument(db: DbOrTrx, requestId: string, documentId: string) {
  return db
    .selectFrom('request_document')
    .innerJoin('assessment_request', 'assessment_request.id', 'request_document.request_id')
    .select([
      'request_document.storage_key',
      'request_document.file_name',
      'request_document.content_type',
      'assessment_request.local_authority_id',
    ])
    .where('request_document.id', '=', documentId)
    .where('request_document.request_id', '=', requestId)
    .executeTakeFirst();
}

/** The next request number for an LA in a year, counted in the caller's transaction. */
export async function nextRequestNumber(
  db: DbOrTrx,
  localAuthorityId: string,
  year: number,
): Promise<number> {
  const row = await db
    .insertInto('request_sequence')
    .values({ local_authority_id: localAuthorityId, year, last_number: 1 })
    .onConflict((oc) =>
      oc
        .columns(['local_authority_id', 'year'])
        .doUpdateSet({ last_number: sql`request_sequence.last_number + 1` }),
    )
    .returning('last_number')
    .executeTakeFirstOrThrow();
  return row.last_number;
}

export async function authorityCode(db: DbOrTrx, localAuthorityId: string) {
  const row = await db
    .selectFrom('local_authority')
    .select(['code', 'name'])
    .where('id', '=', localAuthorityId)
    .executeTakeFirst();
  return row ?? null;
}

/** Marks a draft as received; false when it was not a draft any more (sent twice). */
export async function markSubmitted(
  db: DbOrTrx,
  id: string,
  submitted: {
    localAuthorityId: string;
    requesterKind: string;
    answers: Answers;
    reference: string;
    contactEmail: string;
    receivedAt: Date;
    receivedOn: string;
    submittedByUserId: string | null;
  },
): Promise<boolean> {
  const result = await db
    .updateTable('assessment_request')
    .set({
      status: 'submitted',
      local_authority_id: submitted.localAuthorityId,
      requester_kind: submitted.requesterKind,
      answers: JSON.stringify(submitted.answers),
      reference: submitted.reference,
      contact_email: submitted.contactEmail,
      received_at: submitted.receivedAt,
      received_on: submitted.receivedOn,
      submitted_by_user_id: submitted.submittedByUserId,
      resume_token_hash: null,
      expires_at: null,
      // Sent, it no longer counts against the address (and the key is not kept).
      address_key: null,
      updated_at: new Date(),
    })
    .where('id', '=', id)
    .where('status', '=', 'draft')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Drafts past their 28 days, with their documents' storage keys, deleted in one statement. */
export async function deleteExpiredDrafts(db: DbOrTrx, now: Date) {
  const keys = await db
    .selectFrom('request_document')
    .innerJoin('assessment_request', 'assessment_request.id', 'request_document.request_id')
    .select('request_document.storage_key')
    .where('assessment_request.status', '=', 'draft')
    .where('assessment_request.expires_at', '<=', now)
    .execute();
  const deleted = await db
    .deleteFrom('assessment_request')
    .where('status', '=', 'draft')
    .where('expires_at', '<=', now)
    .executeTakeFirst();
  return { drafts: Number(deleted.numDeletedRows), storageKeys: keys.map((k) => k.storage_key) };
}

/**
 * Cases of the request's LA for a child with the same last name (in any case) and date of birth:
 * possibly the same child. For a query with the request as `r`.
 */
function similarCases(
  eb: ExpressionBuilder<Database & { r: Database['assessment_request'] }, 'r'>,
) {
  return jsonArrayFrom(
    eb
      .selectFrom('case')
      .select(['case.id', 'case.reference', 'case.stage'])
      .whereRef('case.local_authority_id', '=', 'r.local_authority_id')
      .where(
        sql`lower(${sql.ref('case.child_last_name')})`,
        '=',
        sql`lower(r.answers->>'childLastName')`,
      )
      .where(
        sql`${sql.ref('case.child_date_of_birth')}::text`,
        '=',
        sql`r.answers->>'childDateOfBirth'`,
      ),
  );
}

/**
 * The LA's new requests, oldest first, each with possible duplicates: another request or a case
 * for a child with the same last name and date of birth.
 */
export async function listIntake(db: DbOrTrx, localAuthorityIds: string[]) {
  return db
    .selectFrom('assessment_request as r')
    .select([
      'r.id',
      'r.reference',
      'r.local_authority_id',
      'r.requester_kind',
      'r.channel',
      'r.received_at',
      'r.received_on',
      sql<string>`r.answers->>'childFirstName'`.as('child_first_name'),
      sql<string>`r.answers->>'childLastName'`.as('child_last_name'),
      sql<string>`r.answers->>'childDateOfBirth'`.as('child_date_of_birth'),
    ])
    .select((eb) => [
      jsonArrayFrom(
        eb
          .selectFrom('assessment_request as other')
          .select(['other.id', 'other.reference'])
          .whereRef('other.local_authority_id', '=', 'r.local_authority_id')
          .whereRef('other.id', '<>', 'r.id')
          .where('other.status', '<>', 'draft')
          .where(
            sql`lower(other.answers->>'childLastName')`,
            '=',
            sql`lower(r.answers->>'childLastName')`,
          )
          .where(sql`other.answers->>'childDateOfBirth'`, '=', sql`r.answers->>'childDateOfBirth'`),
      ).as('similar_requests'),
      similarCases(eb).as('similar_cases'),
    ])
    .where('r.local_authority_id', 'in', localAuthorityIds)
    .where('r.status', '=', 'submitted')
    .orderBy('r.received_at')
    .limit(500)
    .execute();
}

/** A request as the LA sees it, with its evidence and the cases it may duplicate. */
export async function findRequest(db: DbOrTrx, id: string) {
  const row = await db
    .selectFrom('assessment_request as r')
    .leftJoin('local_authority', 'local_authority.id', 'r.local_authority_id')
    .selectAll('r')
    .select('local_authority.name as local_authority_name')
    .select((eb) => [
      jsonArrayFrom(
        eb
          .selectFrom('request_document')
          .select([
            'request_document.id',
            'request_document.file_name',
            'request_document.size_bytes',
            'request_document.content_type',
          ])
          .whereRef('request_document.request_id', '=', 'r.id')
          .orderBy('request_document.uploaded_at'),
      ).as('documents'),
      similarCases(eb).as('similar_cases'),
    ])
    .where('r.id', '=', id)
    .where('r.status', '<>', 'draft')
    .executeTakeFirst();
  return row ? { ...row, answers: row.answers as Answers } : undefined;
}

/** The LA a sent request went to, or null (no such request, or still a draft). */
export async function authorityOfRequest(db: DbOrTrx, id: string): Promise<string | null> {
  const row = await db
    .selectFrom('assessment_request')
    .select('local_authority_id')
    .where('id', '=', id)
    .where('status', '<>', 'draft')
    .executeTakeFirst();
  return row?.local_authority_id ?? null;
}

export async function lockRequest(db: DbOrTrx, id: string) {
  const row = await db
    .selectFrom('assessment_request')
    .selectAll()
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
  return row ? { ...row, answers: row.answers as Answers } : undefined;
}

export async function markRequestDecided(
  db: DbOrTrx,
  id: string,
  outcome: { status: 'case_opened' | 'attached'; caseId: string; decidedBy: string },
) {
  await db
    .updateTable('assessment_request')
    .set({
      status: outcome.status,
      case_id: outcome.caseId,
      decided_by_user_id: outcome.decidedBy,
      decided_at: new Date(),
      updated_at: new Date(),
    })
    .where('id', '=', id)
    .execute();
}

export async function isStaffOf(db: DbOrTrx, userId: string, localAuthorityId: string) {
  const row = await db
    .selectFrom('staff_membership')
    .select('user_id')
    .where('user_id', '=', userId)
    .where('local_authority_id', '=', localAuthorityId)
    .where('role', 'in', ['caseworker', 'decision_maker', 'manager'])
    .executeTakeFirst();
  return Boolean(row);
}

/** Emails of one kind queued to an address in the last hour. */
export async function recentEmailsTo(db: DbOrTrx, address: string, kind: string): Promise<number> {
  const row = await db
    .selectFrom('email_message')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('to_address', '=', address)
    .where('kind', '=', kind)
    .where('created_at', '>', new Date(Date.now() - 60 * 60_000))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** A request that came by email or letter, recorded by a caseworker as received. */
export async function insertRecordedRequest(
  db: DbOrTrx,
  recorded: {
    localAuthorityId: string;
    channel: 'email' | 'post';
    requesterKind: string;
    answers: Answers;
    reference: string;
    contactEmail: string | null;
    receivedOn: string;
    recordedBy: string;
  },
): Promise<string> {
  const row = await db
    .insertInto('assessment_request')
    .values({
      local_authority_id: recorded.localAuthorityId,
      status: 'submitted',
      channel: recorded.channel,
      requester_kind: recorded.requesterKind,
      answers: JSON.stringify(recorded.answers),
      reference: recorded.reference,
      contact_email: recorded.contactEmail,
      received_at: new Date(),
      received_on: recorded.receivedOn,
      recorded_by_user_id: recorded.recordedBy,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function findCaseOfAuthority(db: DbOrTrx, caseId: string, localAuthorityId: string) {
  return db
    .selectFrom('case')
    .select(['id', 'reference'])
    .where('id', '=', caseId)
    .where('local_authority_id', '=', localAuthorityId)
    .executeTakeFirst();
}

export type SettingMatch = { id: string; name: string; urn: string | null };

/** Nurseries, schools and colleges by URN, or whose name contains the words typed. */
export async function findSettings(db: DbOrTrx, text: string): Promise<SettingMatch[]> {
  let query = db
    .selectFrom('organisation')
    .select(['id', 'name', 'urn'])
    .where('kind', '=', 'education_setting');
  if (/^\d{6,7}$/.test(text)) {
    query = query.where('urn', '=', text);
  } else {
    const pattern = `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    query = query.where(sql<string>`lower(name)`, 'like', pattern);
  }
  return query.orderBy('name').limit(11).execute();
}

export async function addSettingToCase(db: DbOrTrx, caseId: string, organisationId: string) {
  await db
    .insertInto('case_participant')
    .values({ case_id: caseId, organisation_id: organisationId, case_role: 'setting' })
    .execute();
}

/** The organisations a person belongs to, with their kind, name and URN. */
export async function organisationsOf(db: DbOrTrx, organisationIds: string[]) {
  if (organisationIds.length === 0) return [];
  return db
    .selectFrom('organisation')
    .select(['id', 'kind', 'name', 'urn'])
    .where('id', 'in', organisationIds)
    .orderBy('name')
    .execute();
}

/** Requests sent from an address since a moment, for the per-address limit. */
export async function countSentFrom(db: DbOrTrx, email: string, since: Date): Promise<number> {
  const row = await db
    .selectFrom('assessment_request')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('contact_email', '=', email)
    .where('status', '<>', 'draft')
    .where('received_at', '>', since)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * The request's evidence becomes documents on its case (type "report", dated the day it came,
 * by whoever asked): everyone on the case may see it when the family agreed to share the
 * request with the professionals the council asks, otherwise (or for a letter, where nobody was
 * asked) the LA and the family. The files are not copied: both rows name the same stored file,
 * which only a draft's expiry deletes. Evidence already on the case is skipped, so this can run
 * again after a scan is added.
 */
export async function copyEvidenceToCase(
  db: DbOrTrx,
  requestId: string,
  caseId: string,
  addedBy: string,
) {
  const rows = await db
    .selectFrom('request_document')
    .innerJoin('assessment_request', 'assessment_request.id', 'request_document.request_id')
    .select([
      'request_document.storage_key',
      'request_document.file_name',
      'request_document.content_type',
      'request_document.size_bytes',
      'assessment_request.reference',
      'assessment_request.received_on',
      'assessment_request.requester_kind',
      sql<string | null>`assessment_request.answers->>'shareConsent'`.as('share_consent'),
    ])
    .where('request_document.request_id', '=', requestId)
    .execute();
  if (rows.length === 0) return;
  await db
    .insertInto('case_document')
    .values(
      rows.map((r) => ({
        case_id: caseId,
        kind: 'report' as const,
        title: `Sent with request ${r.reference}: ${r.file_name}`,
        author_name: REQUESTER_NAMES[r.requester_kind ?? ''] ?? 'The person who asked',
        author_user_id: null,
        document_date: r.received_on!,
        visibility: r.share_consent === 'yes' ? ('everyone' as const) : ('la_and_family' as const),
        shared_as: r.share_consent === 'yes' ? ('everyone' as const) : ('la_and_family' as const),
        visibility_reason: null,
        storage_key: r.storage_key,
        file_name: r.file_name,
        content_type: r.content_type,
        size_bytes: r.size_bytes,
        added_by: addedBy,
      })),
    )
    .onConflict((oc) => oc.column('storage_key').doNothing())
    .execute();
}

const REQUESTER_NAMES: Record<string, string> = {
  parent: 'The parent or carer',
  young_person: 'The young person',
  setting: 'The school or setting',
  health: 'A health professional',
  social_care: 'Social care',
  other_professional: 'A professional',
};
