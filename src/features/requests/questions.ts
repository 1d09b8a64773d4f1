import { z } from 'zod';
import { optionalEmailAddress } from '../../web/form-fields.ts';
import {
  formatLongDate,
  isCalendarDate,
  type CalendarDate,
} from '../../domain/clock/calendar-date.ts';

/**
 * The questions of the online request for an EHC needs assessment: one thing per page, in
 * GOV.UK's question-page pattern. The pages are data: each says which fields it asks, how they
 * are checked (the messages are GOV.UK error messages), when it applies (the questions depend on
 * who is asking) and how its answers read on the check-your-answers page.
 *
 * Answers are kept as strings under the field names below, so a page with errors can show what
 * was typed, and a draft can be saved and resumed as it is.
 */

export type Answers = Record<string, string>;

export const REQUESTER_KINDS = {
  parent: 'A parent or carer of the child or young person',
  young_person: 'A young person aged 16 to 25, asking for myself',
  setting: 'A nursery, school or college',
  health: 'A health professional',
  social_care: 'A social worker or social care professional',
  other_professional: 'Another professional',
} as const;

export type RequesterKind = keyof typeof REQUESTER_KINDS;

/** Only these may request an assessment; others bring a child to the LA's attention. */
export function hasRightToRequest(kind: string | undefined): boolean {
  return kind === 'parent' || kind === 'young_person' || kind === 'setting';
}

const SETTING_STATUS = {
  'in-setting': 'Goes to a nursery, school or college',
  'home-educated': 'Educated at home',
  'not-in-education': 'Not in education, employment or training',
  excluded: 'Excluded from school',
} as const;

const YES_NO_NOT_SURE = { yes: 'Yes', no: 'No', 'not-sure': 'I’m not sure' } as const;

const PARENT_AWARE = {
  'yes-agrees': 'Yes, and they agree with the request',
  'yes-disagrees': 'Yes, but they do not agree with it',
  no: 'No, not yet',
} as const;

const CONTACT_BY = { email: 'Email', phone: 'Phone', post: 'Letter' } as const;

type Option = { value: string; text: string; hint?: string };

export type Field =
  | {
      kind: 'text' | 'email' | 'tel';
      name: string;
      label: string;
      hint?: string;
      width?: 'full' | 'two-thirds' | 'one-half' | '20' | '10';
      autocomplete?: string;
      spellcheck?: boolean;
    }
  | { kind: 'textarea'; name: string; label: string; hint?: string; maxLength: number }
  | { kind: 'date'; name: string; label: string; hint: string }
  | { kind: 'radios'; name: string; label: string; hint?: string; options: Option[] };

export type PageContext = {
  /** The LAs taking requests here, for the "which council" page. */
  authorities: { id: string; name: string }[];
  today: CalendarDate;
};

export type QuestionPage = {
  slug: string;
  /** The page's heading; on a one-question page, the question itself. */
  title: (answers: Answers) => string;
  intro?: (answers: Answers) => string;
  fields: (answers: Answers, context: PageContext) => Field[];
  schema: (answers: Answers, context: PageContext) => z.ZodType<Answers>;
  applies: (answers: Answers, context: PageContext) => boolean;
  /** Rows for check your answers. */
  summary: (answers: Answers, context: PageContext) => { key: string; value: string }[];
};

const optionsOf = (labels: Record<string, string>): Option[] =>
  Object.entries(labels).map(([value, text]) => ({ value, text }));

const labelOf = (labels: Record<string, string>, value: string | undefined) =>
  (value && labels[value]) ?? '';

/** A required single line: trimmed, with a length limit. */
const line = (missing: string, max: number, tooLong: string) =>
  z.string({ error: missing }).trim().min(1, missing).max(max, tooLong);

const optionalLine = (max: number, tooLong: string) =>
  z.string().trim().max(max, tooLong).optional().default('');

const longText = (missing: string, max: number, name: string) =>
  z
    .string({ error: missing })
    .trim()
    .min(1, missing)
    .max(max, `${name} must be ${max.toLocaleString('en-GB')} characters or fewer`);

