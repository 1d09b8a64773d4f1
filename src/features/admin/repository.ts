import { sql } from 'kysely';
import type { DbOrTrx } from '../../db/database.ts';
import type { CalendarDate } from '../../domain/clock/calendar-date.ts';
import type { StaffRole } from '../../domain/people.ts';

/** All SQL for an LA administrator's pages: the LA's staff, organisations and invitations. */

/** Locks the LA's row so changes to its administrators happen one at a time. */
export async function lockLocalAuthority(db: DbOrTrx, localAuthorityId: string) {
  return db
    .selectFrom('local_authority')
    .select(['id', 'name'])
    .where('id', '=', localAuthorityId)
    .forUpdate()
    .executeTakeFirst();
}

export async function listStaff(db: DbOrTrx, localAuthorityId: string) {
  return db
    .selectFrom('staff_membership')
    .innerJoin('app_user', 'app_user.id', 'staff_membership.user_id')
    .select([
      'app_user.id',
      'app_user.display_name',
      'app_user.email',
      'app_user.last_signed_in_at',
      'app_user.disabled_at',
      'staff_membership.role',
    ])
    .where('staff_membership.local_authority_id', '=', localAuthorityId)
    .orderBy('app_user.display_name')
    .orderBy('app_user.email')
    .execute();
}

