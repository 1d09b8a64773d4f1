import { periodWords, TIME_RULES } from '../../domain/clock/time-rules.ts';
import { formatLongDate, type CalendarDate } from '../../domain/clock/calendar-date.ts';
import type { Letter, LetterBlock } from '../../case/letter-pdf.ts';

/**
 * The decision letters (DOMAIN.md, "The pathway", steps 2 and 4), written from the case's facts.
 * Pure: the same facts give the same letter, so tests can read every sentence.
 */
export type LetterFacts = {
  localAuthorityName: string;
  sendiassName: string | null;
  sendiassUrl: string | null;
  caseReference: string;
  childName: string;
  /** The family's names as the letter is addressed; empty when no one is on the case yet. */
  familyNames: string[];
  /** The young person takes part for themselves: the letter speaks to them, not to a parent. */
  forYoungPerson: boolean;
  requestReceivedOn: CalendarDate;
  decidedOn: CalendarDate;
  decisionMakerName: string;
  officerName: string | null;
  informationConsidered: string;
  reasons: string;
  supportOffered: string | null;
  /** From the clock: two months from the letter, moved past August and the holidays. */
  appealDeadline: CalendarDate;
  decisionToIssueDue: CalendarDate;
  finalPlanDue: CalendarDate;
};

const date = formatLongDate;

/** "your child" to a parent, "you" to a young person. */
function addressed(facts: LetterFacts) {
  return facts.forYoungPerson
    ? { child: 'you', childs: 'your', Childs: 'Your', them: 'you' }
    : { child: 'your child', childs: 'your child’s', Childs: 'Your child’s', them: 'them' };
}

function frame(facts: LetterFacts, subject: string, blocks: LetterBlock[]): Letter {
  return {
    from: [facts.localAuthorityName, 'Special educational needs (SEN) team'],
    date: date(facts.decidedOn),
    to: facts.familyNames.length
      ? facts.familyNames
      : [facts.forYoungPerson ? facts.childName : `The parent or carer of ${facts.childName}`],
    reference: facts.caseReference,
    subject,
    blocks,
    signOff: ['Yours sincerely', facts.decisionMakerName, `for ${facts.localAuthorityName}`],
  };
}

function paragraphs(text: string): LetterBlock[] {
  return text
    .split(/\r?\n\s*\r?\n/)
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => ({ kind: 'paragraph', text: p.replace(/\s*\r?\n\s*/g, ' ') }));
}

function meetingAndContact(facts: LetterFacts): LetterBlock[] {
  return [
    { kind: 'heading', text: 'A meeting about what happens next' },
    {
      kind: 'paragraph',
      text: `We would like to meet you to explain this decision and talk about the support ${facts.forYoungPerson ? 'you' : facts.childName} will get. ${facts.officerName ? `${facts.officerName}, your caseworker,` : 'Your caseworker'} will contact you to arrange it, or you can reply through Pathway.`,
    },
  ];
}

function disagreeing(facts: LetterFacts, decision: string): LetterBlock[] {
  return [
    { kind: 'heading', text: 'If you disagree with this decision' },
    {
      kind: 'paragraph',
      text: `You have the right to appeal against the decision ${decision} to the First-tier Tribunal (Special Educational Needs and Disability). You must appeal by ${date(facts.appealDeadline)}.`,
    },
    {
      kind: 'paragraph',
      text: 'Before you can appeal, you must contact a mediation adviser to talk about mediation. You do not have to go to mediation, but you need the certificate the adviser gives you to appeal. If you do go to mediation, you can appeal until one month after the mediation certificate is issued, if that is later than the date above.',
    },
    {
      kind: 'paragraph',
      text: 'You can also talk to us at any time: many disagreements are settled by talking them through.',
    },
    { kind: 'heading', text: 'Free, impartial advice' },
    {
      kind: 'paragraph',
      text: `${facts.sendiassName ?? 'Your local SEND information, advice and support service (SENDIASS)'} gives free, confidential and impartial advice about this decision, mediation and appeals${facts.sendiassUrl ? `: ${facts.sendiassUrl}` : '.'}`,
    },
  ];
}

