import type { Db, DbOrTrx } from '../../db/database.ts';
import type { AuditContext } from '../../audit/audit.ts';
import { todayInEngland, type CalendarDate } from '../../domain/clock/calendar-date.ts';
import type { Stage } from '../../domain/pathway/stages.ts';
import { NOTICE_PARTIES, type Question } from '../../domain/pathway/decisions.ts';
import { label } from '../../domain/labels.ts';
import { isOwnRecommendation } from '../../policy/policy.ts';
import { setCaseStage, statutoryDatesOf } from '../../case/clock.ts';
import { addLetterDocument, withStoredFile } from '../../case/documents.ts';
import { queueEmail } from '../../case/email/email-queue.ts';
import { letterPdf, type Letter } from '../../case/letter-pdf.ts';
import type { Notifier } from '../../case/notify.ts';
import { lockCase, recordCaseRead, recordChange, type CaseEventOf } from '../../case/record.ts';
import type { DocumentStorage } from '../../case/storage.ts';
import { escapeHtml } from '../../web/html.ts';
import type { CaseReads } from './case-reads.ts';
import { assessingLetter, noPlanLetter, notAssessingLetter, type LetterFacts } from './letters.ts';
import * as repo from './repository.ts';
import type { NoticeParty } from '../../domain/pathway/decisions.ts';

/**
 * The council's decisions on a case: whether to assess, and whether to issue a plan. A caseworker
 * recommends, a decision maker decides with reasons, and the decision's letter and notices go out.
 */

type Context = AuditContext & { actorUserId: string };

export type { Question };

/** The stage a case must be at for each decision, and where each answer takes it. */
export const QUESTIONS: Record<
  Question,
  {
    from: Stage;
    yes: Stage;
    no: Stage;
    decidedYes: string;
    decidedNo: string;
  }
> = {
  assess: {
    from: 'request_received',
    yes: 'assessment',
    no: 'not_assessing',
    decidedYes: 'decided to carry out an EHC needs assessment',
    decidedNo: 'decided not to carry out an EHC needs assessment',
  },
  issue_plan: {
    from: 'assessment',
    yes: 'draft_plan',
    no: 'no_plan',
    decidedYes: 'decided to issue an EHC plan: a draft plan comes next',
    decidedNo: 'decided not to issue an EHC plan',
  },
};

export async function decisionOf(db: DbOrTrx, caseId: string, question: Question) {
  const found = await repo.findCaseForDecision(db, caseId);
  if (!found) return null;
  const decision = await repo.findDecision(db, caseId, question);
  return { case: found, decision: decision ?? null };
}

/**
 * The decision page: the case, the decision so far and, for the decision whether to issue a
 * plan, where each piece of advice stands (the decision is made with the advice in). Reading
 * it is audited.
 */
export async function decisionPage(
  db: DbOrTrx,
  caseId: string,
  question: Question,
  context: AuditContext,
  reads: Pick<CaseReads, 'advice'>,
) {
  const found = await decisionOf(db, caseId, question);
  if (!found) return null;
  const advice = question === 'issue_plan' ? await reads.advice(db, caseId, 'la') : null;
  await recordCaseRead(db, context, {
    caseId,
    localAuthorityId: found.case.local_authority_id,
    action: 'viewed a decision',
  });
  return { found, advice };
}

export type Recommendation = {
  informationConsidered: string;
  recommendation: 'yes' | 'no';
  reasons: string;
};

/** The caseworker's recommendation; it may be revised until the decision is made. */
export async function recommend(
  db: Db,
  notifier: Notifier,
  caseId: string,
  question: Question,
  input: Recommendation,
  context: Context,
): Promise<'recorded' | 'wrong-stage' | 'already-decided' | 'not-found'> {
  return db.transaction().execute(async (trx) => {
    const found = await lockCase(trx, caseId);
    if (!found) return 'not-found' as const;
    const facts = await repo.findCaseForDecision(trx, caseId);
    const existing = await repo.findDecision(trx, caseId, question);
    if (existing?.outcome) return 'already-decided' as const;
    if (facts!.stage !== QUESTIONS[question].from) return 'wrong-stage' as const;
    const values = {
      information_considered: input.informationConsidered,
      recommendation: input.recommendation,
      recommendation_reasons: input.reasons,
      recommended_by: context.actorUserId,
      recommended_at: new Date(),
    };
    await repo.saveRecommendation(trx, existing?.id ?? null, caseId, question, values);
    await recordChange(trx, notifier, context, {
      caseId,
      localAuthorityId: found.local_authority_id,
      events: [
        {
          kind: 'decision_recommended',
          summary: `${label('decisionTitle', question)}: recommendation recorded for the decision maker`,
        },
      ],
      audit: {
        action: 'recorded a recommendation',
        details: { question, recommendation: input.recommendation },
      },
    });
    return 'recorded' as const;
  });
}

export type Decision = {
  outcome: 'yes' | 'no';
  reasons: string;
  /** For a refusal: the support that follows. */
  supportOffered: string | null;
};

