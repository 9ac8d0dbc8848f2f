import { describe, expect, it } from 'vitest';
import { themes, type PrismTheme } from 'prism-react-renderer';
import { darkCodeTheme, lightCodeTheme } from './prism-themes.ts';

/** WCAG 2.x relative luminance of `#rrggbb` or `rgb(r, g, b)`. */
function luminance(colour: string): number {
  const rgb = colour.startsWith('#') ? [1, 3, 5].map((i) => parseInt(colour.slice(i, i + 2), 16)) : colour.match(/\d+/g)!.slice(0, 3).map(Number);
  const [r, g, b] = rgb.map((v) => v / 255).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

function tokenContrasts(theme: PrismTheme): Array<[string, number]> {
  const bg = theme.plain.backgroundColor!;
  return [['plain', contrast(theme.plain.color!, bg)], ...theme.styles.filter((s) => s.style.color).map((s): [string, number] => [s.types.join(','), contrast(s.style.color!, bg)])];
}

describe('code block themes', () => {
  it.each([
    ['light', lightCodeTheme],
    ['dark', darkCodeTheme],
  ])('every %s token colour reads at 4.5:1 or more on the block background', (_name, theme) => {
    const low = tokenContrasts(theme).filter(([, ratio]) => ratio < 4.5);
    expect(low).toEqual([]);
  });

  it('the stock themes are the reason for the change (they fall below 4.5:1)', () => {
    expect(tokenContrasts(themes.github).filter(([, r]) => r < 4.5).length).toBeGreaterThan(0);
    expect(tokenContrasts(themes.dracula).filter(([, r]) => r < 4.5).length).toBeGreaterThan(0);
  });
});
