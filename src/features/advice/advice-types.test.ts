import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  adviceReminderThreshold,
  adviceReminderWording,
  adviceTag,
  inYear9OrAbove,
  proposedAdviceTypes,
  schoolYearStart,
  suggestedAdviser,
} from './advice-types.ts';
import { adviceDocumentHtml, adviceFormSchema } from './advice-form.ts';
import { parseAdviceChoices } from './request-form.ts';

describe('the school year and Year 9', () => {
  it('starts the school year on 1 September', () => {
    expect(schoolYearStart('2026-08-31')).toBe('2025-09-01');
    expect(schoolYearStart('2026-09-01')).toBe('2026-09-01');
    expect(schoolYearStart('2026-01-15')).toBe('2025-09-01');
  });

  it('puts children born before 1 September 13 years before the year began in Year 9 or above', () => {
    // 2025/26: Year 9 were born from 1 September 2011 to 31 August 2012.
    expect(inYear9OrAbove('2012-08-31', '2026-03-01')).toBe(true);
    expect(inYear9OrAbove('2011-09-01', '2026-03-01')).toBe(true);
    expect(inYear9OrAbove('2008-01-01', '2026-03-01')).toBe(true);
    expect(inYear9OrAbove('2012-09-01', '2026-03-01')).toBe(false);
    // The same child moves up on 1 September, not on their birthday.
    expect(inYear9OrAbove('2013-06-10', '2026-08-31')).toBe(false);
    expect(inYear9OrAbove('2013-06-10', '2026-09-01')).toBe(true);
  });
});

describe('the advice to ask for', () => {
  const young = '2019-05-01';
  const teenager = '2010-05-01';

  it('proposes every type the law needs, preparing for adulthood only from Year 9', () => {
    expect(proposedAdviceTypes([], young, '2026-03-01')).toEqual([
      'parent',
      'educational',
      'medical',
      'psychological',
      'social_care',
      'other',
    ]);
    expect(proposedAdviceTypes([], teenager, '2026-03-01')).toContain('preparing_for_adulthood');
  });

  it('leaves out types already asked for, unless withdrawn; other advice is always offered', () => {
    const proposed = proposedAdviceTypes(
      [
        { type: 'psychological', status: 'requested' },
        { type: 'medical', status: 'sufficient' },
        { type: 'educational', status: 'withdrawn' },
        { type: 'other', status: 'requested' },
      ],
      young,
      '2026-03-01',
    );
    expect(proposed).toEqual(['parent', 'educational', 'social_care', 'other']);
  });

  it('suggests the usual adviser for each type from the participants', () => {
    const people = [
      { id: 'p', caseRole: 'parent_carer', adviserKind: null, organisationKind: null },
      { id: 's', caseRole: 'setting', adviserKind: null, organisationKind: 'education_setting' },
      {
        id: 'ep',
        caseRole: 'adviser',
        adviserKind: null,
        organisationKind: 'educational_psychology_service',
      },
      { id: 'h', caseRole: 'adviser', adviserKind: 'health', organisationKind: null },
    ];
    expect(suggestedAdviser('parent', people)).toBe('p');
    expect(suggestedAdviser('educational', people)).toBe('s');
    expect(suggestedAdviser('psychological', people)).toBe('ep');
    expect(suggestedAdviser('medical', people)).toBe('h');
    expect(suggestedAdviser('social_care', people)).toBeNull();
    expect(suggestedAdviser('other', people)).toBeNull();
  });
});

describe('due dates, tags and reminders', () => {
  it('tags a request by its due date, and by what happened to it', () => {
    const tag = (status: 'requested' | 'submitted', dueOn: string, exceptions = 0) =>
      adviceTag({ status, dueOn, exceptions }, '2026-03-10');
    expect(tag('requested', '2026-03-09')).toBe('overdue');
    expect(tag('requested', '2026-03-09', 1)).toBe('excused');
    expect(tag('requested', '2026-03-17')).toBe('due-soon');
    expect(tag('requested', '2026-03-18')).toBe('waiting');
    expect(tag('submitted', '2026-03-01')).toBe('submitted');
  });

  it('reminds 7 days before, the day before and once overdue, and not after an exception', () => {
    expect(adviceReminderThreshold('2026-03-20', '2026-03-12', false)).toBeNull();
    expect(adviceReminderThreshold('2026-03-20', '2026-03-13', false)).toBe('due-in-7-days');
    expect(adviceReminderThreshold('2026-03-20', '2026-03-19', false)).toBe('due-tomorrow');
    // On the due date itself it is not "due tomorrow".
    expect(adviceReminderThreshold('2026-03-20', '2026-03-20', false)).toBe('due-in-7-days');
    expect(adviceReminderThreshold('2026-03-20', '2026-03-21', false)).toBe('overdue');
    expect(adviceReminderThreshold('2026-03-20', '2026-03-21', true)).toBeNull();
  });

  it('words each reminder as it is true on the day it is sent', () => {
    expect(adviceReminderWording('due-in-7-days', '2026-03-20', '2026-03-13')).toBe(
      'advice due within 7 days',
    );
    expect(adviceReminderWording('due-tomorrow', '2026-03-20', '2026-03-19')).toBe(
      'advice due tomorrow',
    );
    expect(adviceReminderWording('due-in-7-days', '2026-03-20', '2026-03-20')).toBe(
      'advice due today',
    );
    expect(adviceReminderWording('overdue', '2026-03-20', '2026-03-21')).toBe('advice overdue');
  });
});

