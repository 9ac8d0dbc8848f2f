// A font size that gives the terminal at least `minCols` columns in the width it has (a phone in
// portrait is about 390 CSS px): the preferred size when it fits, smaller down to a floor.

export interface FontFit {
  preferred: number;
  min: number;
  minCols: number;
}

export const TERMINAL_FONT_FIT: FontFit = { preferred: 14, min: 9, minCols: 60 };

/**
 * @param widthPx the width the text may use (without padding and scrollbar)
 * @param cellRatio a character's width divided by the font size (0.6 for most monospace fonts)
 */
export function fitFontSize(widthPx: number, cellRatio: number, fit: FontFit = TERMINAL_FONT_FIT): number {
  if (!(widthPx > 0) || !(cellRatio > 0)) return fit.preferred;
  const needed = widthPx / (fit.minCols * cellRatio);
  if (needed >= fit.preferred) return fit.preferred;
  // Half-pixel steps, rounded down so the columns really fit.
  return Math.max(fit.min, Math.floor(needed * 2) / 2);
}

/** Columns that font size gives in that width. */
export function columnsAt(widthPx: number, cellRatio: number, fontSize: number): number {
  return Math.floor(widthPx / (cellRatio * fontSize));
}
