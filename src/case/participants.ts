import type { DbOrTrx } from '../db/database.ts';
import { FAMILY_ROLES } from '../domain/people.ts';

/** How a participant is named on the case: the person, their organisation, or whom the LA invited. */
export function participantName(p: {
  user_name: string | null;
  organisation_name: string | null;
  invited_name: string | null;
}): string {
  return p.user_name ?? p.organisation_name ?? p.invited_name ?? 'Someone invited';
}

/** The people taking part in a case as its family: parents, carers and the young person. */
export async function familyOfCase(db: DbOrTrx, caseId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('case_participant')
    .select('user_id')
    .where('case_id', '=', caseId)
    .where('ended_at', 'is', null)
    .where('user_id', 'is not', null)
    .where('case_role', 'in', FAMILY_ROLES)
    .execute();
  return rows.map((r) => r.user_id!);
}

/**
 * The professionals taking part in a case: people in a professional role, and the current
 * members of the organisations on it, each once.
 */
export async function professionalsOfCase(db: DbOrTrx, caseId: string): Promise<string[]> {
  const people = await db
    .selectFrom('case_participant')
    .select('case_participant.user_id')
    .where('case_participant.case_id', '=', caseId)
    .where('case_participant.ended_at', 'is', null)
    .where('case_participant.user_id', 'is not', null)
    .where('case_participant.case_role', 'not in', FAMILY_ROLES)
    .execute();
  const members = await db
    .selectFrom('case_participant')
    .innerJoin(
      'organisation_membership',
      'organisation_membership.organisation_id',
      'case_participant.organisation_id',
    )
    .select('organisation_membership.user_id')
    .where('case_participant.case_id', '=', caseId)
    .where('case_participant.ended_at', 'is', null)
    .where('organisation_membership.ended_at', 'is', null)
    .execute();
  return [...new Set([...people.map((p) => p.user_id!), ...members.map((m) => m.user_id)])];
}

/** The LAs' staff who can hold cases, by name: the choices for a case's officer. */
export async function listStaffOfAuthorities(db: DbOrTrx, localAuthorityIds: string[]) {
  return db
    .selectFrom('app_user')
    .select(['app_user.id', 'app_user.display_name'])
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('staff_membership')
          .select('staff_membership.user_id')
          .whereRef('staff_membership.user_id', '=', 'app_user.id')
          .where('staff_membership.local_authority_id', 'in', localAuthorityIds)
          .where('staff_membership.role', 'in', ['caseworker', 'decision_maker', 'manager']),
      ),
    )
    .orderBy('app_user.display_name')
    .execute();
}

/** An LA's name, for messages that name the council (never the child). */
export async function localAuthorityNameOf(db: DbOrTrx, localAuthorityId: string) {
  const row = await db
    .selectFrom('local_authority')
    .select('name')
    .where('id', '=', localAuthorityId)
    .executeTakeFirstOrThrow();
  return row.name;
}