describe('the written advice', () => {
  it('escapes everything the adviser typed and leaves out blank sections', () => {
    const html = adviceDocumentHtml({
      title: 'Psychological advice',
      reference: 'DEM-2026-0005',
      adviserName: 'Dr <b>Alex</b>',
      version: 2,
      submittedOn: '2026-03-10',
      answers: {
        needs: '<script>alert(1)</script>\n\nSecond "paragraph"',
        outcomes: 'Reads & writes',
        provisionWhat: 'Literacy',
        changes: 'Added <i>outcomes</i>',
      },
    });
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('Second &quot;paragraph&quot;');
    expect(html).toContain('Reads &amp; writes');
    expect(html).toContain('Dr &lt;b&gt;Alex&lt;/b&gt;');
    expect(html).toContain('Added &lt;i&gt;outcomes&lt;/i&gt;');
    expect(html).toContain('Special educational provision (section F)');
    expect(html).not.toContain('Health needs');
  });

  it('checks only lengths for a draft, and the required parts for a submission', () => {
    const draft = adviceFormSchema({ submit: false, hasPrevious: true }).safeParse({
      needs: 'x',
    });
    expect(draft.success).toBe(true);
    const submit = adviceFormSchema({ submit: true, hasPrevious: true }).safeParse({});
    expect(submit.success).toBe(false);
    const fields = submit.error!.issues.map((i) => i.path[0]);
    expect(fields).toEqual(
      expect.arrayContaining([
        'needs',
        'outcomes',
        'provisionWhat',
        'provisionHowOften',
        'provisionByWhom',
        'changes',
        'visibility',
        'declaration',
      ]),
    );
  });
});

describe('the caseworker’s choices', () => {
  const offer = {
    proposed: ['psychological', 'medical'] as const,
    asked: new Set(['educational'] as const),
    participantIds: new Set(['a']),
  };

  it('turns choices into requests and sufficiency records', () => {
    const result = parseAdviceChoices(
      {
        psychological: 'ask',
        'psychological-adviser': 'a',
        medical: 'sufficient',
        'medical-evidence': 'Report, May 2025',
        'medical-agreedByFamily': 'Priya',
        'medical-agreedByAdviser': 'Dr Morgan',
      },
      offer,
    );
    expect(result).toEqual({
      ok: true,
      value: [
        { type: 'psychological', kind: 'ask', participantId: 'a' },
        {
          type: 'medical',
          kind: 'sufficient',
          evidence: 'Report, May 2025',
          agreedWith: 'Parent or young person: Priya. Adviser: Dr Morgan.',
        },
      ],
    });
  });

  it('reports every problem at once, in the order of the form', () => {
    const result = parseAdviceChoices(
      {
        educational: 'ask',
        psychological: 'ask',
        'psychological-adviser': 'z',
        medical: 'sufficient',
      },
      offer,
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errorList.map((e) => e.href)).toEqual([
      '#advice-requests',
      '#psychological-adviser',
      '#medical-evidence',
      '#medical-agreedByFamily',
      '#medical-agreedByAdviser',
    ]);
    expect(result.errorList[0]!.text).toBe('Educational advice has already been asked for');
  });
});

describe('the shared web helpers', () => {
  it('are used, not copied: escapeHtml from web/html.ts, flashAndRedirect from web/forms.ts', async () => {
    const form: Record<string, unknown> = await import('./advice-form.ts');
    expect(form.escapeHtml).toBeUndefined();
    const source = (file: string) => readFileSync(new URL(file, import.meta.url), 'utf8');
    expect(source('./advice-form.ts')).toContain("import { escapeHtml } from '../../web/html.ts'");
    expect(source('./advice-form.ts')).not.toMatch(/function escapeHtml/);
    const routes = source('./routes.ts');
    expect(routes).not.toContain('session.data.flash');
    expect(routes).toContain('flashAndRedirect(');
  });
});
