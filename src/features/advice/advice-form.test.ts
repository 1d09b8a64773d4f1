import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { adviceDocumentHtml, adviceFormSchema } from './advice-form.ts';
import { parseAdviceChoices } from './request-form.ts';

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
