import { jsonArrayFrom } from 'kysely/helpers/postgres';
import type { ExpressionBuilder } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { DbOrTrx } from '../db/database.ts';
import type { StaffRole } from '../domain/people.ts';
import type { Actor } from '../policy/policy.ts';

/**
 * The columns that make an actor, for a query that has `app_user` in scope: their LA roles,
 * their organisations and their unread notifications as sub-selects, so it costs no extra trip.
 */
export function actorColumns(eb: ExpressionBuilder<Database, 'app_user'>) {
  return [
    jsonArrayFrom(
      eb
        .selectFrom('staff_membership')
        .innerJoin('local_authority', 'local_authority.id', 'staff_membership.local_authority_id')
        .select([
          'staff_membership.local_authority_id',
          'local_authority.name',
          'staff_membership.role',
        ])
        .whereRef('staff_membership.user_id', '=', 'app_user.id')
        .orderBy('local_authority.name'),
    ).as('staff'),
    jsonArrayFrom(
      eb
        .selectFrom('organisation_membership')
        .select('organisation_membership.organisation_id')
        .whereRef('organisation_membership.user_id', '=', 'app_user.id')
        .where('organisation_membership.ended_at', 'is', null),
    ).as('organisations'),
    eb
      .selectFrom('notification')
      .select((inner) => inner.fn.countAll<string>().as('count'))
      .whereRef('notification.user_id', '=', 'app_user.id')
      .where('notification.read_at', 'is', null)
      .as('unread'),
    // Whether anyone asked them (or an organisation they belong to) for advice: two probes
    // driven by their own participations and memberships (indexed), so a person with none, such
    // as every LA officer, costs two index lookups on each page, however many requests exist.
    eb
      .or([
        eb.exists(
          eb
            .selectFrom('case_participant as advised_person')
            .innerJoin(
              'advice_request as asked_person',
              'asked_person.participant_id',
              'advised_person.id',
            )
            .select('asked_person.id')
            .whereRef('advised_person.user_id', '=', 'app_user.id')
            .where('advised_person.ended_at', 'is', null),
        ),
        eb.exists(
          eb
            .selectFrom('organisation_membership as advice_membership')
            .innerJoin(
              'case_participant as advised_organisation',
              'advised_organisation.organisation_id',
              'advice_membership.organisation_id',
            )
            .innerJoin(
              'advice_request as asked_organisation',
              'asked_organisation.participant_id',
              'advised_organisation.id',
            )
            .select('asked_organisation.id')
            .whereRef('advice_membership.user_id', '=', 'app_user.id')
            .where('advice_membership.ended_at', 'is', null)
            .where('advised_organisation.ended_at', 'is', null),
        ),
      ])
      .as('advice_requests'),
  ] as const;
}

export type ActorWithUnread = {
  actor: Actor;
  unreadNotifications: number;
  /** Whether they have any advice requests, for the navigation. */
  hasAdviceRequests: boolean;
};

export function actorFrom(row: {
  id: string | null;
  display_name: string | null;
  email: string | null;
  disabled_at: Date | null;
  staff: { local_authority_id: string; name: string; role: string }[];
  organisations: { organisation_id: string }[];
  unread: string | number | null;
  advice_requests?: boolean | number | null;
}): ActorWithUnread | null {
  if (!row.id || row.disabled_at) return null;
  return {
    actor: {
      userId: row.id,
      displayName: row.display_name!,
      email: row.email!,
      staff: row.staff.map((s) => ({
        localAuthorityId: s.local_authority_id,
        localAuthorityName: s.name,
        role: s.role as StaffRole,
      })),
      organisationIds: row.organisations.map((o) => o.organisation_id),
    },
    unreadNotifications: Number(row.unread ?? 0),
    hasAdviceRequests: Boolean(row.advice_requests),
  };
}

/** The signed-in person with what they belong to (the input to every policy decision), in one query. */
export async function loadActorWithUnread(
  db: DbOrTrx,
  userId: string,
): Promise<ActorWithUnread | null> {
  const row = await db
    .selectFrom('app_user')
    .select(['app_user.id', 'app_user.display_name', 'app_user.email', 'app_user.disabled_at'])
    .select((eb) => actorColumns(eb))
    .where('app_user.id', '=', userId)
    .executeTakeFirst();
  return row ? actorFrom(row) : null;
}

export async function loadActor(db: DbOrTrx, userId: string): Promise<Actor | null> {
  return (await loadActorWithUnread(db, userId))?.actor ?? null;
}
