// Where the finished screen sends the learner: the next lab in the site's order, or the index
// after the last one. A chapter's page holds one lab per API in its tabs (as istio.io's pages
// do): those are other ways through the same chapter, not the next chapter, so each tab's lab
// leads to the next lab in the same tab ("Istio APIs" to "Istio APIs", "Gateway API" to
// "Gateway API"); a lab outside tabs leads to the next lab outside tabs or in the default one.

/** The id of the lab after `current` in `order` in the same tab (`tabOf`), or null when it is the last (or not listed). */
export function nextLabId(order: readonly string[], current: string, tabOf: (id: string) => string | undefined = () => undefined): string | null {
  const i = order.indexOf(current);
  if (i < 0) return null;
  const tab = tabOf(current);
  return order.slice(i + 1).find((id) => tabOf(id) === tab) ?? null;
}
