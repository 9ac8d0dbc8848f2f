import { describe, expect, it } from 'vitest';
import { columnsAt, fitFontSize } from './font-fit.ts';

describe('fitFontSize', () => {
  it.each([
    // width px, ratio, font size
    [520, 0.6, 14], // desktop column: the preferred size gives 61 columns
    [504, 0.6, 14], // exactly 60 columns at 14 px
    [503, 0.6, 13.5],
    [367, 0.6, 10], // a 390 px phone, less padding and scrollbar
    [200, 0.6, 9], // never below the floor (fewer columns then)
    [0, 0.6, 14], // not laid out yet
    [400, 0, 14], // no measurement
  ])('%d px at ratio %d → %d px', (width, ratio, size) => expect(fitFontSize(width, ratio)).toBe(size));

  it('gives at least 60 columns whenever the floor allows', () => {
    for (let width = 324; width <= 1200; width += 7) {
      const size = fitFontSize(width, 0.6);
      expect(columnsAt(width, 0.6, size)).toBeGreaterThanOrEqual(60);
    }
  });
});
