import { describe, expect, it } from 'vitest';
import {
  audienceOf,
  canAdministerAuthority,
  canHandleRequest,
  canDecideOnCase,
  canGiveAdvice,
  canViewCase,
  canViewCaseAccessLog,
  authorityToAdminister,
  homePathFor,
  isOwnRecommendation,
  isStaffOf,
  staffAuthorities,
  whoActsForTheLa,
  type Actor,
} from './policy.ts';

const LA = 'la-1';
const OTHER_LA = 'la-2';
const facts = {
  caseId: 'c1',
  localAuthorityId: LA,
  stage: 'assessment',
  familyUserIds: ['parent'],
  participantUserIds: ['parent', 'psychologist'],
  participantOrganisationIds: ['school'],
};

function actor(overrides: Partial<Actor>): Actor {
  return {
    userId: 'someone',
    displayName: 'Someone',
    email: 's@example.com',
    staff: [],
    organisationIds: [],
    ...overrides,
  };
}

describe('policy', () => {
  it('lets decision makers and managers decide, and not caseworkers, admins or other LAs', () => {
    const staffAs = (role: 'caseworker' | 'decision_maker' | 'manager' | 'admin', la = LA) =>
      actor({ staff: [{ localAuthorityId: la, localAuthorityName: 'A', role }] });
    expect(canDecideOnCase(staffAs('decision_maker'), facts)).toBe(true);
    expect(canDecideOnCase(staffAs('manager'), facts)).toBe(true);
    expect(canDecideOnCase(staffAs('caseworker'), facts)).toBe(false);
    expect(canDecideOnCase(staffAs('admin'), facts)).toBe(false);
    expect(canDecideOnCase(staffAs('decision_maker', OTHER_LA), facts)).toBe(false);
    expect(canDecideOnCase(actor({ userId: 'parent' }), facts)).toBe(false);
  });

  it('keeps whoever recommended a decision from also deciding it', () => {
    expect(isOwnRecommendation('dm-1', { recommended_by: 'dm-1' })).toBe(true);
    expect(isOwnRecommendation('dm-2', { recommended_by: 'dm-1' })).toBe(false);
    expect(isOwnRecommendation('dm-1', null)).toBe(false);
    expect(isOwnRecommendation(null, { recommended_by: 'dm-1' })).toBe(false);
  });

  it('tells the LA, the family and professionals apart for what they may see', () => {
    const caseworker = actor({
      staff: [{ localAuthorityId: LA, localAuthorityName: 'A', role: 'caseworker' }],
    });
    expect(audienceOf(caseworker, facts)).toBe('la');
    expect(audienceOf(actor({ userId: 'parent' }), facts)).toBe('family');
    expect(audienceOf(actor({ userId: 'psychologist' }), facts)).toBe('professional');
    expect(audienceOf(actor({ organisationIds: ['school'] }), facts)).toBe('professional');
  });

  it('lets only the named adviser, or a member of the named organisation, give advice', () => {
    const named = { userId: 'psychologist', organisationId: null, ended: false };
    expect(canGiveAdvice(actor({ userId: 'psychologist' }), named)).toBe(true);
    expect(canGiveAdvice(actor({ userId: 'parent' }), named)).toBe(false);
    expect(canGiveAdvice(actor({ userId: 'psychologist' }), { ...named, ended: true })).toBe(false);
    const school = { userId: null, organisationId: 'school', ended: false };
    expect(canGiveAdvice(actor({ organisationIds: ['school'] }), school)).toBe(true);
    expect(canGiveAdvice(actor({ organisationIds: ['another-school'] }), school)).toBe(false);
  });

  it('lets every staff role of the case’s LA see it, and no other LA’s staff', () => {
    for (const role of ['caseworker', 'decision_maker', 'manager', 'admin'] as const) {
      expect(
        canViewCase(
          actor({ staff: [{ localAuthorityId: LA, localAuthorityName: 'A', role }] }),
          facts,
        ),
      ).toBe(true);
      expect(
        canViewCase(
          actor({ staff: [{ localAuthorityId: OTHER_LA, localAuthorityName: 'B', role }] }),
          facts,
        ),
      ).toBe(false);
    }
  });

  it('lets participants and members of participating organisations see it, and no one else', () => {
    expect(canViewCase(actor({ userId: 'parent' }), facts)).toBe(true);
    expect(canViewCase(actor({ organisationIds: ['school'] }), facts)).toBe(true);
    expect(canViewCase(actor({ organisationIds: ['another-school'] }), facts)).toBe(false);
    expect(canViewCase(actor({}), facts)).toBe(false);
  });

  it('shows the access log only to the LA’s administrators', () => {
    const admin = actor({
      staff: [{ localAuthorityId: LA, localAuthorityName: 'A', role: 'admin' }],
    });
    const manager = actor({
      staff: [{ localAuthorityId: LA, localAuthorityName: 'A', role: 'manager' }],
    });
    expect(canViewCaseAccessLog(admin, facts)).toBe(true);
    expect(canViewCaseAccessLog(manager, facts)).toBe(false);
    expect(canViewCaseAccessLog(actor({ userId: 'parent' }), facts)).toBe(false);
    expect(canAdministerAuthority(admin, OTHER_LA)).toBe(false);
  });

  it('lets every staff role of the request’s LA handle it, and no other LA’s staff', () => {
    for (const role of ['caseworker', 'decision_maker', 'manager', 'admin'] as const) {
      const staff = actor({ staff: [{ localAuthorityId: LA, localAuthorityName: 'A', role }] });
      expect(canHandleRequest(staff, LA)).toBe(true);
      expect(canHandleRequest(staff, OTHER_LA)).toBe(false);
      expect(canHandleRequest(staff, null)).toBe(false);
    }
    expect(canHandleRequest(actor({ organisationIds: ['school'] }), LA)).toBe(false);
    expect(canHandleRequest(actor({}), LA)).toBe(false);
  });

  it('lists the LAs someone works for', () => {
    expect(
      staffAuthorities(
        actor({
          staff: [
            { localAuthorityId: LA, localAuthorityName: 'A', role: 'caseworker' },
            { localAuthorityId: OTHER_LA, localAuthorityName: 'B', role: 'admin' },
          ],
        }),
      ),
    ).toEqual([LA, OTHER_LA]);
    expect(staffAuthorities(actor({}))).toEqual([]);
  });

  it('sends staff to the tray and everyone else to their cases', () => {
    expect(
      homePathFor(
        actor({ staff: [{ localAuthorityId: LA, localAuthorityName: 'A', role: 'caseworker' }] }),
      ),
    ).toBe('/cases');
    expect(homePathFor(actor({}))).toBe('/your-cases');
  });
});

