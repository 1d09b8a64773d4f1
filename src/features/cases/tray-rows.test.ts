import { describe, expect, it } from 'vitest';
import { trayRowsHtml } from './tray-rows.ts';

describe('the tray’s rows', () => {
  it('escapes every value, names the stage and shows the due tag, or None and Not assigned', () => {
    const html = trayRowsHtml([
      {
        id: '0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f',
        reference: 'DEM-2026-0001',
        childName: 'Zoë <script>alert("x")</script> O’Neil & Co',
        stage: 'assessment',
        nextStepDueOn: '2026-06-04',
        dueStatus: 'overdue',
        officerName: 'Casey "Case" Worker',
      },
      {
        id: '1c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f',
        reference: 'DEM-2026-0002',
        childName: 'Sam Example',
        stage: 'plan_in_place',
        nextStepDueOn: null,
        dueStatus: null,
        officerName: null,
      },
    ]);
    expect(html).not.toContain('<script>');
    expect(html).toContain('Zoë &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; O’Neil &amp; Co');
    expect(html).toContain('Casey &quot;Case&quot; Worker');
    expect(html).toContain(
      '<a class="govuk-link" href="/cases/0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f">DEM-2026-0001</a>',
    );
    expect(html).toContain('4 June 2026 <strong class="govuk-tag govuk-tag--red">Overdue</strong>');
    expect(html).toContain('<td class="govuk-table__cell">Assessment</td>');
    expect(html).toContain('<td class="govuk-table__cell">Plan in place</td>');
    expect(html).toContain('<td class="govuk-table__cell">None</td>');
    expect(html).toContain('<td class="govuk-table__cell">Not assigned</td>');
    expect(html.match(/<tr /g)).toHaveLength(2);
  });
});
