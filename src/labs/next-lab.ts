// Where the finished screen sends the learner: the next lab in the site's order, or the index
// after the last one. The Gateway API variants of the chapters (ids ending in `-api`, the labs that
// follow istio.io's Gateway API tabs) are another way through the same chapters, not the next
// chapter: each API's labs lead to the next lab of the same API.

const GATEWAY_API_VARIANT = /-api$/;

/** The id of the lab after `current` in `order` with the same API, or null when it is the last (or not listed). */
export function nextLabId(order: readonly string[], current: string): string | null {
  const i = order.indexOf(current);
  if (i < 0) return null;
  const variant = GATEWAY_API_VARIANT.test(current);
  return order.slice(i + 1).find((id) => GATEWAY_API_VARIANT.test(id) === variant) ?? null;
}