const optionalLongText = (max: number, name: string) =>
  z
    .string()
    .trim()
    .max(max, `${name} must be ${max.toLocaleString('en-GB')} characters or fewer`)
    .optional()
    .default('');

const choice = (labels: Record<string, string>, missing: string) =>
  z.enum(Object.keys(labels) as [string, ...string[]], { error: missing });

const isChild = (answers: Answers) => answers.requesterKind !== 'young_person';
/** "the child" or "you", for the questions' wording. */
const who = (answers: Answers, child: string, self: string) => (isChild(answers) ? child : self);

/** Whole years between a date of birth and a day. */
export function ageOn(dateOfBirth: CalendarDate, day: CalendarDate): number {
  const [by, bm, bd] = dateOfBirth.split('-').map(Number) as [number, number, number];
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
}

const POSTCODE = /^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$/i;
/** A unique pupil number: a letter, 11 digits, and a digit or letter. */
const UPN = /^[A-Z][0-9]{11}[0-9A-Z]$/;

const MAX_TEXT = 5_000;

/** The email address of the person filling in the form, in GOV.UK's words. */
export const yourEmailAddress = z
  .string({ error: 'Enter your email address' })
  .trim()
  .min(1, 'Enter your email address')
  .max(254, 'Email address must be 254 characters or fewer')
  .pipe(z.email('Enter an email address in the correct format, like name@example.com'))
  .transform((e) => e.toLowerCase());

const phone = z
  .string()
  .trim()
  .refine(
    (p) => p === '' || /^[0-9 +()-]{7,20}$/.test(p),
    'Enter a phone number, like 01632 960 001 or 07700 900 982',
  )
  .optional()
  .default('');

