import escape from 'escape-html';

/**
 * Escapes text for HTML that Pathway writes outside a template (letters, emails, documents
 * written from what someone typed, the tray's rows): &, <, >, " and ' become entities. Text with
 * none of them (most names and references) is returned as it is, without a copy.
 */
export function escapeHtml(value: string): string {
  return escape(value);
}
