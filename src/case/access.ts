import { jsonArrayFrom, jsonObjectFrom } from 'kysely/helpers/postgres';
import type { DbOrTrx } from '../db/database.ts';
import { FAMILY_ROLES } from '../domain/people.ts';
import type { CaseAccessFacts } from '../policy/policy.ts';

/**
 * Who may see the case: its LA and its current participants, people and organisations, as one
 * JSON value, so it can be read with the session (see web/request-facts.ts) or on its own.
 */
export function caseAccessJson(db: DbOrTrx, caseId: string) {
  return jsonObjectFrom(
    db
      .selectFrom('case')
      .select(['case.id', 'case.local_authority_id', 'case.stage'])
      .select((inner) =>
        jsonArrayFrom(
          inner
            .selectFrom('case_participant')
            .select([
              'case_participant.user_id',
              'case_participant.organisation_id',
              'case_participant.case_role',
            ])
            .whereRef('case_participant.case_id', '=', 'case.id')
            .where('case_participant.ended_at', 'is', null),
        ).as('participants'),
      )
      .where('case.id', '=', caseId),
  );
}

export type CaseAccessJson = {
  id: string;
  local_authority_id: string;
  stage: string;
  participants: { user_id: string | null; organisation_id: string | null; case_role: string }[];
} | null;

export function caseAccessFrom(found: CaseAccessJson): CaseAccessFacts | null {
  if (!found) return null;
  return {
    caseId: found.id,
    localAuthorityId: found.local_authority_id,
    stage: found.stage,
    familyUserIds: found.participants.flatMap((p) =>
      p.user_id && FAMILY_ROLES.includes(p.case_role) ? [p.user_id] : [],
    ),
    participantUserIds: found.participants.flatMap((p) => (p.user_id ? [p.user_id] : [])),
    participantOrganisationIds: found.participants.flatMap((p) =>
      p.organisation_id ? [p.organisation_id] : [],
    ),
  };
}

export async function loadCaseAccess(db: DbOrTrx, caseId: string): Promise<CaseAccessFacts | null> {
  const { access } = await db
    .selectNoFrom(() => caseAccessJson(db, caseId).as('access'))
    .executeTakeFirstOrThrow();
  return caseAccessFrom(access);
}

/** A case's reference and LA, for pages about the case that do not show it. */
export async function findCaseSummary(db: DbOrTrx, caseId: string) {
  return db
    .selectFrom('case')
    .select(['id', 'local_authority_id', 'reference'])
    .where('id', '=', caseId)
    .executeTakeFirst();
}
