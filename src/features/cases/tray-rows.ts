import { formatLongDate } from '../../domain/clock/calendar-date.ts';
import { label } from '../../domain/labels.ts';
import { escapeHtml } from '../../web/html.ts';

export type TrayRow = {
  id: string;
  reference: string;
  childName: string;
  stage: string;
  nextStepDueOn: string | null;
  dueStatus: 'overdue' | 'due-soon' | 'upcoming' | null;
  officerName: string | null;
};

const DUE_TAGS: Record<string, string> = {
  overdue: ` <strong class="govuk-tag govuk-tag--red">${label('deadlineStatus', 'overdue')}</strong>`,
  'due-soon': ` <strong class="govuk-tag govuk-tag--yellow">${label('deadlineStatus', 'due-soon')}</strong>`,
};

/**
 * The tray's table rows as HTML, every value escaped. Written out here rather than by a
 * template loop: caseworkers load this page all day, and the loop was half the cost of
 * rendering it (docs/performance.md).
 */
export function trayRowsHtml(rows: readonly TrayRow[]): string {
  let html = '';
  for (const c of rows) {
    const due = c.nextStepDueOn
      ? `${formatLongDate(c.nextStepDueOn)}${DUE_TAGS[c.dueStatus ?? ''] ?? ''}`
      : 'None';
    html +=
      `<tr class="govuk-table__row">` +
      `<td class="govuk-table__cell"><a class="govuk-link" href="/cases/${escapeHtml(c.id)}">${escapeHtml(c.reference)}</a></td>` +
      `<td class="govuk-table__cell">${escapeHtml(c.childName)}</td>` +
      `<td class="govuk-table__cell">${escapeHtml(label('stage', c.stage))}</td>` +
      `<td class="govuk-table__cell">${due}</td>` +
      `<td class="govuk-table__cell">${c.officerName ? escapeHtml(c.officerName) : 'Not assigned'}</td>` +
      `</tr>\n`;
  }
  return html;
}
