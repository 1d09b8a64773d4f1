import type { Insertable } from 'kysely';
import type { DbOrTrx } from '../../db/database.ts';
import type {
  AppUserTable,
  CaseEventTable,
  CaseParticipantTable,
  CaseTable,
  LocalAuthorityTable,
  OrganisationTable,
} from '../../db/schema.ts';
import type { StaffRole } from '../../domain/people.ts';

/** The demo data's rows, written as they are given (see demo-data.ts). */

export async function hasAnyLocalAuthority(db: DbOrTrx): Promise<boolean> {
  return Boolean(await db.selectFrom('local_authority').select('id').limit(1).executeTakeFirst());
}

export async function insertLocalAuthority(db: DbOrTrx, values: Insertable<LocalAuthorityTable>) {
  return db.insertInto('local_authority').values(values).returning('id').executeTakeFirstOrThrow();
}

export async function insertOrganisation(
  db: DbOrTrx,
  values: Insertable<OrganisationTable>,
): Promise<string> {
  const row = await db
    .insertInto('organisation')
    .values(values)
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function insertUser(db: DbOrTrx, values: Insertable<AppUserTable>): Promise<string> {
  const row = await db
    .insertInto('app_user')
    .values(values)
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function insertRecoveryCode(db: DbOrTrx, userId: string, codeHash: string) {
  await db.insertInto('recovery_code').values({ user_id: userId, code_hash: codeHash }).execute();
}

export async function insertStaffMembership(
  db: DbOrTrx,
  userId: string,
  localAuthorityId: string,
  role: StaffRole,
) {
  await db
    .insertInto('staff_membership')
    .values({ user_id: userId, local_authority_id: localAuthorityId, role })
    .execute();
}

export async function insertOrganisationMembership(
  db: DbOrTrx,
  userId: string,
  organisationId: string,
) {
  await db
    .insertInto('organisation_membership')
    .values({ user_id: userId, organisation_id: organisationId, job_title: null })
    .execute();
}

export async function insertCase(db: DbOrTrx, values: Insertable<CaseTable>) {
  return db.insertInto('case').values(values).returning('id').executeTakeFirstOrThrow();
}

export async function insertParticipant(db: DbOrTrx, values: Insertable<CaseParticipantTable>) {
  await db.insertInto('case_participant').values(values).execute();
}

/** A past event on a demo case's timeline, at the time given (not now, as recordChange writes). */
export async function insertEvent(db: DbOrTrx, values: Insertable<CaseEventTable>) {
  await db.insertInto('case_event').values(values).execute();
}