export const QUESTION_PAGES: QuestionPage[] = [
  {
    slug: 'council',
    title: () => 'Which council is this request for?',
    intro: () =>
      'This is the council for the area where the child or young person lives. If you are not sure, ask their school or your council’s special educational needs (SEND) team.',
    fields: (_answers, context) => [
      {
        kind: 'radios',
        name: 'localAuthorityId',
        label: 'Which council is this request for?',
        options: context.authorities.map((a) => ({ value: a.id, text: a.name })),
      },
    ],
    schema: (_answers, context) =>
      z.object({
        localAuthorityId: z.enum(context.authorities.map((a) => a.id) as [string, ...string[]], {
          error: 'Select the council this request is for',
        }),
      }),
    applies: (_answers, context) => context.authorities.length > 1,
    summary: (answers, context) => [
      {
        key: 'Council',
        value: context.authorities.find((a) => a.id === answers.localAuthorityId)?.name ?? '',
      },
    ],
  },
  {
    slug: 'who-is-asking',
    title: () => 'Who is asking?',
    fields: () => [
      {
        kind: 'radios',
        name: 'requesterKind',
        label: 'Who is asking?',
        hint: 'A parent, a young person aged 16 to 25 or a nursery, school or college can ask for an assessment. Any professional can tell the council about a child who may need one.',
        options: optionsOf(REQUESTER_KINDS),
      },
    ],
    schema: () => z.object({ requesterKind: choice(REQUESTER_KINDS, 'Select who is asking') }),
    applies: () => true,
    summary: (answers) => [
      { key: 'Who is asking', value: labelOf(REQUESTER_KINDS, answers.requesterKind) },
    ],
  },
  {
    slug: 'child-name',
    title: (a) => who(a, 'What is the child or young person’s name?', 'What is your name?'),
    fields: () => [
      {
        kind: 'text',
        name: 'childFirstName',
        label: 'First name',
        width: 'two-thirds',
        autocomplete: 'off',
        spellcheck: false,
      },
      {
        kind: 'text',
        name: 'childLastName',
        label: 'Last name',
        width: 'two-thirds',
        autocomplete: 'off',
        spellcheck: false,
      },
    ],
    schema: () =>
      z.object({
        childFirstName: line(
          'Enter the first name',
          100,
          'First name must be 100 characters or fewer',
        ),
        childLastName: line(
          'Enter the last name',
          100,
          'Last name must be 100 characters or fewer',
        ),
      }),
    applies: () => true,
    summary: (a) => [{ key: 'Name', value: `${a.childFirstName} ${a.childLastName}` }],
  },
  {
    slug: 'date-of-birth',
    title: (a) =>
      who(a, 'What is the child or young person’s date of birth?', 'What is your date of birth?'),
    fields: (a) => [
      {
        kind: 'date',
        name: 'childDateOfBirth',
        label: who(
          a,
          'What is the child or young person’s date of birth?',
          'What is your date of birth?',
        ),
        hint: 'For example, 27 3 2015',
      },
    ],
    schema: (a, context) =>
      z.object({
        childDateOfBirth: z
          .string()
          .min(1, 'Enter the date of birth')
          .refine(isCalendarDate, 'Date of birth must be a real date')
          .refine((d) => d <= context.today, 'Date of birth must be today or in the past')
          .refine(
            (d) => ageOn(d, context.today) <= 25,
            'An EHC needs assessment is for children and young people up to the age of 25. For someone older, contact the council’s adult social care team',
          )
          .refine(
            (d) => a.requesterKind !== 'young_person' || ageOn(d, context.today) >= 16,
            'You can ask for yourself from the age of 16. A parent or your school or college can ask for you now',
          ),
      }),
    applies: () => true,
    summary: (a) => [
      {
        key: 'Date of birth',
        value: isCalendarDate(a.childDateOfBirth ?? '') ? formatLongDate(a.childDateOfBirth!) : '',
      },
    ],
  },
  {
    slug: 'address',
    title: (a) => who(a, 'Where does the child or young person live?', 'Where do you live?'),
    fields: () => [
      {
        kind: 'text',
        name: 'addressLine1',
        label: 'Address line 1',
        autocomplete: 'address-line1',
      },
      {
        kind: 'text',
        name: 'addressLine2',
        label: 'Address line 2 (optional)',
        autocomplete: 'address-line2',
      },
      {
        kind: 'text',
        name: 'addressTown',
        label: 'Town or city',
        width: 'two-thirds',
        autocomplete: 'address-level2',
      },
      {
        kind: 'text',
        name: 'addressPostcode',
        label: 'Postcode',
        width: '10',
        autocomplete: 'postal-code',
      },
    ],
    schema: () =>
      z.object({
        addressLine1: line(
          'Enter address line 1, typically the building and street',
          200,
          'Address line 1 must be 200 characters or fewer',
        ),
        addressLine2: optionalLine(200, 'Address line 2 must be 200 characters or fewer'),
        addressTown: line(
          'Enter town or city',
          100,
          'Town or city must be 100 characters or fewer',
        ),
        addressPostcode: z
          .string({ error: 'Enter postcode' })
          .trim()
          .min(1, 'Enter postcode')
          .refine((p) => POSTCODE.test(p), 'Enter a real postcode')
          .transform((p) => p.toUpperCase()),
      }),
    applies: () => true,
    summary: (a) => [
      {
        key: 'Address',
        value: [a.addressLine1, a.addressLine2, a.addressTown, a.addressPostcode]
          .filter(Boolean)
          .join(', '),
      },
    ],
  },
  {
    slug: 'about-the-child',
    title: (a) => who(a, 'About the child or young person', 'About you'),
    fields: (a) => [
      {
        kind: 'text',
        name: 'upn',
        label: 'Unique pupil number (UPN), if you know it (optional)',
        hint: 'A letter followed by 12 numbers or letters, on school reports and letters, for example A123456789012',
        width: '20',
        spellcheck: false,
      },
      {
        kind: 'text',
        name: 'languages',
        label: who(
          a,
          'Which languages does the child use? (optional)',
          'Which languages do you use? (optional)',
        ),
        hint: 'Include British Sign Language or other ways of communicating',
      },
      {
        kind: 'radios',
        name: 'inCare',
        label: who(
          a,
          'Is the child or young person in care?',
          'Are you in care, or a care leaver?',
        ),
        hint: 'Looked after by a council, for example in foster care',
        options: optionsOf(YES_NO_NOT_SURE),
      },
    ],
    schema: () =>
      z.object({
        upn: z
          .string()
          .trim()
          .transform((u) => u.toUpperCase().replaceAll(' ', ''))
          .refine(
            (u) => u === '' || UPN.test(u),
            'Enter a unique pupil number in the right format, like A123456789012',
          )
          .optional()
          .default(''),
        languages: optionalLine(200, 'Languages must be 200 characters or fewer'),
        inCare: choice(YES_NO_NOT_SURE, 'Select whether they are in care'),
      }),
    applies: () => true,
    summary: (a) => [
      { key: 'Unique pupil number', value: a.upn || 'Not given' },
      { key: 'Languages', value: a.languages || 'Not given' },
      { key: 'In care', value: labelOf(YES_NO_NOT_SURE, a.inCare) },
    ],
  },
  {
    slug: 'parents',
    title: () => 'Parents and carers',
    intro: (a) =>
      a.requesterKind === 'parent'
        ? 'Tell us about yourself first. The council will contact the people with parental responsibility.'
        : 'The council will contact the people with parental responsibility.',
    fields: (a) => [
      {
        kind: 'text',
        name: 'parentName',
        label: 'Full name',
        autocomplete: 'name',
        spellcheck: false,
      },
      {
        kind: 'text',
        name: 'parentRelationship',
        label: 'Relationship to the child',
        hint: 'For example, mother, father, foster carer, grandparent',
        width: 'two-thirds',
      },
      {
        kind: 'radios',
        name: 'parentResponsibility',
        label: 'Do they have parental responsibility?',
        options: optionsOf(YES_NO_NOT_SURE),
      },
      {
        kind: 'tel',
        name: 'parentPhone',
        label: 'Phone number (optional)',
        width: '20',
        autocomplete: 'tel',
      },
      ...(a.requesterKind === 'parent'
        ? []
        : [
            {
              kind: 'email' as const,
              name: 'parentEmail',
              label: 'Their email address (optional)',
              hint: 'The council will invite them to follow the request online',
              autocomplete: 'off',
              spellcheck: false,
            },
          ]),
      {
        kind: 'textarea',
        name: 'otherParents',
        label: 'Other parents or carers (optional)',
        hint: 'Their names, relationship to the child, and whether they have parental responsibility',
        maxLength: 1000,
      },
    ],
    schema: () =>
      z.object({
        parentName: line('Enter the full name', 200, 'Full name must be 200 characters or fewer'),
        parentRelationship: line(
          'Enter the relationship to the child',
          100,
          'Relationship must be 100 characters or fewer',
        ),
        parentResponsibility: choice(
          YES_NO_NOT_SURE,
          'Select whether they have parental responsibility',
        ),
        parentEmail: optionalEmailAddress,
        parentPhone: phone,
        otherParents: optionalLongText(1000, 'Other parents or carers'),
      }),
    applies: (a) => isChild(a),
    summary: (a) => [
      {
        key: 'Parent or carer',
        value: `${a.parentName} (${a.parentRelationship}), parental responsibility: ${labelOf(YES_NO_NOT_SURE, a.parentResponsibility).toLowerCase()}`,
      },
      { key: 'Their phone number', value: a.parentPhone || 'Not given' },
      { key: 'Other parents or carers', value: a.otherParents || 'None given' },
    ],
  },
  {
    slug: 'education',
    title: (a) =>
      who(a, 'Where does the child or young person go to learn?', 'Where do you go to learn?'),
    fields: () => [
      {
        kind: 'radios',
        name: 'settingStatus',
        label: 'Education now',
        options: optionsOf(SETTING_STATUS),
      },
      {
        kind: 'text',
        name: 'settingName',
        label: 'Name of the nursery, school or college, or its URN',
        hint: 'Leave blank if they do not go to one. The URN is the 6 or 7 digit unique reference number',
      },
    ],
    schema: () =>
      z
        .object({
          settingStatus: choice(SETTING_STATUS, 'Select where they learn now'),
          settingName: optionalLine(200, 'Name must be 200 characters or fewer'),
        })
        .refine((v) => v.settingStatus !== 'in-setting' || v.settingName !== '', {
          path: ['settingName'],
          message: 'Enter the name or URN of the nursery, school or college',
        }),
    applies: () => true,
    summary: (a) => [
      {
        key: 'Education now',
        value:
          a.settingStatus === 'in-setting'
            ? `${a.settingName ?? ''}${a.settingUrn ? ` (URN ${a.settingUrn})` : ''}`
            : labelOf(SETTING_STATUS, a.settingStatus),
      },
    ],
  },
  {
    slug: 'needs',
    title: (a) =>
      who(
        a,
        'What the child finds hard, and the help they have had',
        'What you find hard, and the help you have had',
      ),
    fields: (a) => [
      {
        kind: 'textarea',
        name: 'needs',
        label: who(a, 'What does the child or young person find hard?', 'What do you find hard?'),
        hint: 'For example, learning, communicating, behaviour, feelings, health, getting around',
        maxLength: MAX_TEXT,
      },
      {
        kind: 'textarea',
        name: 'supportSoFar',
        label: 'What help have they had so far, and what difference did it make?',
        hint:
          a.requesterKind === 'setting'
            ? 'Your SEN support: the plan, do and review cycles, the provision and its cost, and advice from specialists'
            : 'For example, extra help at school, speech and language therapy, a SEN support plan. Write “none” if there has been none',
        maxLength: MAX_TEXT,
      },
    ],
    schema: () =>
      z.object({
        needs: longText('Enter what they find hard', MAX_TEXT, 'What they find hard'),
        supportSoFar: longText(
          'Enter the help they have had so far, or “none”',
          MAX_TEXT,
          'The help so far',
        ),
      }),
    applies: () => true,
    summary: (a) => [
      { key: 'What they find hard', value: a.needs ?? '' },
      { key: 'Help so far', value: a.supportSoFar ?? '' },
    ],
  },
  {
    slug: 'childs-views',
    title: (a) => who(a, 'The child or young person’s own views', 'Your views'),
    intro: (a) =>
      who(
        a,
        'In their own words if you can: what they enjoy, what is hard, what would help. You can also send drawings or recordings as evidence. Leave it blank if they cannot say yet: the council will ask them.',
        'What you enjoy, what is hard, what would help, and what you hope for.',
      ),
    fields: (a) => [
      {
        kind: 'textarea',
        name: 'childViews',
        label: who(
          a,
          'What does the child or young person say? (optional)',
          'What would you like the council to know?',
        ),
        maxLength: MAX_TEXT,
      },
    ],
    schema: (a) =>
      z.object({
        childViews: isChild(a)
          ? optionalLongText(MAX_TEXT, 'Their views')
          : longText('Enter what you would like the council to know', MAX_TEXT, 'Your views'),
      }),
    applies: () => true,
    summary: (a) => [{ key: 'Child or young person’s views', value: a.childViews || 'Not given' }],
  },
  {
    slug: 'family-views',
    title: () => 'The family’s views and hopes',
    fields: (a) => [
      {
        kind: 'textarea',
        name: 'familyViews',
        label:
          a.requesterKind === 'parent'
            ? 'What would you like the council to know, and what do you hope for?'
            : 'What do the family say, and what do they hope for? (optional)',
        hint: 'What people like and admire about the child, what matters to them, and how best to support them',
        maxLength: MAX_TEXT,
      },
    ],
    schema: (a) =>
      z.object({
        familyViews:
          a.requesterKind === 'parent'
            ? longText('Enter your views and hopes', MAX_TEXT, 'Your views and hopes')
            : optionalLongText(MAX_TEXT, 'The family’s views'),
      }),
    applies: (a) => isChild(a),
    summary: (a) => [{ key: 'Family’s views and hopes', value: a.familyViews || 'Not given' }],
  },
  {
    slug: 'professionals',
    title: () => 'Professionals already involved',
    fields: () => [
      {
        kind: 'textarea',
        name: 'professionals',
        label: 'Which professionals already know the child or young person? (optional)',
        hint: 'For example, a paediatrician, speech and language therapist, educational psychologist, social worker or CAMHS. Give their names or teams if you know them',
        maxLength: 2000,
      },
    ],
    schema: () => z.object({ professionals: optionalLongText(2000, 'Professionals involved') }),
    applies: () => true,
    summary: (a) => [{ key: 'Professionals involved', value: a.professionals || 'None given' }],
  },
  {
    slug: 'consent',
    title: () => 'Sharing information',
    fields: (a) => [
      {
        kind: 'radios',
        name: 'shareConsent',
        label:
          'Can the council share this request with the professionals it asks for advice, such as the school, an educational psychologist, health and social care?',
        hint: 'They need it to give advice. Without it, the assessment may take longer',
        options: [
          { value: 'yes', text: 'Yes' },
          { value: 'no', text: 'No, talk to me first' },
        ],
      },
      ...(hasRightToRequest(a.requesterKind) &&
      a.requesterKind !== 'parent' &&
      a.requesterKind !== 'young_person'
        ? [
            {
              kind: 'radios' as const,
              name: 'parentAware',
              label: 'Do the parents or the young person know about this request?',
              options: optionsOf(PARENT_AWARE),
            },
          ]
        : !hasRightToRequest(a.requesterKind)
          ? [
              {
                kind: 'radios' as const,
                name: 'parentAware',
                label: 'Do the parents or the young person know you are telling the council?',
                options: optionsOf(PARENT_AWARE),
              },
            ]
          : []),
    ],
    schema: (a) => {
      const shape: Record<string, z.ZodType<string>> = {
        shareConsent: z.enum(['yes', 'no'], {
          error: 'Select whether the council can share this request',
        }),
      };
      if (a.requesterKind !== 'parent' && a.requesterKind !== 'young_person') {
        shape.parentAware = choice(PARENT_AWARE, 'Select whether the parents or young person know');
      }
      return z.object(shape);
    },
    applies: () => true,
    summary: (a) => [
      {
        key: 'Share with advisers',
        value: a.shareConsent === 'yes' ? 'Yes' : 'No, talk to me first',
      },
      ...(a.parentAware
        ? [{ key: 'Parents or young person know', value: labelOf(PARENT_AWARE, a.parentAware) }]
        : []),
    ],
  },
  {
    slug: 'contact',
    title: () => 'How can the council contact you?',
    fields: (a) => [
      ...(a.requesterKind === 'parent' || a.requesterKind === 'young_person'
        ? []
        : [
            {
              kind: 'text' as const,
              name: 'requesterName',
              label: 'Your full name',
              autocomplete: 'name',
              spellcheck: false,
            },
            {
              kind: 'text' as const,
              name: 'requesterRole',
              label: 'Your job title and organisation',
              hint: 'For example, SENCO, Riverside Primary School',
            },
          ]),
      {
        kind: 'email',
        name: 'contactEmail',
        label: 'Email address',
        hint: 'We will send the request’s reference number here. We will not put the child’s details in emails',
        autocomplete: 'email',
        spellcheck: false,
      },
      {
        kind: 'tel',
        name: 'contactPhone',
        label: 'Phone number (optional)',
        width: '20',
        autocomplete: 'tel',
      },
      {
        kind: 'radios',
        name: 'contactBy',
        label: 'How would you like the council to contact you?',
        options: optionsOf(CONTACT_BY),
      },
      {
        kind: 'textarea',
        name: 'accessNeeds',
        label: 'Do you have any access needs? (optional)',
        hint: 'For example, an interpreter, large print, British Sign Language, or meetings at certain times',
        maxLength: 1000,
      },
    ],
    schema: (a) => {
      const shape: Record<string, z.ZodType<string>> = {
        contactEmail: yourEmailAddress,
        contactPhone: phone,
        contactBy: choice(CONTACT_BY, 'Select how you would like to be contacted'),
        accessNeeds: optionalLongText(1000, 'Access needs'),
      };
      if (a.requesterKind !== 'parent' && a.requesterKind !== 'young_person') {
        shape.requesterName = line(
          'Enter your full name',
          200,
          'Full name must be 200 characters or fewer',
        );
        shape.requesterRole = line(
          'Enter your job title and organisation',
          200,
          'Job title and organisation must be 200 characters or fewer',
        );
      }
      return z.object(shape);
    },
    applies: () => true,
    summary: (a) => [
      ...(a.requesterName
        ? [{ key: 'Your name and role', value: `${a.requesterName}, ${a.requesterRole}` }]
        : []),
      { key: 'Email address', value: a.contactEmail ?? '' },
      { key: 'Phone number', value: a.contactPhone || 'Not given' },
      { key: 'Contact by', value: labelOf(CONTACT_BY, a.contactBy) },
      { key: 'Access needs', value: a.accessNeeds || 'None given' },
    ],
  },
];

