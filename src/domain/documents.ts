/**
 * Documents on a case: their kinds, and who may see each (see policy.ts VISIBLE_TO for which
 * audience sees which visibility).
 */
export const DOCUMENT_KINDS = ['advice', 'report', 'letter', 'views', 'plan', 'other'] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];
export const DOCUMENT_KIND_LABELS: Record<DocumentKind, string> = {
  advice: 'Advice',
  report: 'Report',
  letter: 'Letter',
  views: 'Views',
  plan: 'Plan',
  other: 'Other',
};

export const VISIBILITIES = ['everyone', 'la_and_family', 'la_only'] as const;
export type DocumentVisibility = (typeof VISIBILITIES)[number];
export const VISIBILITY_LABELS: Record<DocumentVisibility, string> = {
  everyone: 'Everyone on the case',
  la_and_family: 'The council and the family',
  la_only: 'The council only',
};
