import { formatDayAndDate, type CalendarDate } from '../../domain/clock/calendar-date.ts';

/**
 * Every email Pathway sends, in one place, each with a plain-text and an HTML part.
 *
 * What goes in is only what may go in an email: a case reference, the step, a date, a link.
 * The types leave no room for a child's name, date of birth or needs; the hub shows those after
 * sign-in. LA admins preview every template at /admin/messages.
 */
import { REMINDER_WORDS, type ReminderThreshold } from '../../domain/clock/deadlines.ts';
import { EXCEPTION_LIMITS } from '../../domain/clock/exceptions.ts';
import { periodAdjective, TIME_RULES } from '../../domain/clock/time-rules.ts';
import { ADVICE_PERIOD } from '../../domain/advice/advice-types.ts';
import { escapeHtml } from '../../web/html.ts';

export type MessageData = {
  'security-code': { code: string; minutes: number };
  'password-reset': { link: string; minutes: number };
  invitation: { invitedTo: string; link: string; days: number; hasAccount?: boolean };
  reminder: {
    reference: string;
    /** What must be done, said to the person who must do it: "Send the decision whether to assess". */
    step: string;
    dueOn: CalendarDate;
    threshold: ReminderThreshold;
    link: string;
  };
  'overdue-summary': {
    localAuthorityName: string;
    /** Every overdue step; `steps` may list only the first of them. */
    total: number;
    steps: { reference: string; step: string; dueOn: CalendarDate; link: string }[];
    link: string;
  };
  'exception-recorded': { reference: string; limit: string; link: string };
  /** An adviser was asked for advice for an assessment: due 6 weeks on. */
  'advice-requested': { reference: string; dueOn: CalendarDate; link: string };
  /** The same, to someone invited to the case who has no account yet: a new invitation link. */
  'advice-invitation': {
    reference: string;
    localAuthorityName: string;
    dueOn: CalendarDate;
    link: string;
    days: number;
  };
  /** Advice not yet given: to the adviser, or (`forOfficer`, when overdue) to the officer. */
  'advice-reminder': {
    reference: string;
    dueOn: CalendarDate;
    threshold: ReminderThreshold;
    forOfficer: boolean;
    link: string;
  };
  'advice-received': { reference: string; link: string };
  digest: { items: { title: string; link: string }[]; preferencesLink: string };
  'test-message': { number: number; count: number; sentBy: string };
  'request-received': {
    reference: string;
    localAuthorityName: string;
    /** The last day for the council's decision whether to assess. */
    decisionDueOn: CalendarDate;
    link: string;
  };
  'request-resume': { link: string; days: number; expiresOn: CalendarDate };
  /** The family sent their views to the case's officer: which of them, in fixed words only. */
  'views-received': {
    reference: string;
    what:
      | 'the family’s views'
      | 'the child’s views'
      | 'the young person’s views'
      | 'a one-page profile';
    link: string;
  };
  /** Something happened on a case: `what` is a fixed phrase, never a name or a need. */
  'case-update': { reference: string; what: string; link: string };
  'decision-letter': {
    reference: string;
    /** "decided to carry out an EHC needs assessment", and so on. */
    decision: string;
    /** The appeal deadline, for a refusal. */
    appealBy: CalendarDate | null;
    link: string;
  };
};

export type MessageKind = keyof MessageData;

export type RenderedMessage = { subject: string; text: string; html: string };

/** A paragraph, a link or a list of links: enough for plain, accessible emails. */
type Block = string | { link: string; text?: string } | { list: string[] };

