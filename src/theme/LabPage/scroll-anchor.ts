// Keeps the part of the lab the learner is looking at in place while the page above it changes
// (Reset and Clear progress remove every step's report, which would pull a later step up and put
// another one under the learner's eyes).

/** Remembers where the first step in view sits; the returned function scrolls it back there. */
export function holdStepInView(container: HTMLElement | null, topInset = 0): () => void {
  const steps = Array.from(container?.querySelectorAll<HTMLElement>('[data-step]') ?? []);
  const anchor = steps.find((s) => s.getBoundingClientRect().bottom > topInset);
  if (!anchor) return () => undefined;
  const id = anchor.getAttribute('data-step');
  const before = anchor.getBoundingClientRect().top;
  return () => {
    // The same step, found again: React may have replaced the element.
    const now = Array.from(container?.querySelectorAll<HTMLElement>('[data-step]') ?? []).find((s) => s.getAttribute('data-step') === id);
    if (!now) return;
    const delta = now.getBoundingClientRect().top - before;
    if (Math.abs(delta) >= 1) window.scrollBy({ top: delta, behavior: 'instant' });
  };
}

/** Runs `fn` after React has committed the change and the browser has laid it out. */
export function afterLayout(fn: () => void): void {
  requestAnimationFrame(() => requestAnimationFrame(fn));
}
