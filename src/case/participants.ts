import type { Expression, QueryCreator } from 'kysely';
import type { DbOrTrx } from '../db/database.ts';
import type { Database } from '../db/schema.ts';
import { FAMILY_ROLES } from '../domain/people.ts';

/**
 * Who takes part in a case, as every page that names them reads it: each participant's role, the
 * person, organisation or invitation behind them, and whether and why they left. Current ones
 * first, then in the order they were added. A statement of its own (`listParticipants`) or part
 * of a larger one (a JSON array inside the case page's).
 */
export function participantsQuery(db: QueryCreator<Database>, caseId: string | Expression<string>) {
  return db
    .selectFrom('case_participant')
    .leftJoin('app_user', 'app_user.id', 'case_participant.user_id')
    .leftJoin('organisation', 'organisation.id', 'case_participant.organisation_id')
    .leftJoin('invitation', 'invitation.id', 'case_participant.invitation_id')
    .select([
      'case_participant.id',
      'case_participant.case_role',
      'case_participant.adviser_kind',
      'case_participant.user_id',
      'case_participant.organisation_id',
      'case_participant.invitation_id',
      'case_participant.invited_name',
      'case_participant.added_at',
      'case_participant.ended_at',
      'case_participant.end_reason',
      'app_user.display_name as user_name',
      'organisation.name as organisation_name',
      'organisation.kind as organisation_kind',
      'invitation.expires_at as invitation_expires_at',
    ])
    .where('case_participant.case_id', '=', caseId)
    .orderBy('case_participant.ended_at', (ob) => ob.desc().nullsFirst())
    .orderBy('case_participant.added_at')
    .orderBy('case_participant.id');
}

/** A case's participants: only those taking part now, or (for the LA) those who left too. */
export async function listParticipants(
  db: DbOrTrx,
  caseId: string,
  which: 'current' | 'all' = 'all',
) {
  const query = participantsQuery(db, caseId);
  return (
    which === 'current' ? query.where('case_participant.ended_at', 'is', null) : query
  ).execute();
}

/**
 * How a participant is named on the case: the person, their organisation, or the name the LA
 * invited them by; `unnamed` when there is none of these.
 */
export function participantName(
  p: { user_name: string | null; organisation_name: string | null; invited_name: string | null },
  unnamed = 'Someone invited',
): string {
  return p.user_name ?? p.organisation_name ?? p.invited_name ?? unnamed;
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

/** An LA's staff whose accounts are in use, with their roles and the LA's name. */
export async function activeStaffOf(db: DbOrTrx, localAuthorityId: string) {
  return db
    .selectFrom('staff_membership')
    .innerJoin('app_user', 'app_user.id', 'staff_membership.user_id')
    .innerJoin('local_authority', 'local_authority.id', 'staff_membership.local_authority_id')
    .select(['app_user.id', 'app_user.email', 'staff_membership.role', 'local_authority.name'])
    .where('staff_membership.local_authority_id', '=', localAuthorityId)
    .where('app_user.disabled_at', 'is', null)
    .execute();
}