export function pageBySlug(slug: string): QuestionPage | undefined {
  return QUESTION_PAGES.find((p) => p.slug === slug);
}

/** The pages that apply to these answers, in order. */
export function pagesFor(answers: Answers, context: PageContext): QuestionPage[] {
  return QUESTION_PAGES.filter((p) => p.applies(answers, context));
}

/**
 * The first page that applies and is not yet answered well, or null when every page is: the
 * check-your-answers page then comes next. Answers changed on one page can make a later page
 * apply, or its earlier answers fail (a young person under 16), and this finds them.
 */
export function firstIncompletePage(answers: Answers, context: PageContext): QuestionPage | null {
  for (const page of pagesFor(answers, context)) {
    if (!page.schema(answers, context).safeParse(pickFields(page, answers, context)).success) {
      return page;
    }
  }
  return null;
}

/** The page that follows `slug` for these answers, or null for check your answers. */
export function nextPage(
  slug: string,
  answers: Answers,
  context: PageContext,
): QuestionPage | null {
  const pages = pagesFor(answers, context);
  const index = pages.findIndex((p) => p.slug === slug);
  return pages[index + 1] ?? null;
}

export function previousPage(
  slug: string,
  answers: Answers,
  context: PageContext,
): QuestionPage | null {
  const pages = pagesFor(answers, context);
  const index = pages.findIndex((p) => p.slug === slug);
  return index > 0 ? (pages[index - 1] ?? null) : null;
}

