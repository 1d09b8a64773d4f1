import { describe, expect, it } from 'vitest';
import { STAGES, nextStep, stageLabel } from './stages.ts';

describe('case stages', () => {
  const base = { requestReceivedOn: '2026-01-05', planIssuedOn: null, lastReviewOn: null };

  it('derives the next statutory step from the request date', () => {
    expect(nextStep({ ...base, stage: 'request_received' })).toEqual({
      description: 'The council decides whether to carry out an assessment',
      dueOn: '2026-02-16',
    });
    expect(nextStep({ ...base, stage: 'assessment' })?.dueOn).toBe('2026-04-27');
    expect(nextStep({ ...base, stage: 'draft_plan' })?.dueOn).toBe('2026-05-25');
  });

  it('counts the annual review from the last review, else from the plan', () => {
    expect(nextStep({ ...base, stage: 'plan_in_place', planIssuedOn: '2026-01-31' })?.dueOn).toBe(
      '2027-01-31',
    );
    expect(
      nextStep({
        ...base,
        stage: 'plan_in_place',
        planIssuedOn: '2025-01-31',
        lastReviewOn: '2026-01-20',
      })?.dueOn,
    ).toBe('2027-01-20');
  });

  it('has no next step for a closed case, and a label for every stage', () => {
    for (const stage of ['not_assessing', 'no_plan', 'ceased'] as const)
      expect(nextStep({ ...base, stage })).toBeNull();
    for (const stage of STAGES) expect(stageLabel(stage)).not.toBe(stage);
  });
});
