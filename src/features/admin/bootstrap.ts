import type { Db } from '../../db/database.ts';
import type { StaffRole } from '../../domain/people.ts';
import { recordAudit } from '../../audit/audit.ts';
import type { JobQueue } from '../../jobs/queue.ts';
import { queueEmail } from '../../case/email/email-queue.ts';
import { createInvitation, invitationMessage } from '../../case/invitations.ts';
import * as repo from './repository.ts';

/**
 * The first step in production (`npx pathway create-user`): the LA, if new, and an invitation
 * for its first administrator, who then chooses a password and second factor in the browser.
 * No password ever passes through the command line.
 */
export async function bootstrapLocalAuthorityAdmin(
  db: Db,
  jobs: JobQueue,
  baseUrl: string,
  input: {
    email: string;
    localAuthorityCode: string;
    localAuthorityName?: string | undefined;
    role: StaffRole;
  },
): Promise<
  | { outcome: 'invited'; link: string; localAuthorityName: string; createdAuthority: boolean }
  | { outcome: 'needs-name' }
> {
  const context = { actorUserId: null, correlationId: 'cli', ipAddress: null };
  const result = await db.transaction().execute(async (trx) => {
    let authority = await repo.findAuthorityByCode(trx, input.localAuthorityCode);
    let createdAuthority = false;
    if (!authority) {
      if (!input.localAuthorityName) return null;
      authority = await repo.insertAuthority(trx, {
        code: input.localAuthorityCode,
        name: input.localAuthorityName,
      });
      createdAuthority = true;
      await recordAudit(trx, context, {
        action: 'local authority created',
        subjectType: 'local_authority',
        subjectId: authority.id,
        localAuthorityId: authority.id,
      });
    }
    const { token } = await createInvitation(
      trx,
      { email: input.email, localAuthorityId: authority.id, staffRole: input.role },
      context,
    );
    await queueEmail(trx, jobs, {
      kind: 'invitation',
      to: input.email,
      localAuthorityId: authority.id,
      data: await invitationMessage(trx, baseUrl, { token, email: input.email }, authority.name),
    });
    return { token, authority, createdAuthority };
  });
  if (!result) return { outcome: 'needs-name' };
  return {
    outcome: 'invited',
    link: `${baseUrl}/register/${result.token}`,
    localAuthorityName: result.authority.name,
    createdAuthority: result.createdAuthority,
  };
}