/** The answers a page asks for, as they stand. */
export function pickFields(page: QuestionPage, answers: Answers, context: PageContext): Answers {
  const picked: Answers = {};
  for (const field of page.fields(answers, context)) {
    const value = answers[field.name];
    if (value !== undefined) picked[field.name] = value;
  }
  return picked;
}

/** The posted fields of a page as strings: a date input's three parts become YYYY-MM-DD. */
export function postedFields(
  page: QuestionPage,
  answers: Answers,
  context: PageContext,
  body: Record<string, unknown>,
): { values: Answers; typed: Answers } {
  const values: Answers = {};
  const typed: Answers = {};
  for (const field of page.fields(answers, context)) {
    if (field.kind === 'date') {
      const parts = ['day', 'month', 'year'].map((part) => {
        const raw = body[`${field.name}-${part}`];
        const text = typeof raw === 'string' ? raw.trim() : '';
        typed[`${field.name}-${part}`] = text;
        return text;
      });
      const [day, month, year] = parts as [string, string, string];
      values[field.name] =
        day && month && year
          ? `${year.padStart(4, '0')}-${month.padStart(2, '0')}-${day.padStart(2, '0')}`
          : '';
    } else {
      const raw = body[field.name];
      values[field.name] = typeof raw === 'string' ? raw : '';
      typed[field.name] = values[field.name]!;
    }
  }
  return { values, typed };
}

/** What a requester kind counts as in the SEN2 return's request sources. */
export const SEN2_REQUEST_SOURCE: Record<RequesterKind, 1 | 2 | 3 | 4 | 5> = {
  parent: 1,
  young_person: 1,
  setting: 2,
  health: 3,
  social_care: 4,
  other_professional: 5,
};
