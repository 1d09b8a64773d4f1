import type { StaffRole } from '../domain/people.ts';

/**
 * Who may do what to which case. Every route names one of these policies and the route-policy
 * plugin asks this module; no route carries its own rule.
 */
export type Actor = {
  userId: string;
  displayName: string;
  email: string;
  staff: { localAuthorityId: string; localAuthorityName: string; role: StaffRole }[];
  organisationIds: string[];
};

export type CaseAccessFacts = {
  caseId: string;
  localAuthorityId: string;
  /** The case's stage (see domain/pathway/stages.ts). */
  stage: string;
  /** Current participants who are the family: parents, carers, the young person. */
  familyUserIds: string[];
  participantUserIds: string[];
  participantOrganisationIds: string[];
};

export const ROUTE_POLICIES = [
  /** Anyone, signed in or not. */
  'public',
  /** Someone half-way through signing in (password accepted, second factor still to come). */
  'signing-in',
  /** Anyone signed in with both factors. */
  'signed-in',
  /** Staff of at least one LA, any role. */
  'staff',
  /** An administrator of at least one LA. */
  'la-admin',
  /** May see the case named by the route's :caseId. */
  'case:view',
  /** May see who looked at and changed the case named by :caseId. */
  'case:access-log',
  /** May record facts on the case named by :caseId: staff of the case's LA. */
  'case:manage',
  /** May decide on the case named by :caseId: its LA's decision makers and managers. */
  'case:decide',
  /** Is the family on the case named by :caseId: a parent, carer or the young person. */
  'case:family',
] as const;
export type RoutePolicy = (typeof ROUTE_POLICIES)[number];

export function isStaff(actor: Actor): boolean {
  return actor.staff.length > 0;
}

export function staffRoleIn(actor: Actor, localAuthorityId: string): StaffRole | null {
  return actor.staff.find((s) => s.localAuthorityId === localAuthorityId)?.role ?? null;
}

/** Whether the actor works for this LA, in any role. */
export function isStaffOf(actor: Actor, localAuthorityId: string): boolean {
  return staffRoleIn(actor, localAuthorityId) !== null;
}

export function administeredAuthorities(actor: Actor): string[] {
  return actor.staff.filter((s) => s.role === 'admin').map((s) => s.localAuthorityId);
}

export function canAdministerAuthority(actor: Actor, localAuthorityId: string): boolean {
  return staffRoleIn(actor, localAuthorityId) === 'admin';
}

/**
 * LA staff of any role see their own LA's cases. Everyone else sees a case only while they, or
 * an organisation they belong to, take part in it: a setting's cases follow the setting, so a
 * new SENCO sees them and one who has left does not.
 */
export function canViewCase(actor: Actor, facts: CaseAccessFacts): boolean {
  if (staffRoleIn(actor, facts.localAuthorityId)) return true;
  if (facts.participantUserIds.includes(actor.userId)) return true;
  return facts.participantOrganisationIds.some((id) => actor.organisationIds.includes(id));
}

/** Facts on a case (exceptions, decisions) are recorded by the case's LA staff only. */
export function canManageCase(actor: Actor, facts: CaseAccessFacts): boolean {
  return staffRoleIn(actor, facts.localAuthorityId) !== null;
}

/**
 * Decisions whether to assess and whether to issue a plan are the LA's decision makers' (and
 * managers'); a caseworker recommends.
 */
export function canDecideOnCase(actor: Actor, facts: CaseAccessFacts): boolean {
  const role = staffRoleIn(actor, facts.localAuthorityId);
  return role === 'decision_maker' || role === 'manager';
}

/**
 * A decision is made by two people: whoever recommended it does not also decide it, even as a
 * decision maker or manager.
 */
export function isOwnRecommendation(
  actorUserId: string | null,
  recommendation: { recommended_by: string } | null | undefined,
): boolean {
  return Boolean(recommendation) && recommendation!.recommended_by === actorUserId;
}

/** The family's own pages on a case (their views, asking for someone to be added). */
export function isFamilyOfCase(actor: Actor, facts: CaseAccessFacts): boolean {
  return facts.familyUserIds.includes(actor.userId);
}

/**
 * Who is looking at a case, for what they may see of its documents: the LA's staff, the family,
 * or a professional taking part.
 */
export type CaseAudience = 'la' | 'family' | 'professional';

export function audienceOf(actor: Actor, facts: CaseAccessFacts): CaseAudience {
  if (staffRoleIn(actor, facts.localAuthorityId)) return 'la';
  return isFamilyOfCase(actor, facts) ? 'family' : 'professional';
}

/** The visibilities of documents each audience sees ('la_only' needs a reason). */
export const VISIBLE_TO: Record<
  CaseAudience,
  readonly ('everyone' | 'la_and_family' | 'la_only')[]
> = {
  la: ['everyone', 'la_and_family', 'la_only'],
  family: ['everyone', 'la_and_family'],
  professional: ['everyone'],
};

/**
 * An advice request is answered by the participant it names: that person, or anyone currently
 * in the organisation it names. The LA's staff may see it too.
 */
export function canGiveAdvice(
  actor: Actor,
  adviser: { userId: string | null; organisationId: string | null; ended: boolean },
): boolean {
  if (adviser.ended) return false;
  if (adviser.userId) return adviser.userId === actor.userId;
  return adviser.organisationId !== null && actor.organisationIds.includes(adviser.organisationId);
}

/** The LAs the actor works for, any role: whose requests and cases they see. */
export function staffAuthorities(actor: Actor): string[] {
  return actor.staff.map((s) => s.localAuthorityId);
}

/**
 * A request sent to an LA (its answers, its documents, turning it into a case) is handled by
 * that LA's staff, any role; a request with no LA yet (a draft) by no one.
 */
export function canHandleRequest(actor: Actor, localAuthorityId: string | null): boolean {
  return localAuthorityId !== null && isStaffOf(actor, localAuthorityId);
}

/** The access log names staff and professionals, so only the LA's administrators see it. */
export function canViewCaseAccessLog(actor: Actor, facts: CaseAccessFacts): boolean {
  return canAdministerAuthority(actor, facts.localAuthorityId);
}

/**
 * The LA an administrator acts for on the admin pages: the one they name (`requested`, from
 * ?la=) if they administer it, else their first. Null when they may not: they named an LA they
 * do not administer, or administer none.
 */
export function authorityToAdminister(actor: Actor, requested: unknown): string | null {
  const administered = administeredAuthorities(actor);
  if (requested === undefined) return administered[0] ?? null;
  return typeof requested === 'string' && administered.includes(requested) ? requested : null;
}

/** The page someone lands on after signing in. */
export function homePathFor(actor: Actor): string {
  return isStaff(actor) ? '/cases' : '/your-cases';
}

/**
 * Who acts for the LA on a case's step (reminders, chasing advice, hearing that advice came):
 * its officer while they are an active member of the LA's staff, otherwise the LA's managers.
 * Nobody when the LA has neither.
 */
export function whoActsForTheLa(
  officerId: string | null,
  activeStaff: readonly { id: string; role: string }[],
): string[] {
  if (officerId && activeStaff.some((s) => s.id === officerId)) return [officerId];
  return activeStaff.filter((s) => s.role === 'manager').map((s) => s.id);
}
