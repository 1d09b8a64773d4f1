import { describe, expect, it } from 'vitest';
import {
  canAdministerAuthority,
  canViewCase,
  canViewCaseAccessLog,
  homePathFor,
  type Actor,
} from './policy.ts';

const LA = 'la-1';
const OTHER_LA = 'la-2';
const facts = {
  caseId: 'c1',
  localAuthorityId: LA,
  participantUserIds: ['parent'],
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

  it('sends staff to the tray and everyone else to their cases', () => {
    expect(
      homePathFor(
        actor({ staff: [{ localAuthorityId: LA, localAuthorityName: 'A', role: 'caseworker' }] }),
      ),
    ).toBe('/cases');
    expect(homePathFor(actor({}))).toBe('/your-cases');
  });
});
