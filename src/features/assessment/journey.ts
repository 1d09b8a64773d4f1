import { periodWords, TIME_RULES } from '../../domain/clock/time-rules.ts';
import type { Db } from '../../db/database.ts';
import type { AuditContext } from '../../audit/audit.ts';
import type { CaseAudience } from '../../policy/policy.ts';
import { listCaseDocuments } from '../../case/documents.ts';
import type { CaseReads } from './case-reads.ts';
import * as repo from './repository.ts';

/** The steps of the pathway as the family sees them, in order (DOMAIN.md, "The pathway"). */
const STEPS = [
  {
    key: 'request',
    title: 'The request',
    explains:
      'Someone asked the council for an education, health and care (EHC) needs assessment: a detailed look at what your child needs.',
  },
  {
    key: 'decide-assess',
    title: 'Deciding whether to assess',
    explains: `The council looks at the request and decides whether to carry out the assessment. It must tell you within ${periodWords(TIME_RULES.decisionToAssess)} of the request, with its reasons.`,
  },
  {
    key: 'advice',
    title: 'Gathering advice',
    explains: `The council asks people who know your child, such as the school, an educational psychologist, health and social care, for their advice. Each has ${periodWords(TIME_RULES.advice)}. Your views count as advice too.`,
  },
  {
    key: 'decide-plan',
    title: 'Deciding whether to issue a plan',
    explains: `With the advice in, the council decides whether your child needs an EHC plan: a legal document that says what help they must get. It must tell you within ${periodWords(TIME_RULES.noPlanNotice)} of the request.`,
  },
  {
    key: 'draft',
    title: 'The draft plan',
    explains: `You see a draft of the plan first. You have at least ${periodWords(TIME_RULES.draftComments)} to comment, ask for a meeting, and say which school or college you would like named.`,
  },
  {
    key: 'final',
    title: 'The final plan',
    explains: `The final plan must be issued within ${periodWords(TIME_RULES.finalPlan)} of the request.`,
  },
] as const;

type StepKey = (typeof STEPS)[number]['key'];

/** Where a stage sits on the steps: the current step, and whether the path has ended. */
const STAGE_POSITION: Record<string, { current: StepKey; ended: boolean }> = {
  request_received: { current: 'decide-assess', ended: false },
  assessment: { current: 'advice', ended: false },
  draft_plan: { current: 'draft', ended: false },
  plan_in_place: { current: 'final', ended: false },
  not_assessing: { current: 'decide-assess', ended: true },
  no_plan: { current: 'decide-plan', ended: true },
  ceased: { current: 'final', ended: true },
};

/**
 * The family's one page: where the case is on the pathway, what has happened (with the
 * documents they may see), who is doing what by when, what happens next and whom to contact.
 * Reading it is audited like the case page.
 */
export async function journeyOf(
  db: Db,
  caseId: string,
  audience: CaseAudience,
  context: AuditContext,
  reads: CaseReads,
) {
  const overview = await reads.overview(db, caseId, context);
  if (!overview) return null;
  const found = await repo.findCaseForDecision(db, caseId);
  if (!found) return null;
  const [advice, contributions, documents, assess, issue] = await Promise.all([
    reads.advice(db, caseId, audience),
    reads.contributions(db, caseId),
    listCaseDocuments(db, caseId, audience),
    repo.findDecision(db, caseId, 'assess'),
    repo.findDecision(db, caseId, 'issue_plan'),
  ]);
  const position = STAGE_POSITION[found.stage] ?? { current: 'request', ended: false };
  const currentIndex = STEPS.findIndex((s) => s.key === position.current);
  return {
    caseId,
    reference: found.reference,
    childFirstName: found.child_first_name,
    localAuthorityName: found.local_authority_name,
    officerName: found.officer_name,
    sendiassName: found.sendiass_name,
    sendiassUrl: found.sendiass_url,
    stage: found.stage,
    ended: position.ended,
    nextStep: overview.nextStep,
    nextStepDueOn: overview.nextStepDueOn,
    deadlines: overview.clock.deadlines,
    steps: STEPS.map((step, index) => ({
      ...step,
      status:
        index < currentIndex
          ? 'done'
          : index === currentIndex
            ? position.ended
              ? 'ended'
              : 'now'
            : position.ended
              ? 'not-needed'
              : 'later',
    })),
    /** Each decision's outcome ('yes' or 'no'), or null while it is still to be made. */
    decisions: {
      assess: assess?.outcome ?? null,
      // Letters are for the LA and the family (see decide): a professional sees no link.
      assessLetter: audience === 'professional' ? null : (assess?.letter_document_id ?? null),
      issue: issue?.outcome ?? null,
      issueLetter: audience === 'professional' ? null : (issue?.letter_document_id ?? null),
    },
    advice,
    contributions,
    documents,
    events: overview.events,
    participants: overview.participants,
  };
}