function render(subject: string, blocks: Block[]): RenderedMessage {
  const text = blocks
    .map((block) => {
      if (typeof block === 'string') return block;
      if ('list' in block) return block.list.map((item) => `- ${item}`).join('\n');
      return block.text ? `${block.text}: ${block.link}` : block.link;
    })
    .join('\n\n');
  const paragraph = 'style="font-size:19px;line-height:1.32;margin:0 0 20px 0;color:#0b0c0c"';
  const body = blocks
    .map((block) => {
      if (typeof block === 'string') return `<p ${paragraph}>${escapeHtml(block)}</p>`;
      if ('list' in block) {
        return `<ul ${paragraph}>${block.list.map((item) => `<li>${escapeHtml(item)}</li>`).join('')}</ul>`;
      }
      const label = escapeHtml(block.text ?? block.link);
      return `<p ${paragraph}><a href="${escapeHtml(block.link)}" style="color:#1d70b8">${label}</a></p>`;
    })
    .join('\n');
  const html = [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${escapeHtml(subject)}</title></head>`,
    '<body style="font-family:Arial,sans-serif;margin:0;padding:0">',
    '<div style="background:#0b0c0c;color:#ffffff;padding:10px 20px;font-size:24px;font-weight:bold">Pathway</div>',
    `<div style="padding:20px;max-width:580px">${body}</div>`,
    '</body></html>',
  ].join('\n');
  return { subject, text, html };
}

const SIGN_IN_NOTE = 'Sign in to Pathway to see the case and what to do.';

function reminderWords(threshold: ReminderThreshold, dueOn: CalendarDate) {
  const date = formatDayAndDate(dueOn);
  const when = threshold === 'overdue' ? `was due on ${date}` : `is due by ${date}`;
  return { when, short: REMINDER_WORDS[threshold] };
}

const TEMPLATES: { [K in MessageKind]: (data: MessageData[K]) => RenderedMessage } = {
  'case-update': (d) => CASE_TEMPLATES['case-update'](d),
  'decision-letter': (d) => CASE_TEMPLATES['decision-letter'](d),
  'security-code': (d) =>
    render('Your Pathway security code', [
      `Your security code is ${d.code}`,
      `Enter it on the Pathway sign-in page within ${d.minutes} minutes.`,
      'If you did not try to sign in, someone may know your password. Change it now by using "I have forgotten my password" on the sign-in page.',
    ]),
  'password-reset': (d) =>
    render('Reset your Pathway password', [
      'Someone asked to reset the password for your Pathway account.',
      'To choose a new password, open this link:',
      { link: d.link },
      `The link works once and expires in ${d.minutes} minutes.`,
      'If you did not ask for this, you can ignore this email: your password has not changed.',
    ]),
  invitation: (d) =>
    render('You have been invited to Pathway', [
      `You have been invited to join ${d.invitedTo} on Pathway, the service for education, health and care (EHC) needs assessments and plans.`,
      d.hasAccount
        ? 'You already have a Pathway account. To accept, open this link and sign in:'
        : 'To create your account, open this link:',
      { link: d.link },
      `The link works once and expires in ${d.days} days.`,
      'If you were not expecting this email, you can ignore it.',
    ]),
  reminder: (d) => {
    const words = reminderWords(d.threshold, d.dueOn);
    return render(`${d.reference}: ${d.step} – ${words.short}`, [
      `Case ${d.reference}: "${d.step}" ${words.when}.`,
      d.threshold === 'overdue'
        ? 'The statutory time limit has passed. If there was a reason the law allows, record it as an exception on the case.'
        : 'This is a statutory time limit.',
      SIGN_IN_NOTE,
      { link: d.link, text: 'Open the case' },
    ]);
  },
  'overdue-summary': (d) =>
    render(`${d.localAuthorityName}: ${d.total} overdue ${d.total === 1 ? 'step' : 'steps'}`, [
      `These statutory steps in ${d.localAuthorityName} are past their time limit:`,
      {
        list: d.steps.map(
          (s) => `${s.reference}: ${s.step}, due ${formatDayAndDate(s.dueOn)} (${s.link})`,
        ),
      },
      ...(d.total > d.steps.length ? [`And ${d.total - d.steps.length} more.`] : []),
      'Sign in to Pathway to see every overdue step.',
      { link: d.link, text: 'Overdue steps' },
    ]),
  'advice-requested': (d) =>
    render(`${d.reference}: your advice is asked for`, [
      `The council has asked for your advice for the education, health and care (EHC) needs assessment on case ${d.reference}.`,
      `Give your advice by ${formatDayAndDate(d.dueOn)}. The law gives advisers ${ADVICE_PERIOD}.`,
      'Sign in to Pathway to see the request and give your advice.',
      { link: d.link, text: 'Give your advice' },
    ]),
  'advice-invitation': (d) =>
    render(`${d.reference}: your advice is asked for`, [
      `${d.localAuthorityName} has asked for your advice for the education, health and care (EHC) needs assessment on case ${d.reference}.`,
      `Give your advice by ${formatDayAndDate(d.dueOn)}. The law gives advisers ${ADVICE_PERIOD}.`,
      'You give it on Pathway, the service the council uses for EHC needs assessments and plans. Create your account with this link, and you will find the request waiting:',
      { link: d.link },
      `The link works once and expires in ${d.days} days. It replaces any invitation we sent you before for this case. If it runs out, ask the council to send it again.`,
    ]),
  'advice-reminder': (d) => {
    const words = reminderWords(d.threshold, d.dueOn);
    if (d.forOfficer) {
      return render(`${d.reference}: advice overdue`, [
        `Case ${d.reference}: advice for the assessment was due on ${formatDayAndDate(d.dueOn)} and has not been given.`,
        'Contact the adviser. If there was a reason the law allows, record it as an exception on the advice request.',
        { link: d.link, text: 'Open the advice requests' },
      ]);
    }
    return render(`${d.reference}: your advice is ${words.short}`, [
      `Case ${d.reference}: your advice for the assessment ${words.when}.`,
      d.threshold === 'overdue'
        ? `The ${periodAdjective(TIME_RULES.advice)} time limit has passed. Give your advice as soon as you can, or tell the council why it is late.`
        : `Advisers have ${ADVICE_PERIOD} by law.`,
      { link: d.link, text: 'Give your advice' },
    ]);
  },
  'advice-received': (d) =>
    render(`${d.reference}: advice received`, [
      `New advice has been given for the EHC needs assessment on case ${d.reference}.`,
      SIGN_IN_NOTE,
      { link: d.link, text: 'Open the case' },
    ]),
  'exception-recorded': (d) =>
    render(`${d.reference}: an exception to a time limit was recorded`, [
      `On case ${d.reference}, the council recorded an exception to the time limit "${d.limit}".`,
      'This means something the law allows for made it impractical to meet the limit. The date does not change.',
      SIGN_IN_NOTE,
      { link: d.link, text: 'Open the case' },
    ]),
  digest: (d) =>
    render(
      `Pathway: ${d.items.length} ${d.items.length === 1 ? 'update' : 'updates'} since yesterday`,
      [
        'Here is what has happened on your cases since your last daily email:',
        { list: d.items.map((item) => `${item.title} (${item.link})`) },
        'You get one email a day because you chose it. To get each update as it happens, or to change this, go to your notification settings:',
        { link: d.preferencesLink },
        'Emails about statutory time limits always come straight away.',
      ],
    ),
  'test-message': (d) =>
    render(`Test message ${d.number} of ${d.count}`, [
      `This is test message ${d.number} of ${d.count} from Pathway, sent by ${d.sentBy} to check that email is delivered.`,
      'You do not need to do anything.',
    ]),
  'request-received': (d) =>
    render(`Request received: ${d.reference}`, [
      `${d.localAuthorityName} has your request for an education, health and care (EHC) needs assessment. Its reference is ${d.reference}.`,
      `The council must tell you whether it will carry out an assessment by ${formatDayAndDate(d.decisionDueOn)}.`,
      'A caseworker will contact you. Keep the reference: use it if you contact the council about this request.',
      { link: d.link, text: 'What happens next' },
      'If you did not make this request, contact the council.',
    ]),
  'request-resume': (d) =>
    render('Your saved request for an EHC needs assessment', [
      'You saved a request for an education, health and care (EHC) needs assessment to finish later.',
      'To carry on, open this link:',
      { link: d.link },
      `The link works until ${formatDayAndDate(d.expiresOn)}. After that, the saved answers are deleted.`,
      'If you did not start this request, you can ignore this email.',
    ]),
  'views-received': (d) =>
    render(`${d.reference}: views received from the family`, [
      `On case ${d.reference}, the family has sent ${d.what}. They are on the case as a document, ready for section A of the plan.`,
      SIGN_IN_NOTE,
      { link: d.link, text: 'Open the case' },
    ]),
};

const CASE_TEMPLATES: {
  [K in 'case-update' | 'decision-letter']: (data: MessageData[K]) => RenderedMessage;
} = {
  'case-update': (d) =>
    render(`${d.reference}: ${d.what}`, [
      `On case ${d.reference}: ${d.what}.`,
      SIGN_IN_NOTE,
      { link: d.link, text: 'Open the case' },
    ]),
  'decision-letter': (d) =>
    render(`${d.reference}: the council’s decision`, [
      `On case ${d.reference}, the council has ${d.decision}.`,
      'The letter explains the decision and what happens next. Sign in to Pathway to read it or download it.',
      ...(d.appealBy
        ? [
            `If you disagree, you can appeal by ${formatDayAndDate(d.appealBy)}. The letter says how, and where to get free advice.`,
          ]
        : []),
      { link: d.link, text: 'Read the letter' },
    ]),
};

export function renderMessage<K extends MessageKind>(
  kind: K,
  data: MessageData[K],
): RenderedMessage {
  return TEMPLATES[kind](data);
}

/** Realistic data for each template, for the admin preview and the tests. */
export function sampleMessages(baseUrl: string): { [K in MessageKind]: MessageData[K] } {
  const caseLink = `${baseUrl}/cases/6d0f9a8e-2b1c-4f53-9e0a-1c2d3e4f5a6b`;
  return {
    'security-code': { code: '493027', minutes: 10 },
    'password-reset': { link: `${baseUrl}/reset-password/EXAMPLE-TOKEN`, minutes: 60 },
    invitation: {
      invitedTo: 'Demoshire County Council',
      link: `${baseUrl}/register/EXAMPLE`,
      days: 14,
    },
    reminder: {
      reference: 'DEM-2026-0001',
      step: 'Send the decision whether to assess',
      dueOn: '2026-02-23',
      threshold: 'due-in-7-days',
      link: caseLink,
    },
    'overdue-summary': {
      localAuthorityName: 'Demoshire County Council',
      total: 1,
      steps: [
        {
          reference: 'DEM-2026-0004',
          step: 'Issue the final EHC plan',
          dueOn: '2026-03-02',
          link: caseLink,
        },
      ],
      link: `${baseUrl}/cases?due=overdue`,
    },
    'exception-recorded': {
      reference: 'DEM-2026-0003',
      limit: EXCEPTION_LIMITS.decisionToAssess,
      link: caseLink,
    },
    'advice-requested': {
      reference: 'DEM-2026-0005',
      dueOn: '2026-04-17',
      link: `${caseLink}/advice/0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f`,
    },
    'advice-invitation': {
      reference: 'DEM-2026-0005',
      localAuthorityName: 'Demoshire County Council',
      dueOn: '2026-04-17',
      link: `${baseUrl}/register/sample-invitation-link`,
      days: 14,
    },
    'advice-reminder': {
      reference: 'DEM-2026-0005',
      dueOn: '2026-04-17',
      threshold: 'due-in-7-days',
      forOfficer: false,
      link: `${caseLink}/advice/0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f`,
    },
    'advice-received': { reference: 'DEM-2026-0005', link: `${caseLink}/advice` },
    digest: {
      items: [
        { title: 'DEM-2026-0003: an exception to a time limit was recorded', link: caseLink },
      ],
      preferencesLink: `${baseUrl}/account/notifications`,
    },
    'test-message': { number: 1, count: 1, sentBy: 'an administrator' },
    'request-received': {
      reference: 'R999-2026-00042',
      localAuthorityName: 'Demoshire County Council',
      decisionDueOn: '2026-03-09',
      link: `${baseUrl}/request-an-assessment`,
    },
    'request-resume': {
      link: `${baseUrl}/request-an-assessment/resume/EXAMPLE`,
      days: 28,
      expiresOn: '2026-03-20',
    },
    'views-received': { reference: 'DEM-2026-0005', what: 'the family’s views', link: caseLink },
    'case-update': {
      reference: 'DEM-2026-0001',
      what: 'you have been added to the case as an adviser',
      link: caseLink,
    },
    'decision-letter': {
      reference: 'DEM-2026-0001',
      decision: 'decided not to carry out an EHC needs assessment',
      appealBy: '2026-05-26',
      link: `${caseLink}/documents/0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e`,
    },
  };
}

export const MESSAGE_KIND_LABELS: Record<MessageKind, string> = {
  'security-code': 'Security code for signing in',
  'password-reset': 'Password reset link',
  invitation: 'Invitation to join Pathway',
  reminder: 'Reminder of a statutory step',
  'overdue-summary': 'Daily summary of overdue steps, for managers',
  'exception-recorded': 'An exception to a time limit was recorded',
  'advice-requested': 'Advice asked for an assessment',
  'advice-invitation': 'Advice asked of someone without an account, with an invitation',
  'advice-reminder': 'Reminder of advice due, or overdue',
  'advice-received': 'Advice was given',
  digest: 'Daily digest of updates',
  'test-message': 'Test message',
  'request-received': 'A request for an assessment was received',
  'request-resume': 'Link to carry on a saved request',
  'views-received': 'The family sent their views',
  'case-update': 'Something happened on a case',
  'decision-letter': 'A decision letter from the council',
};