export async function listPendingStaffInvitations(db: DbOrTrx, localAuthorityId: string) {
  return db
    .selectFrom('invitation')
    .select(['id', 'email', 'staff_role', 'expires_at'])
    .where('local_authority_id', '=', localAuthorityId)
    .where('staff_role', 'is not', null)
    .where('used_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .orderBy('created_at', 'desc')
    .execute();
}

export async function findStaffMember(db: DbOrTrx, localAuthorityId: string, userId: string) {
  return db
    .selectFrom('staff_membership')
    .innerJoin('app_user', 'app_user.id', 'staff_membership.user_id')
    .select([
      'app_user.id',
      'app_user.display_name',
      'app_user.email',
      'app_user.last_signed_in_at',
      'app_user.disabled_at',
      'staff_membership.role',
      'staff_membership.created_at',
    ])
    .where('staff_membership.local_authority_id', '=', localAuthorityId)
    .where('staff_membership.user_id', '=', userId)
    .executeTakeFirst();
}

export async function isStaffEmail(db: DbOrTrx, localAuthorityId: string, email: string) {
  const row = await db
    .selectFrom('staff_membership')
    .innerJoin('app_user', 'app_user.id', 'staff_membership.user_id')
    .select('app_user.id')
    .where('staff_membership.local_authority_id', '=', localAuthorityId)
    .where('app_user.email', '=', email)
    .executeTakeFirst();
  return Boolean(row);
}

export async function countAdministrators(db: DbOrTrx, localAuthorityId: string): Promise<number> {
  const row = await db
    .selectFrom('staff_membership')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('local_authority_id', '=', localAuthorityId)
    .where('role', '=', 'admin')
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

export async function setStaffRole(
  db: DbOrTrx,
  localAuthorityId: string,
  userId: string,
  role: StaffRole,
) {
  await db
    .updateTable('staff_membership')
    .set({ role })
    .where('local_authority_id', '=', localAuthorityId)
    .where('user_id', '=', userId)
    .execute();
}

export async function deleteStaffMembership(db: DbOrTrx, localAuthorityId: string, userId: string) {
  await db
    .deleteFrom('staff_membership')
    .where('local_authority_id', '=', localAuthorityId)
    .where('user_id', '=', userId)
    .execute();
}

export async function listOrganisations(db: DbOrTrx, localAuthorityId: string, limit: number) {
  return db
    .selectFrom('organisation')
    .select((eb) => [
      'organisation.id',
      'organisation.name',
      'organisation.kind',
      'organisation.urn',
      'organisation.ukprn',
      'organisation.phase',
      eb
        .selectFrom('organisation_membership')
        .select(eb.fn.countAll<string>().as('count'))
        .whereRef('organisation_membership.organisation_id', '=', 'organisation.id')
        .where('organisation_membership.ended_at', 'is', null)
        .as('member_count'),
    ])
    .where('organisation.local_authority_id', '=', localAuthorityId)
    .orderBy('organisation.name')
    .orderBy('organisation.id')
    .limit(limit)
    .execute();
}

export async function findOrganisation(
  db: DbOrTrx,
  localAuthorityId: string,
  organisationId: string,
) {
  return db
    .selectFrom('organisation')
    .select(['id', 'name', 'kind', 'urn', 'ukprn', 'phase', 'created_at'])
    .where('id', '=', organisationId)
    .where('local_authority_id', '=', localAuthorityId)
    .executeTakeFirst();
}

/** URNs and UKPRNs are unique across England, so these look beyond the LA. */
export async function organisationWithUrnExists(db: DbOrTrx, urn: string) {
  const row = await db
    .selectFrom('organisation')
    .select('id')
    .where('urn', '=', urn)
    .executeTakeFirst();
  return Boolean(row);
}

export async function organisationWithUkprnExists(db: DbOrTrx, ukprn: string) {
  const row = await db
    .selectFrom('organisation')
    .select('id')
    .where('ukprn', '=', ukprn)
    .executeTakeFirst();
  return Boolean(row);
}

export async function insertOrganisation(
  db: DbOrTrx,
  organisation: {
    localAuthorityId: string;
    name: string;
    kind: string;
    urn: string | null;
    ukprn: string | null;
    phase: string | null;
  },
): Promise<string> {
  const row = await db
    .insertInto('organisation')
    .values({
      local_authority_id: organisation.localAuthorityId,
      name: organisation.name,
      kind: organisation.kind,
      urn: organisation.urn,
      ukprn: organisation.ukprn,
      phase: organisation.phase,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function listCurrentMembers(db: DbOrTrx, organisationId: string) {
  return db
    .selectFrom('organisation_membership')
    .innerJoin('app_user', 'app_user.id', 'organisation_membership.user_id')
    .select([
      'organisation_membership.id',
      'organisation_membership.user_id',
      'organisation_membership.job_title',
      'organisation_membership.created_at',
      'app_user.display_name',
      'app_user.email',
    ])
    .where('organisation_membership.organisation_id', '=', organisationId)
    .where('organisation_membership.ended_at', 'is', null)
    .orderBy('app_user.display_name')
    .orderBy('app_user.email')
    .execute();
}

export async function findCurrentMembership(
  db: DbOrTrx,
  organisationId: string,
  membershipId: string,
) {
  return db
    .selectFrom('organisation_membership')
    .innerJoin('app_user', 'app_user.id', 'organisation_membership.user_id')
    .select([
      'organisation_membership.id',
      'organisation_membership.user_id',
      'app_user.display_name',
    ])
    .where('organisation_membership.id', '=', membershipId)
    .where('organisation_membership.organisation_id', '=', organisationId)
    .where('organisation_membership.ended_at', 'is', null)
    .executeTakeFirst();
}

export async function isCurrentMemberEmail(db: DbOrTrx, organisationId: string, email: string) {
  const row = await db
    .selectFrom('organisation_membership')
    .innerJoin('app_user', 'app_user.id', 'organisation_membership.user_id')
    .select('organisation_membership.id')
    .where('organisation_membership.organisation_id', '=', organisationId)
    .where('organisation_membership.ended_at', 'is', null)
    .where('app_user.email', '=', email)
    .executeTakeFirst();
  return Boolean(row);
}

export async function listPendingOrganisationInvitations(db: DbOrTrx, organisationId: string) {
  return db
    .selectFrom('invitation')
    .select(['id', 'email', 'expires_at'])
    .where('organisation_id', '=', organisationId)
    .where('used_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .orderBy('created_at', 'desc')
    .execute();
}

/** Ends a current membership; the row stays as history. Returns the member's user id, or null. */
export async function endOrganisationMembership(
  db: DbOrTrx,
  organisationId: string,
  membershipId: string,
): Promise<string | null> {
  const row = await db
    .updateTable('organisation_membership')
    .set({ ended_at: sql<Date>`now()` })
    .where('id', '=', membershipId)
    .where('organisation_id', '=', organisationId)
    .where('ended_at', 'is', null)
    .returning('user_id')
    .executeTakeFirst();
  return row?.user_id ?? null;
}

export async function findAuthorityByCode(db: DbOrTrx, code: string) {
  return db
    .selectFrom('local_authority')
    .select(['id', 'name'])
    .where('code', '=', code)
    .executeTakeFirst();
}

export async function insertAuthority(db: DbOrTrx, authority: { code: string; name: string }) {
  return db
    .insertInto('local_authority')
    .values({ code: authority.code, name: authority.name })
    .returning(['id', 'name'])
    .executeTakeFirstOrThrow();
}

/** An LA's closure days, latest first, with who added each. */
export async function listClosureDays(db: DbOrTrx, localAuthorityId: string) {
  return db
    .selectFrom('closure_day')
    .innerJoin('app_user', 'app_user.id', 'closure_day.added_by')
    .select([
      'closure_day.closed_on',
      'closure_day.description',
      'closure_day.added_at',
      'app_user.display_name as added_by_name',
    ])
    .where('closure_day.local_authority_id', '=', localAuthorityId)
    .orderBy('closure_day.closed_on', 'desc')
    .execute();
}

/** Adds a closure day; undefined when the LA already has one on that date. */
export async function insertClosureDay(
  db: DbOrTrx,
  localAuthorityId: string,
  day: { closedOn: CalendarDate; description: string },
  addedBy: string,
) {
  return db
    .insertInto('closure_day')
    .values({
      local_authority_id: localAuthorityId,
      closed_on: day.closedOn,
      description: day.description,
      added_by: addedBy,
    })
    .onConflict((oc) => oc.doNothing())
    .returning('closed_on')
    .executeTakeFirst();
}

export async function deleteClosureDay(
  db: DbOrTrx,
  localAuthorityId: string,
  closedOn: CalendarDate,
) {
  return db
    .deleteFrom('closure_day')
    .where('local_authority_id', '=', localAuthorityId)
    .where('closed_on', '=', closedOn)
    .returning('closed_on')
    .executeTakeFirst();
}
