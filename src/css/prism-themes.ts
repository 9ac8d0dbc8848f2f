// The code blocks' colours: prism-react-renderer's GitHub (light) and Dracula (dark) themes with
// the token colours that fall below WCAG AA (4.5:1 on the block's background) replaced by darker
// (light) or lighter (dark) shades of the same hue. prism-themes.test.ts keeps every token ≥ 4.5:1.
import { themes, type PrismTheme } from 'prism-react-renderer';

/** Token colour replacements, keyed by the original colour. */
function recolour(theme: PrismTheme, replace: Record<string, string>): PrismTheme {
  return {
    ...theme,
    styles: theme.styles.map((s) => (s.style.color && replace[s.style.color] ? { ...s, style: { ...s.style, color: replace[s.style.color] } } : s)),
  };
}

export const lightCodeTheme: PrismTheme = recolour(themes.github, {
  '#999988': '#57606a', // comments
  '#e3116c': '#c0115e', // strings, attribute values
  '#36acaa': '#1b6f75', // numbers, booleans, properties
  '#00a4db': '#0963c4', // YAML keys (atrule), keywords, attribute names
  '#d73a49': '#c4242f', // functions, tags
});

export const darkCodeTheme: PrismTheme = recolour(themes.dracula, {
  'rgb(98, 114, 164)': '#9aa5ce', // comments
});