describe('staff of an LA and the LA an administrator acts for', () => {
  const admin = actor({
    staff: [
      { localAuthorityId: LA, localAuthorityName: 'A', role: 'admin' },
      { localAuthorityId: OTHER_LA, localAuthorityName: 'B', role: 'caseworker' },
    ],
  });

  it('knows whom each LA employs, in any role', () => {
    expect(isStaffOf(admin, LA)).toBe(true);
    expect(isStaffOf(admin, OTHER_LA)).toBe(true);
    expect(isStaffOf(admin, 'la-3')).toBe(false);
    expect(isStaffOf(actor({ organisationIds: ['school'] }), LA)).toBe(false);
  });

  it('acts for the LA named only when the actor administers it, else their first', () => {
    expect(authorityToAdminister(admin, undefined)).toBe(LA);
    expect(authorityToAdminister(admin, LA)).toBe(LA);
    expect(authorityToAdminister(admin, OTHER_LA)).toBeNull();
    expect(authorityToAdminister(admin, ['la-1'])).toBeNull();
    expect(authorityToAdminister(actor({}), undefined)).toBeNull();
  });

  it('has the case’s officer act for the LA while on its staff, else its managers', () => {
    const staff = [
      { id: 'officer', role: 'caseworker' },
      { id: 'boss', role: 'manager' },
      { id: 'other-boss', role: 'manager' },
      { id: 'maker', role: 'decision_maker' },
    ];
    expect(whoActsForTheLa('officer', staff)).toEqual(['officer']);
    expect(whoActsForTheLa('gone', staff)).toEqual(['boss', 'other-boss']);
    expect(whoActsForTheLa(null, staff)).toEqual(['boss', 'other-boss']);
    expect(whoActsForTheLa('gone', [{ id: 'maker', role: 'decision_maker' }])).toEqual([]);
  });
});
