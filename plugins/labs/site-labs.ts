// The labs the site lists (sidebar, navbar, footer, landing page), read from labs/ so that a new
// lab needs no edit of site configuration: every labs/<id>/lab.yaml whose page docs/<id>.mdx
// exists, ordered by the page's `sidebar_position` (then id). Only ids and page titles are read
// here; the runner's loader (and the content lint) validate the labs themselves.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

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
