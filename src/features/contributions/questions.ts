import { z } from 'zod';
import type { ContributionKind } from '../../db/schema.ts';
import type { MessageData } from '../../case/email/messages.ts';

/**
 * The family's own contributions towards section A of the EHC plan (DOMAIN.md, "The EHC plan"):
 * the family's views, the child's or young person's own views, and a one-page profile. The
 * questions are data, one object per kind, like the request's pages (requests/questions.ts).
 *
 * Every question is worded twice: for a parent or carer writing about their child ("parent"),
 * and for a young person using Pathway for themselves ("self").
 */

/** Who is writing: a parent or carer about their child, or the young person about themselves. */
export type Voice = 'parent' | 'self';
export type Words = Record<Voice, string>;

/** Longest answer to any one question. */
export const MAX_ANSWER_LENGTH = 5000;

export const CONTRIBUTION_KINDS = [
  'family_views',
  'child_views',
  'one_page_profile',
] as const satisfies readonly ContributionKind[];

/** Who may see a contribution once it is sent: families and professionals want one picture. */
export const SHARING_CHOICES = ['everyone', 'la_and_family'] as const;
export type SharingChoice = (typeof SHARING_CHOICES)[number];
export const DEFAULT_SHARING: SharingChoice = 'everyone';
/**
 * An uploaded file goes onto the case at once, before anything is sent: it starts with the
 * council and the family only, and the family may choose to share it with everyone.
 */
export const FILE_DEFAULT_SHARING: SharingChoice = 'la_and_family';

export type ContributionQuestion = {
  /** The answer's key in the stored answers and the form field's name. */
  name: string;
  label: Words;
  hint?: Words;
  /**
   * Whether sending needs an answer: always, never, or only when no picture or document was
   * uploaded (a child may say it through pictures rather than words).
   */
  required: boolean | 'unless-files';
  /** Error message when a required answer is missing. */
  missing: Words;
  /** What the answer is, to start the too-long message: "What matters to your child now". */
  errorName: Words;
  /** The heading in the document the council reads. */
  heading: string;
};

export type ContributionForm = {
  kind: ContributionKind;
  /** Its path under /cases/:caseId/your-views/. */
  slug: string;
  /** Its name on the hub and its page's heading. */
  label: Words;
  /** The title of the document the council receives. */
  documentTitle: Words;
  /** Said in a notification or email: fixed words, never anything the family wrote. */
  receivedAs: Record<Voice, MessageData['views-received']['what']>;
  /** What it is for, on the hub. */
  purpose: Words;
  /** The paragraph under the page's heading. */
  intro: Words;
  questions: ContributionQuestion[];
  /** Pictures, drawings, a recording's transcript or documents may be uploaded with it. */
  takesFiles: boolean;
};

const familyViews: ContributionForm = {
  kind: 'family_views',
  slug: 'family-views',
  label: { parent: 'Your family’s views', self: 'Your family’s views' },
  documentTitle: { parent: 'Family’s views', self: 'Family’s views' },
  receivedAs: { parent: 'the family’s views', self: 'the family’s views' },
  purpose: {
    parent:
      'What you and your family think: what people like and admire about your child, what matters to them, your hopes for their future and how best to support them.',
    self: 'What your family thinks: what people like and admire about you, what matters to you, hopes for your future and how best to support you.',
  },
  intro: {
    parent:
      'Tell the council about your child as you know them. Write as much or as little as you like: short notes are fine. You do not need to repeat what is already in reports.',
    self: 'Tell the council about you, as your family sees you. Write as much or as little as you like: short notes are fine. You do not need to repeat what is already in reports.',
  },
  takesFiles: false,
  questions: [
    {
      name: 'likeAndAdmire',
      label: {
        parent: 'What do people like and admire about your child?',
        self: 'What do people like and admire about you?',
      },
      hint: {
        parent: 'For example, their personality, what they are good at and what makes them laugh.',
        self: 'For example, your personality, what you are good at and what makes you laugh.',
      },
      required: true,
      missing: {
        parent: 'Enter what people like and admire about your child',
        self: 'Enter what people like and admire about you',
      },
      errorName: {
        parent: 'What people like and admire about your child',
        self: 'What people like and admire about you',
      },
      heading: 'What people like and admire',
    },
    {
      name: 'mattersNow',
      label: {
        parent: 'What matters to your child now?',
        self: 'What matters to you now?',
      },
      hint: {
        parent: 'For example, people, friendships, interests, routines and places.',
        self: 'For example, people, friendships, interests, routines and places.',
      },
      required: true,
      missing: {
        parent: 'Enter what matters to your child now',
        self: 'Enter what matters to you now',
      },
      errorName: {
        parent: 'What matters to your child now',
        self: 'What matters to you now',
      },
      heading: 'What matters to them now',
    },
    {
      name: 'history',
      label: {
        parent: 'Your child’s story so far (optional)',
        self: 'Your story so far (optional)',
      },
      hint: {
        parent:
          'For example, their early years, health, nurseries and schools, important events and the help they have had.',
        self: 'For example, your early years, health, schools and colleges, important events and the help you have had.',
      },
      required: false,
      missing: { parent: '', self: '' },
      errorName: { parent: 'Your child’s story so far', self: 'Your story so far' },
      heading: 'Their history so far',
    },
    {
      name: 'hopes',
      label: {
        parent: 'What are your hopes and aspirations for your child’s future?',
        self: 'What are the hopes and aspirations for your future?',
      },
      hint: {
        parent:
          'Think about the next year, the next few years and adult life: learning, friends, health, independence and work.',
        self: 'Think about the next year, the next few years and adult life: learning, friends, health, independence and work.',
      },
      required: true,
      missing: {
        parent: 'Enter your hopes and aspirations for your child’s future',
        self: 'Enter the hopes and aspirations for your future',
      },
      errorName: {
        parent: 'Your hopes and aspirations',
        self: 'The hopes and aspirations for your future',
      },
      heading: 'Hopes and aspirations for the future',
    },
    {
      name: 'bestSupport',
      label: {
        parent: 'How can people best support your child?',
        self: 'How can people best support you?',
      },
      hint: {
        parent: 'What works well, what does not, and what you want everyone to know.',
        self: 'What works well, what does not, and what you want everyone to know.',
      },
      required: true,
      missing: {
        parent: 'Enter how people can best support your child',
        self: 'Enter how people can best support you',
      },
      errorName: {
        parent: 'How people can best support your child',
        self: 'How people can best support you',
      },
      heading: 'How best to support them',
    },
    {
      name: 'anythingElse',
      label: {
        parent: 'Is there anything else you want the council to know? (optional)',
        self: 'Is there anything else you want the council to know? (optional)',
      },
      required: false,
      missing: { parent: '', self: '' },
      errorName: { parent: 'Anything else', self: 'Anything else' },
      heading: 'Anything else',
    },
  ],
};

