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
] as const;
export type RoutePolicy = (typeof ROUTE_POLICIES)[number];

export function isStaff(actor: Actor): boolean {
  return actor.staff.length > 0;
}

export function staffRoleIn(actor: Actor, localAuthorityId: string): StaffRole | null {
  return actor.staff.find((s) => s.localAuthorityId === localAuthorityId)?.role ?? null;
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

/** The access log names staff and professionals, so only the LA's administrators see it. */
export function canViewCaseAccessLog(actor: Actor, facts: CaseAccessFacts): boolean {
  return canAdministerAuthority(actor, facts.localAuthorityId);
}

/** The page someone lands on after signing in. */
export function homePathFor(actor: Actor): string {
  return isStaff(actor) ? '/cases' : '/your-cases';
}
