// The labs the site lists (sidebar, navbar, footer, landing page), read from labs/ so that a new
// lab needs no edit of site configuration: every labs/<id>/lab.yaml whose page docs/<id>.mdx
// exists, ordered by the page's `sidebar_position` (then id). Only ids and page titles are read
// here; the runner's loader (and the content lint) validate the labs themselves.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LabPlace } from './lab-place.ts';

export { labPath, type LabPlace } from './lab-place.ts';

export interface SiteLab {
  id: string;
  /** The doc id of the lab's page (its file name under docs/). */
  docId: string;
  /** The page's title in the default locale (zh-Hans) and in English (front matter `title`, else its first heading). */
  label: { 'zh-Hans': string; en: string };
  position: number;
}

const EN_DOCS = join('i18n', 'en', 'docusaurus-plugin-content-docs', 'current');

function pageFile(dir: string, id: string): string | undefined {
  return ['.mdx', '.md'].map((e) => join(dir, id + e)).find((f) => existsSync(f));
}

function frontMatter(text: string): Record<string, string> {
  const m = /^---\n([\s\S]*?)\n---/.exec(text);
  const out: Record<string, string> = {};
  for (const line of m?.[1]?.split('\n') ?? []) {
    const kv = /^([A-Za-z_]+):\s*(.*)$/.exec(line);
    if (kv) out[kv[1]!] = kv[2]!.replace(/^(['"])(.*)\1$/, '$2');
  }
  return out;
}

function pageTitle(file: string | undefined, fallback: string): string {
  if (!file) return fallback;
  const text = readFileSync(file, 'utf8');
  const fm = frontMatter(text);
  return fm.sidebar_label || fm.title || /^#\s+(.+)$/m.exec(text)?.[1]?.trim() || fallback;
}

export function siteLabs(siteDir: string): SiteLab[] {
  const labsDir = join(siteDir, 'labs');
  if (!existsSync(labsDir)) return [];
  const labs: SiteLab[] = [];
  for (const entry of readdirSync(labsDir, { withFileTypes: true })) {
    if (!entry.isDirectory() || !existsSync(join(labsDir, entry.name, 'lab.yaml'))) continue;
    const zh = pageFile(join(siteDir, 'docs'), entry.name);
    if (!zh) continue;
    const en = pageFile(join(siteDir, EN_DOCS), entry.name);
    const position = Number(frontMatter(readFileSync(zh, 'utf8')).sidebar_position);
    labs.push({
      id: entry.name,
      docId: entry.name,
      label: { 'zh-Hans': pageTitle(zh, entry.name), en: pageTitle(en, entry.name) },
      position: Number.isFinite(position) ? position : Number.MAX_SAFE_INTEGER,
    });
  }
  return labs.sort((a, b) => a.position - b.position || (a.id < b.id ? -1 : 1));
}

/** The locale Docusaurus is building or serving (it sets this before loading the configuration). */
export function currentLocale(): 'zh-Hans' | 'en' {
  return process.env.DOCUSAURUS_CURRENT_LOCALE === 'en' ? 'en' : 'zh-Hans';
}

const attr = (attrs: string, name: string): string | undefined => new RegExp(`\\b${name}=(?:"([^"]*)"|'([^']*)')`).exec(attrs)?.slice(1).find((v) => v !== undefined);

/**
 * Each lab's place on the pages of the default locale: the page holding its <LabPage> and the
 * tab around it (a chapter's page holds one lab per API, as istio.io's tabs do). Code fences are
 * skipped; the first <LabPage> of a lab wins.
 */
export function labPlacesIn(pages: { doc: string; text: string }[]): Record<string, LabPlace> {
  const places: Record<string, LabPlace> = {};
  for (const { doc, text } of pages) {
    const prose = text.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[ \t]*$/gm, '');
    const tabs: { query?: string }[] = [];
    const items: string[] = [];
    for (const m of prose.matchAll(/<(\/?)(Tabs|TabItem|LabPage)\b([^>]*)>/g)) {
      const [, closing, tag, attrs = ''] = m;
      if (tag === 'Tabs') {
        if (closing) tabs.pop();
        else {
          const bare = /\bqueryString(?=[\s/]|$|=\{true\})/.test(attrs);
          tabs.push({ query: attr(attrs, 'queryString') ?? (bare ? attr(attrs, 'groupId') : undefined) });
        }
      } else if (tag === 'TabItem') {
        if (closing) items.pop();
        else items.push(attr(attrs, 'value') ?? '');
      } else if (!closing) {
        const lab = attr(attrs, 'lab');
        if (!lab || places[lab]) continue;
        const value = items.at(-1);
        places[lab] = value ? { doc, tab: { value, ...(tabs.at(-1)?.query ? { query: tabs.at(-1)!.query } : {}) } } : { doc };
      }
    }
  }
  return places;
}

export function labPlaces(siteDir: string): Record<string, LabPlace> {
  const docsDir = join(siteDir, 'docs');
  if (!existsSync(docsDir)) return {};
  const pages = readdirSync(docsDir)
    .filter((f) => /\.mdx?$/.test(f))
    .sort()
    .map((f) => ({ doc: f.replace(/\.mdx?$/, ''), text: readFileSync(join(docsDir, f), 'utf8') }));
  return labPlacesIn(pages);
}