const childViews: ContributionForm = {
  kind: 'child_views',
  slug: 'child-views',
  label: { parent: 'Your child’s views', self: 'Your views' },
  documentTitle: { parent: 'Child’s views', self: 'Young person’s views' },
  receivedAs: { parent: 'the child’s views', self: 'the young person’s views' },
  purpose: {
    parent:
      'Your child’s own views, in their words or with help: what they like, what they find hard, what helps and what they want for the future. You can add pictures, drawings or documents.',
    self: 'Your own views, in your words: what you like, what you find hard, what helps you and what you want for the future. You can add pictures, drawings or documents.',
  },
  intro: {
    parent:
      'Help your child say what they think, in their own words if they can: for example, “I like swimming”. You can write down what they tell you, or upload their pictures and drawings instead of writing.',
    self: 'This is your chance to say what you think, in your own words. You can write, or upload pictures, drawings or documents instead. Someone can help you if you like.',
  },
  takesFiles: true,
  questions: [
    {
      name: 'likesAndGoodAt',
      label: {
        parent: 'What does your child like, and what are they good at?',
        self: 'What do you like, and what are you good at?',
      },
      hint: { parent: 'For example, “I like drawing and I am good at football.”', self: '' },
      required: 'unless-files',
      missing: {
        parent: 'Enter what your child likes and is good at, or upload a picture or document',
        self: 'Enter what you like and are good at, or upload a picture or document',
      },
      errorName: {
        parent: 'What your child likes and is good at',
        self: 'What you like and are good at',
      },
      heading: 'What I like and am good at',
    },
    {
      name: 'findHard',
      label: {
        parent: 'What does your child find hard?',
        self: 'What do you find hard?',
      },
      hint: { parent: 'For example, “Loud rooms make me upset.”', self: '' },
      required: 'unless-files',
      missing: {
        parent: 'Enter what your child finds hard, or upload a picture or document',
        self: 'Enter what you find hard, or upload a picture or document',
      },
      errorName: { parent: 'What your child finds hard', self: 'What you find hard' },
      heading: 'What I find hard',
    },
    {
      name: 'whatHelps',
      label: { parent: 'What helps your child?', self: 'What helps you?' },
      hint: { parent: 'For example, “It helps when I know what is happening next.”', self: '' },
      required: 'unless-files',
      missing: {
        parent: 'Enter what helps your child, or upload a picture or document',
        self: 'Enter what helps you, or upload a picture or document',
      },
      errorName: { parent: 'What helps your child', self: 'What helps you' },
      heading: 'What helps me',
    },
    {
      name: 'future',
      label: {
        parent: 'What does your child want for the future?',
        self: 'What do you want for the future?',
      },
      hint: {
        parent: 'For example, what they want to learn, do or be when they are older.',
        self: 'For example, what you want to learn, do or be, where you want to live, or work you would like.',
      },
      required: 'unless-files',
      missing: {
        parent: 'Enter what your child wants for the future, or upload a picture or document',
        self: 'Enter what you want for the future, or upload a picture or document',
      },
      errorName: {
        parent: 'What your child wants for the future',
        self: 'What you want for the future',
      },
      heading: 'What I want for the future',
    },
    {
      name: 'howCaptured',
      label: {
        parent: 'Who helped your child say this, and how?',
        self: 'Did anyone help you say this? How?',
      },
      hint: {
        parent:
          'For example, “These are their own words”, “I wrote down what they told me” or “Their teaching assistant helped them, using pictures”.',
        self: 'For example, “My own words”, “My support worker helped me write it” or “Through pictures”.',
      },
      required: true,
      missing: {
        parent: 'Enter who helped your child say this, and how',
        self: 'Enter whether anyone helped you say this, and how',
      },
      errorName: {
        parent: 'Who helped your child say this',
        self: 'Who helped you say this',
      },
      heading: 'Who helped me say this, and how',
    },
  ],
};

