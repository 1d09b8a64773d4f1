/**
 * Escapes text for HTML that Pathway writes outside a template (letters, emails, documents
 * written from what someone typed): &, <, >, " and ' become entities.
 */
export function escapeHtml(value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}
