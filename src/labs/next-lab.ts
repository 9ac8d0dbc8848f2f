// Where the finished screen sends the learner: the next lab in the site's order, or the index
// after the last one.

/** The id of the lab after `current` in `order`, or null when it is the last (or not listed). */
export function nextLabId(order: readonly string[], current: string): string | null {
  const i = order.indexOf(current);
  return i >= 0 && i + 1 < order.length ? order[i + 1]! : null;
}