const considered = (facts: LetterFacts): LetterBlock[] => [
  { kind: 'heading', text: 'The information we considered' },
  ...paragraphs(facts.informationConsidered),
];

export function notAssessingLetter(facts: LetterFacts): Letter {
  return frame(facts, 'We will not carry out an EHC needs assessment', [
    {
      kind: 'paragraph',
      text: `We received the request for an education, health and care (EHC) needs assessment for ${facts.childName} on ${date(facts.requestReceivedOn)}. We have looked carefully at the request and at the information below, and we have decided not to carry out an assessment.`,
    },
    { kind: 'heading', text: 'Why we made this decision' },
    {
      kind: 'paragraph',
      text: 'The law (section 36(8) of the Children and Families Act 2014) says we must assess a child or young person who has or may have special educational needs and who may need special educational provision to be made through an EHC plan.',
    },
    ...paragraphs(facts.reasons),
    ...considered(facts),
    { kind: 'heading', text: 'The support that will continue' },
    ...paragraphs(
      facts.supportOffered ??
        `${addressed(facts).Childs} school or college will keep supporting ${addressed(facts).them} through SEN support.`,
    ),
    ...meetingAndContact(facts),
    ...disagreeing(facts, 'not to carry out an EHC needs assessment'),
  ]);
}

export function assessingLetter(facts: LetterFacts): Letter {
  return frame(facts, 'We will carry out an EHC needs assessment', [
    {
      kind: 'paragraph',
      text: `We received the request for an education, health and care (EHC) needs assessment for ${facts.childName} on ${date(facts.requestReceivedOn)}. We have decided to carry out the assessment.`,
    },
    { kind: 'heading', text: 'Why we made this decision' },
    ...paragraphs(facts.reasons),
    { kind: 'heading', text: 'What happens next' },
    {
      kind: 'list',
      items: [
        `We will ask for advice from you, from the school or setting, from an educational psychologist, from health and social care, and from anyone else who knows ${addressed(facts).child} well. Each has ${periodWords(TIME_RULES.advice)} to give it.`,
        facts.forYoungPerson
          ? 'You can give your views in Pathway at any time. We will use them in the plan.'
          : 'You can give your own views, and your child’s, in Pathway at any time. We will use them in the plan.',
        `You can ask us to get advice from someone else who knows ${addressed(facts).child}. We will ask them if it is reasonable.`,
        `We will decide whether to issue an EHC plan by ${date(facts.decisionToIssueDue)}.`,
        `If we issue a plan, you will see a draft first, and the final plan will be issued by ${date(facts.finalPlanDue)}.`,
      ],
    },
    {
      kind: 'paragraph',
      text: 'You can see who is giving advice, and when it is due, on your case in Pathway.',
    },
    { kind: 'heading', text: 'Free, impartial advice' },
    {
      kind: 'paragraph',
      text: `${facts.sendiassName ?? 'Your local SEND information, advice and support service (SENDIASS)'} gives free, confidential and impartial advice${facts.sendiassUrl ? `: ${facts.sendiassUrl}` : '.'}`,
    },
  ]);
}

export function noPlanLetter(facts: LetterFacts): Letter {
  return frame(facts, 'We will not issue an EHC plan', [
    {
      kind: 'paragraph',
      text: `We have finished the education, health and care (EHC) needs assessment for ${facts.childName} and have decided not to issue an EHC plan.`,
    },
    { kind: 'heading', text: 'Why we made this decision' },
    ...paragraphs(facts.reasons),
    ...considered(facts),
    { kind: 'heading', text: 'The support that will follow' },
    ...paragraphs(
      facts.supportOffered ??
        `${addressed(facts).Childs} school or college will use the advice from the assessment to support ${addressed(facts).them} through SEN support.`,
    ),
    {
      kind: 'paragraph',
      text: 'You can see all the advice gathered during the assessment on your case in Pathway. The school or setting can use it to plan their support.',
    },
    ...meetingAndContact(facts),
    ...disagreeing(facts, 'not to issue an EHC plan'),
  ]);
}