/** "a", "a and b", "a, b and c". */
export function listInWords(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/** The parties in a sentence: "the setting and social care" (for the timeline's stored task). */
function noticePartiesInWords(parties: readonly NoticeParty[]): string {
  return listInWords(parties.map((party) => label('noticeParty', party)));
}

export type DecideOutcome =
  | {
      outcome: 'decided';
      letterDocumentId: string | null;
      /** How many of the family were told; 0 means the letter must go another way (post). */
      familyTold: number;
      /** The reg 4(2) parties with no one on the case to tell: to be told another way. */
      partiesNotTold: NoticeParty[];
    }
  | {
      outcome:
        | 'no-recommendation'
        | 'wrong-stage'
        | 'already-decided'
        | 'not-found'
        | 'recommended-by-you';
    };

/** The letter a decision sends, or null when the decision needs none (agreeing to issue). */
function letterFor(question: Question, outcome: 'yes' | 'no', facts: LetterFacts): Letter | null {
  if (question === 'assess') {
    return outcome === 'yes' ? assessingLetter(facts) : notAssessingLetter(facts);
  }
  return outcome === 'no' ? noPlanLetter(facts) : null;
}

/**
 * The decision maker's decision, with reasons. In one transaction: the decision, the letter
 * (HTML and PDF, kept on the case for the LA and the family), the case's new stage and dates,
 * the timeline, the audit, and notices to the family (with the appeal deadline for a refusal)
 * and to the professionals on the case (reg 4(2) and reg 10 parties).
 */
export async function decide(
  db: Db,
  storage: DocumentStorage,
  notifier: Notifier,
  caseId: string,
  question: Question,
  input: Decision,
  context: Context & { actorName: string },
  today: CalendarDate = todayInEngland(),
): Promise<DecideOutcome> {
  const spec = QUESTIONS[question];
  const before = await decisionOf(db, caseId, question);
  if (!before) return { outcome: 'not-found' };
  if (before.decision?.outcome) return { outcome: 'already-decided' };
  if (before.case.stage !== spec.from) return { outcome: 'wrong-stage' };
  if (!before.decision) return { outcome: 'no-recommendation' };
  // Two people: the one who recommends does not also decide.
  if (isOwnRecommendation(context.actorUserId, before.decision)) {
    return { outcome: 'recommended-by-you' };
  }
  const found = before.case;
  const family = await repo.familyNames(db, caseId);
  const clock = await statutoryDatesOf(db, found.local_authority_id, {
    requestReceived: found.request_received_on,
    decisionLetter: today,
  });
  const facts: LetterFacts = {
    localAuthorityName: found.local_authority_name,
    sendiassName: found.sendiass_name,
    sendiassUrl: found.sendiass_url,
    caseReference: found.reference,
    childName: `${found.child_first_name} ${found.child_last_name}`,
    familyNames: family.map((f) => f.name),
    forYoungPerson: family.some((f) => f.role === 'young_person'),
    requestReceivedOn: found.request_received_on,
    decidedOn: today,
    decisionMakerName: context.actorName,
    officerName: found.officer_name,
    informationConsidered: before.decision.information_considered,
    reasons: input.reasons,
    supportOffered: input.supportOffered,
    appealDeadline: clock.appealDeadline!,
    decisionToIssueDue: clock.noPlanNoticeDue!,
    finalPlanDue: clock.finalPlanDue!,
  };
  const letter = letterFor(question, input.outcome, facts);
  const pdf = letter ? await letterPdf(letter) : null;
  const html = letter ? letterHtml(letter) : null;
  const record = async (storageKey: string | null) =>
    db.transaction().execute(async (trx): Promise<DecideOutcome> => {
      await lockCase(trx, caseId);
      const current = await repo.findDecision(trx, caseId, question);
      const caseNow = await repo.findCaseForDecision(trx, caseId);
      if (!current || current.outcome) return { outcome: 'already-decided' };
      if (caseNow!.stage !== spec.from) return { outcome: 'wrong-stage' };
      const letterDocumentId =
        letter && storageKey
          ? await addLetterDocument(
              trx,
              {
                caseId,
                kind: 'letter',
                title: `Decision letter: ${letter.subject}`,
                authorName: `${context.actorName}, ${found.local_authority_name}`,
                authorUserId: context.actorUserId,
                documentDate: today,
                visibility: 'la_and_family',
                visibilityReason: null,
                addedBy: context.actorUserId,
              },
              {
                html: html!,
                pdf: pdf!,
                fileName: `${found.reference}-${question === 'assess' ? 'assessment' : 'plan'}-decision.pdf`,
                storageKey,
              },
            )
          : null;
      await repo.recordDecisionOutcome(trx, current.id, {
        outcome: input.outcome,
        reasons: input.reasons,
        supportOffered: input.outcome === 'no' ? input.supportOffered : null,
        decidedBy: context.actorUserId,
        decidedOn: today,
        letterDocumentId,
      });
      await setCaseStage(trx, caseId, {
        stage: input.outcome === 'yes' ? spec.yes : spec.no,
        ...(question === 'assess' ? { assessmentDecidedOn: today } : {}),
        ...(input.outcome === 'no' ? { closedOn: today } : {}),
      });
      const decided = input.outcome === 'yes' ? spec.decidedYes : spec.decidedNo;
      const events: CaseEventOf[] = [];
      if (question === 'issue_plan') {
        // The assessment is over: advice still not given is no longer asked for, so it leaves
        // the advisers' tasks and their reminders stop.
        const closed = await repo.withdrawUnansweredAdvice(trx, caseId);
        if (closed > 0) {
          events.push({
            kind: 'advice_withdrawn',
            summary: `${closed} ${closed === 1 ? 'advice request' : 'advice requests'} not answered by the decision ${closed === 1 ? 'was' : 'were'} closed`,
          });
        }
      }
      events.push({
        kind: question === 'assess' ? 'assessment_decided' : 'plan_decided',
        summary: `The council ${decided}`,
      });
      // The reg 4(2) parties not on Pathway are told another way: the timeline says so, and
      // so does the decision maker's confirmation.
      const onCase = await repo.noticePartiesOnCase(trx, caseId);
      const partiesNotTold = NOTICE_PARTIES.filter((party) => !onCase.includes(party));
      if (partiesNotTold.length > 0) {
        events.push({
          kind: 'notice_to_do',
          summary: `To do: tell ${noticePartiesInWords(partiesNotTold)} of the decision: they do not take part in this case on Pathway (reg 4(2))`,
        });
      }
      const appealBy = input.outcome === 'no' ? facts.appealDeadline : null;
      const letterPath = letterDocumentId
        ? `/cases/${caseId}/documents/${letterDocumentId}`
        : `/cases/${caseId}/journey`;
      // A family invited but not yet registered still hears of the decision, by email to the
      // address they were invited at; the letter waits for them in the hub.
      const invited = await repo.pendingFamilyInvitations(trx, caseId);
      for (const to of invited) {
        await queueEmail(trx, notifier.jobs, {
          kind: 'decision-letter',
          to,
          localAuthorityId: found.local_authority_id,
          data: {
            reference: found.reference,
            decision: decided,
            appealBy,
            link: `${notifier.baseUrl}${letterPath}`,
          },
        });
      }
      const casePath = `/cases/${caseId}`;
      const { notified } = await recordChange(trx, notifier, context, {
        caseId,
        localAuthorityId: found.local_authority_id,
        events,
        audit: {
          action: 'recorded a decision',
          details: { question, outcome: input.outcome, letterDocumentId },
        },
        notify: [
          {
            to: 'family',
            kind: 'decision-letter',
            title: `${found.reference}: the council has ${decided}`,
            body: letterDocumentId ? 'Read the letter.' : 'See what happens next.',
            path: letterPath,
            statutory: true,
            email: {
              reference: found.reference,
              decision: decided,
              appealBy,
              link: `${notifier.baseUrl}${letterPath}`,
            },
          },
          {
            to: 'professionals',
            kind: 'case-update',
            title: `${found.reference}: the council has ${decided}`,
            body: 'Sign in to see what happens next.',
            path: casePath,
            statutory: false,
            email: {
              reference: found.reference,
              what: `the council has ${decided}`,
              link: `${notifier.baseUrl}${casePath}`,
            },
          },
        ],
      });
      return {
        outcome: 'decided',
        letterDocumentId,
        familyTold: notified[0]!.length + invited.length,
        partiesNotTold,
      };
    });
  if (!pdf) return record(null);
  return withStoredFile(storage, pdf, async (storageKey) => {
    const outcome = await record(storageKey);
    // A decision recorded meanwhile by someone else: this letter was never kept.
    if (outcome.outcome !== 'decided') throw new DecisionRaced(outcome);
    return outcome;
  }).catch((error: unknown) => {
    if (error instanceof DecisionRaced) return error.outcome;
    throw error;
  });
}

class DecisionRaced extends Error {
  readonly outcome: DecideOutcome;
  constructor(outcome: DecideOutcome) {
    super('The decision was recorded by someone else first');
    this.outcome = outcome;
  }
}

/** The letter as the HTML kept on the case and shown in the hub (GOV.UK typography). */
export function letterHtml(letter: Letter): string {
  const lines = (items: string[]) => items.map(escapeHtml).join('<br>');
  const blocks = letter.blocks
    .map((block) => {
      if (block.kind === 'heading')
        return `<h2 class="govuk-heading-m">${escapeHtml(block.text)}</h2>`;
      if (block.kind === 'paragraph') return `<p class="govuk-body">${escapeHtml(block.text)}</p>`;
      return `<ul class="govuk-list govuk-list--bullet">${block.items.map((item) => `<li>${escapeHtml(item)}</li>`).join('')}</ul>`;
    })
    .join('\n');
  return [
    `<p class="govuk-body app-letter__from">${lines(letter.from)}</p>`,
    `<p class="govuk-body">${lines(letter.to)}</p>`,
    `<p class="govuk-body">${escapeHtml(letter.date)}<br>Our reference: ${escapeHtml(letter.reference)}</p>`,
    `<h1 class="govuk-heading-l">${escapeHtml(letter.subject)}</h1>`,
    blocks,
    `<p class="govuk-body">${lines(letter.signOff)}</p>`,
  ].join('\n');
}