const oneValue = (text: string): Words => ({ parent: text, self: text });

const onePageProfile: ContributionForm = {
  kind: 'one_page_profile',
  slug: 'one-page-profile',
  label: oneValue('One-page profile'),
  documentTitle: oneValue('One-page profile'),
  receivedAs: { parent: 'a one-page profile', self: 'a one-page profile' },
  purpose: {
    parent:
      'A short summary of your child on one page, for everyone who works with them to read first.',
    self: 'A short summary of you on one page, for everyone who works with you to read first.',
  },
  intro: {
    parent:
      'A one-page profile is usually written as if your child is speaking: “People say I am kind.” Keep it short: a few sentences or a list for each question.',
    self: 'A one-page profile is a short summary of you, in your own words: “People say I am kind.” Keep it short: a few sentences or a list for each question.',
  },
  takesFiles: false,
  questions: [
    {
      name: 'appreciate',
      label: {
        parent: 'What do people appreciate about your child?',
        self: 'What do people appreciate about you?',
      },
      required: true,
      missing: {
        parent: 'Enter what people appreciate about your child',
        self: 'Enter what people appreciate about you',
      },
      errorName: {
        parent: 'What people appreciate about your child',
        self: 'What people appreciate about you',
      },
      heading: 'What people appreciate about me',
    },
    {
      name: 'important',
      label: {
        parent: 'What is important to your child?',
        self: 'What is important to you?',
      },
      required: true,
      missing: {
        parent: 'Enter what is important to your child',
        self: 'Enter what is important to you',
      },
      errorName: {
        parent: 'What is important to your child',
        self: 'What is important to you',
      },
      heading: 'What is important to me',
    },
    {
      name: 'bestSupport',
      label: {
        parent: 'How can people best support your child?',
        self: 'How can people best support you?',
      },
      required: true,
      missing: {
        parent: 'Enter how people can best support your child',
        self: 'Enter how people can best support you',
      },
      errorName: {
        parent: 'How people can best support your child',
        self: 'How people can best support you',
      },
      heading: 'How best to support me',
    },
  ],
};

export const CONTRIBUTION_FORMS: Record<ContributionKind, ContributionForm> = {
  family_views: familyViews,
  child_views: childViews,
  one_page_profile: onePageProfile,
};

export function formBySlug(slug: string): ContributionForm | null {
  return CONTRIBUTION_KINDS.map((k) => CONTRIBUTION_FORMS[k]).find((f) => f.slug === slug) ?? null;
}

export type Answers = Record<string, string>;

/** Sending: the required answers must be filled. Saving a draft: only the length limits. */
export type FormAction = 'save' | 'submit';

const SHARING_MISSING = 'Select who can see it once you send it';

/** A posted textarea: line endings as the browser counts them, trimmed, at most 5,000. */
function answerSchema(question: ContributionQuestion, voice: Voice, required: boolean) {
  const tooLong = `${question.errorName[voice]} must be ${MAX_ANSWER_LENGTH.toLocaleString('en-GB')} characters or fewer`;
  const missing = question.missing[voice] || 'Enter an answer';
  const text = z.string({ error: missing }).trim().max(MAX_ANSWER_LENGTH, tooLong);
  return z.preprocess(
    (value) => (typeof value === 'string' ? value.replace(/\r\n?/g, '\n') : (value ?? '')),
    required ? text.min(1, missing) : text,
  );
}

/**
 * The schema of a posted contribution page: one field per question, and who may see it. Sending
 * needs the required answers and the choice; saving a draft checks only lengths. `hasFiles`:
 * pictures or documents were uploaded, so the child's views may be given through them instead.
 */
export function contributionSchema(
  form: ContributionForm,
  voice: Voice,
  action: FormAction,
  hasFiles: boolean,
) {
  const shape: Record<string, z.ZodType<string | undefined>> = {};
  for (const question of form.questions) {
    const required =
      action === 'submit' &&
      (question.required === true || (question.required === 'unless-files' && !hasFiles));
    shape[question.name] = answerSchema(question, voice, required);
  }
  const sharing = z.enum(SHARING_CHOICES, { error: SHARING_MISSING });
  shape.visibility = z.preprocess(
    (value) => (value === '' ? undefined : value),
    action === 'submit' ? sharing : sharing.optional(),
  );
  return z.object(shape);
}

/** The answers of a parsed form, apart from its other fields. */
export function answersOf(form: ContributionForm, value: Record<string, unknown>): Answers {
  return Object.fromEntries(
    form.questions.map((q) => [q.name, typeof value[q.name] === 'string' ? value[q.name] : '']),
  ) as Answers;
}
