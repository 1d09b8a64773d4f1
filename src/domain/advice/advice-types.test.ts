import { describe, expect, it } from 'vitest';
import {
  adviceDueOn,
  adviceReminderThreshold,
  adviceReminderWording,
  adviceTag,
  inYear9OrAbove,
  proposedAdviceTypes,
  schoolYearStart,
  suggestedAdviser,
} from './advice-types.ts';

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

  it('reminds 7 days before, the day before, on the day and once overdue, and not after an exception', () => {
    expect(adviceReminderThreshold('2026-03-20', '2026-03-12', false)).toBeNull();
    expect(adviceReminderThreshold('2026-03-20', '2026-03-13', false)).toBe('due-in-7-days');
    expect(adviceReminderThreshold('2026-03-20', '2026-03-19', false)).toBe('due-tomorrow');
    // On the due date itself it is not "due tomorrow".
    expect(adviceReminderThreshold('2026-03-20', '2026-03-20', false)).toBe('due-today');
    expect(adviceReminderThreshold('2026-03-20', '2026-03-21', false)).toBe('overdue');
    expect(adviceReminderThreshold('2026-03-20', '2026-03-21', true)).toBeNull();
  });

  it('words each reminder as it is true on the day it is sent', () => {
    expect(adviceReminderWording('due-in-7-days')).toBe('advice due within 7 days');
    expect(adviceReminderWording('due-tomorrow')).toBe('advice due tomorrow');
    expect(adviceReminderWording('due-today')).toBe('advice due today');
    expect(adviceReminderWording('overdue')).toBe('advice overdue');
  });

  it('gives each adviser 6 weeks from the day they are asked', () => {
    expect(adviceDueOn('2026-02-23')).toBe('2026-04-06');
  });
});
