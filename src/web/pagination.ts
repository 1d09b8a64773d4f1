/** Links for govukPagination: previous/next and up to seven numbered pages around the current one. */
export function paginationLinks(
  page: number,
  pageCount: number,
  hrefFor: (page: number) => string,
) {
  if (pageCount <= 1) return null;
  const numbers = new Set<number>([1, pageCount]);
  for (let p = page - 2; p <= page + 2; p++) if (p >= 1 && p <= pageCount) numbers.add(p);
  const sorted = [...numbers].sort((a, b) => a - b);
  const items: ({ number: number; href: string; current: boolean } | { ellipsis: true })[] = [];
  sorted.forEach((n, i) => {
    if (i > 0 && n - sorted[i - 1]! > 1) items.push({ ellipsis: true });
    items.push({ number: n, href: hrefFor(n), current: n === page });
  });
  return {
    previous: page > 1 ? { href: hrefFor(page - 1) } : undefined,
    next: page < pageCount ? { href: hrefFor(page + 1) } : undefined,
    items,
  };
}
