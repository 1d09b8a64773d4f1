import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changeStaffRole, removeStaffMember } from './service.ts';
import {
  authorityIdOf,
  buildTestApp,
  demoEmail,
  lastQueuedTo,
  signInAs,
  type Browser,
  type TestApp,
  userIdOf,
} from '../../../test/helpers.ts';

let testApp: TestApp;
let admin: Browser;

beforeAll(async () => {
  testApp = await buildTestApp();
  admin = await signInAs(testApp, 'admin');
});
afterAll(async () => {
  await testApp?.close();
});

const db = () => testApp.database.db;

const authorityId = (code: string) => authorityIdOf(testApp, code);

const userId = (email: string) => userIdOf(testApp, email);

async function organisationId(name: string) {
  const row = await db()
    .selectFrom('organisation')
    .select('id')
    .where('name', '=', name)
    .executeTakeFirstOrThrow();
  return row.id;
}

async function auditActions(subjectId: string) {
  const rows = await db()
    .selectFrom('audit_event')
    .select(['action', 'local_authority_id'])
    .where('subject_id', '=', subjectId)
    .execute();
  return rows;
}

describe('who may use the admin pages', () => {
  it('declares la-admin on every admin route', () => {
    const adminRoutes = testApp.routes.filter((r) => r.url.startsWith('/admin'));
    expect(adminRoutes.length).toBeGreaterThanOrEqual(13);
    expect(adminRoutes.every((r) => r.policy === 'la-admin')).toBe(true);
  });

  it('refuses staff who are not administrators', async () => {
    const caseworker = await signInAs(testApp, 'caseworker');
    expect((await caseworker.get('/admin')).statusCode).toBe(403);
    expect((await caseworker.get('/admin/users')).statusCode).toBe(403);
  });

  it('shows the administrator their LA', async () => {
    const home = await admin.get('/admin');
    expect(home.statusCode).toBe(200);
    expect(home.body).toContain('Demoshire County Council');
    expect(home.body).toContain('href="/admin/users"');
    expect(home.body).toContain('href="/admin/organisations"');
  });

  it('refuses an LA the administrator does not administer', async () => {
    const other = await authorityId('998');
    expect((await admin.get(`/admin/users?la=${other}`)).statusCode).toBe(403);
    expect((await admin.get('/admin/users?la=not-a-uuid')).statusCode).toBe(403);
    const own = await authorityId('999');
    expect((await admin.get(`/admin/users?la=${own}`)).statusCode).toBe(200);
  });

  it('finds no records outside the LA, and nothing for ids that are not ids', async () => {
    const outsider = await db()
      .insertInto('app_user')
      .values({ email: 'outsider@example.test', display_name: 'Olive Outsider' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db()
      .insertInto('staff_membership')
      .values({
        user_id: outsider.id,
        local_authority_id: await authorityId('998'),
        role: 'caseworker',
      })
      .execute();
    const otherOrganisation = await db()
      .insertInto('organisation')
      .values({
        kind: 'other',
        name: 'Exampleton Team',
        local_authority_id: await authorityId('998'),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    expect((await admin.get(`/admin/users/${outsider.id}`)).statusCode).toBe(404);
    await admin.get('/admin');
    expect((await admin.post(`/admin/users/${outsider.id}/remove`)).statusCode).toBe(404);
    expect((await admin.get(`/admin/organisations/${otherOrganisation.id}`)).statusCode).toBe(404);
    expect((await admin.get('/admin/users/nope')).statusCode).toBe(404);
    expect((await admin.get('/admin/organisations/nope')).statusCode).toBe(404);
  });
});

describe('staff', () => {
  it('lists the LA’s staff with their roles', async () => {
    const page = await admin.get('/admin/users');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Casey Demo-Worker');
    expect(page.body).toContain('Decision maker');
    expect(page.body).toContain('Invite a member of staff');
    expect(page.body).not.toContain('Olive Outsider');
  });

  it('checks the invitation form', async () => {
    await admin.get('/admin/users/invite');
    const empty = await admin.post('/admin/users/invite', { email: '' });
    expect(empty.statusCode).toBe(400);
    expect(empty.body).toContain('Enter an email address');
    expect(empty.body).toContain('Select a role');
    const malformed = await admin.post('/admin/users/invite', {
      email: 'nope',
      role: 'caseworker',
    });
    expect(malformed.body).toContain(
      'Enter an email address in the correct format, like name@example.com',
    );
    expect(malformed.body).toContain('value="nope"');
    const existing = await admin.post('/admin/users/invite', {
      email: demoEmail('caseworker').toUpperCase(),
      role: 'manager',
    });
    expect(existing.statusCode).toBe(400);
    expect(existing.body).toContain('This person is already a member of staff');
  });

  it('invites a member of staff by email', async () => {
    await admin.get('/admin/users/invite');
    const sent = await admin.post('/admin/users/invite', {
      email: 'New.Starter@Demoshire.example',
      role: 'decision_maker',
    });
    expect(sent.statusCode).toBe(303);
    expect(sent.headers.location).toBe('/admin/users');
    const email = await lastQueuedTo(testApp, 'new.starter@demoshire.example');
    expect(email?.text).toContain('Demoshire County Council');
    expect(email?.text).toMatch(/\/register\/[A-Za-z0-9_-]{43}/);
    const page = await admin.get('/admin/users');
    expect(page.body).toContain('Invitation sent');
    expect(page.body).toContain('We have sent an invitation to new.starter@demoshire.example');
    expect(page.body).toContain('Invitations waiting to be accepted');
    const invitation = await db()
      .selectFrom('invitation')
      .selectAll()
      .where('email', '=', 'new.starter@demoshire.example')
      .executeTakeFirstOrThrow();
    expect(invitation.staff_role).toBe('decision_maker');
    expect(invitation.local_authority_id).toBe(await authorityId('999'));
  });

  it('does not let administrators change their own role or remove themselves', async () => {
    const self = await userId(demoEmail('admin'));
    const page = await admin.get(`/admin/users/${self}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('You cannot change your own role');
    const change = await admin.post(`/admin/users/${self}/role`, { role: 'caseworker' });
    expect(change.statusCode).toBe(400);
    expect(change.body).toContain('You cannot change your own role');
    expect((await admin.get(`/admin/users/${self}/remove`)).body).toContain(
      'You cannot remove yourself',
    );
    const remove = await admin.post(`/admin/users/${self}/remove`);
    expect(remove.statusCode).toBe(400);
    const membership = await db()
      .selectFrom('staff_membership')
      .select('role')
      .where('user_id', '=', self)
      .executeTakeFirstOrThrow();
    expect(membership.role).toBe('admin');
  });

  it('keeps at least one administrator', async () => {
    const la = await authorityId('999');
    const self = await userId(demoEmail('admin'));
    const context = {
      actorUserId: await userId(demoEmail('manager')),
      correlationId: null,
      ipAddress: null,
    };
    expect(await changeStaffRole(db(), la, self, 'caseworker', context)).toBe('last-admin');
    expect(await removeStaffMember(db(), la, self, context)).toBe('last-admin');
  });

  it('changes a role and audits it', async () => {
    const caseworker = await userId(demoEmail('caseworker'));
    await admin.get(`/admin/users/${caseworker}`);
    const invalid = await admin.post(`/admin/users/${caseworker}/role`, { role: 'emperor' });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.body).toContain('Select a role');
    const changed = await admin.post(`/admin/users/${caseworker}/role`, { role: 'manager' });
    expect(changed.statusCode).toBe(303);
    const page = await admin.get(`/admin/users/${caseworker}`);
    expect(page.body).toContain('Role changed');
    const audit = await auditActions(caseworker);
    expect(audit).toContainEqual({
      action: 'staff role changed',
      local_authority_id: await authorityId('999'),
    });
    await admin.post(`/admin/users/${caseworker}/role`, { role: 'caseworker' });
  });

  it('removes a member of staff after confirmation', async () => {
    const decisionMaker = await userId(demoEmail('decisionMaker'));
    const confirm = await admin.get(`/admin/users/${decisionMaker}/remove`);
    expect(confirm.statusCode).toBe(200);
    expect(confirm.body).toContain('Remove from Demoshire County Council');
    const removed = await admin.post(`/admin/users/${decisionMaker}/remove`);
    expect(removed.statusCode).toBe(303);
    expect(removed.headers.location).toBe('/admin/users');
    const membership = await db()
      .selectFrom('staff_membership')
      .select('role')
      .where('user_id', '=', decisionMaker)
      .executeTakeFirst();
    expect(membership).toBeUndefined();
    expect((await auditActions(decisionMaker)).map((a) => a.action)).toContain(
      'removed from staff',
    );
    expect((await admin.get(`/admin/users/${decisionMaker}`)).statusCode).toBe(404);
  });
});

describe('organisations', () => {
  it('lists the LA’s organisations with their current members', async () => {
    const page = await admin.get('/admin/organisations');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Oakfield Primary School');
    expect(page.body).toContain('999001');
    expect(page.body).not.toContain('Exampleton Team');
  });

  it('checks the new organisation form', async () => {
    await admin.get('/admin/organisations/new');
    const empty = await admin.post('/admin/organisations/new', {});
    expect(empty.statusCode).toBe(400);
    expect(empty.body).toContain('Enter the name of the organisation');
    expect(empty.body).toContain('Select the type of organisation');
    const wrong = await admin.post('/admin/organisations/new', {
      name: 'Hilltop School',
      kind: 'education_setting',
      urn: '12345',
      ukprn: '20000000',
      phase: '',
    });
    expect(wrong.body).toContain('URN must be 6 or 7 numbers');
    expect(wrong.body).toContain('UKPRN must be 8 numbers starting with 1');
    expect(wrong.body).toContain('Select the phase');
    expect(wrong.body).toContain('value="Hilltop School"');
    const duplicate = await admin.post('/admin/organisations/new', {
      name: 'Hilltop School',
      kind: 'education_setting',
      urn: '999001',
      phase: 'primary',
    });
    expect(duplicate.statusCode).toBe(400);
    expect(duplicate.body).toContain('An organisation with this URN already exists');
  });

  it('adds an organisation to the LA', async () => {
    await admin.get('/admin/organisations/new');
    const added = await admin.post('/admin/organisations/new', {
      name: 'Hilltop School',
      kind: 'education_setting',
      urn: '999123',
      ukprn: '10099999',
      phase: 'special',
    });
    expect(added.statusCode).toBe(303);
    const id = await organisationId('Hilltop School');
    expect(added.headers.location).toBe(`/admin/organisations/${id}`);
    const page = await admin.get(`/admin/organisations/${id}`);
    expect(page.body).toContain('Organisation added');
    expect(page.body).toContain('Special');
    const row = await db()
      .selectFrom('organisation')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row.local_authority_id).toBe(await authorityId('999'));
    expect((await auditActions(id)).map((a) => a.action)).toContain('organisation added');
  });

  it('ignores a phase for organisations that are not education settings', async () => {
    await admin.get('/admin/organisations/new');
    const added = await admin.post('/admin/organisations/new', {
      name: 'Demoshire Speech Therapy',
      kind: 'health_team',
      phase: 'primary',
    });
    expect(added.statusCode).toBe(303);
    const row = await db()
      .selectFrom('organisation')
      .select('phase')
      .where('name', '=', 'Demoshire Speech Therapy')
      .executeTakeFirstOrThrow();
    expect(row.phase).toBeNull();
  });

  it('invites someone to an organisation', async () => {
    const school = await organisationId('Oakfield Primary School');
    await admin.get(`/admin/organisations/${school}`);
    const invalid = await admin.post(`/admin/organisations/${school}/invite`, { email: '' });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.body).toContain('Enter an email address');
    const member = await admin.post(`/admin/organisations/${school}/invite`, {
      email: demoEmail('senco'),
    });
    expect(member.body).toContain('This person is already a member of this organisation');
    const sent = await admin.post(`/admin/organisations/${school}/invite`, {
      email: 'new.senco@oakfield.example',
    });
    expect(sent.statusCode).toBe(303);
    expect((await lastQueuedTo(testApp, 'new.senco@oakfield.example'))?.text).toContain(
      'Oakfield Primary School',
    );
    const invitation = await db()
      .selectFrom('invitation')
      .selectAll()
      .where('email', '=', 'new.senco@oakfield.example')
      .executeTakeFirstOrThrow();
    expect(invitation.organisation_id).toBe(school);
    expect(invitation.staff_role).toBeNull();
  });

  it('ends a membership, so the person loses the organisation’s access and the history stays', async () => {
    const school = await organisationId('Oakfield Primary School');
    const senco = await userId(demoEmail('senco'));
    const membership = await db()
      .selectFrom('organisation_membership')
      .select('id')
      .where('user_id', '=', senco)
      .where('organisation_id', '=', school)
      .executeTakeFirstOrThrow();
    const page = await admin.get(`/admin/organisations/${school}`);
    expect(page.body).toContain('Sam Demo-Senco');
    const otherOrganisation = await organisationId('Riverside Academy');
    expect(
      (await admin.post(`/admin/organisations/${otherOrganisation}/members/${membership.id}/end`))
        .statusCode,
    ).toBe(404);
    const ended = await admin.post(`/admin/organisations/${school}/members/${membership.id}/end`);
    expect(ended.statusCode).toBe(303);
    const row = await db()
      .selectFrom('organisation_membership')
      .select('ended_at')
      .where('id', '=', membership.id)
      .executeTakeFirstOrThrow();
    expect(row.ended_at).not.toBeNull();
    const after = await admin.get(`/admin/organisations/${school}`);
    expect(after.body).toContain('Access removed');
    expect(after.body).not.toContain('senco@demo.pathway.test');
    expect((await auditActions(school)).map((a) => a.action)).toContain(
      'organisation membership ended',
    );
    expect(
      (await admin.post(`/admin/organisations/${school}/members/${membership.id}/end`)).statusCode,
    ).toBe(404);
  });
});
