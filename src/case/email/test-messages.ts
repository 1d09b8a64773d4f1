import type { Db } from '../../db/database.ts';
import type { JobQueue } from '../../jobs/queue.ts';
import { queueEmail } from './email-queue.ts';

/** Queues numbered test messages ("Test message 7 of 300") in one transaction. */
export async function queueTestMessages(
  db: Db,
  jobs: JobQueue,
  input: { to: string; count: number; sentBy: string; localAuthorityId?: string | null },
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    for (let number = 1; number <= input.count; number += 1) {
      await queueEmail(trx, jobs, {
        kind: 'test-message',
        to: input.to,
        localAuthorityId: input.localAuthorityId ?? null,
        data: { number, count: input.count, sentBy: input.sentBy },
      });
    }
  });
}
