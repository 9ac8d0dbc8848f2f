// Docusaurus plugin: reads labs/ through the runner's loader at build time and publishes them as
// global data, so <LabStep> renders commands and manifests from the same files `meshlab verify`
// runs (one source for docs and CI). Its loadContent runs the content lint first: a page that
// names a missing step, misses a step, shows an unrun command, or lacks a translation fails the
// build with file:line:col.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { LoadContext, Plugin } from '@docusaurus/types';
import type { LabView } from './lab-view.ts';
import { labPath, type LabPlace } from './lab-place.ts';
import { labPlaces, siteLabs } from './site-labs.ts';

export const PLUGIN_NAME = 'meshlab-labs';

/** What the plugin publishes for the browser (usePluginData('meshlab-labs')). */
export interface LabsGlobalData {
  labs: LabView[];
  pages: string[];
  places: Record<string, LabPlace>;
  order: string[];
}

export interface LabsPluginOptions {
  /** The directory holding labs/, docs/ and i18n/ (default: the site). */
  contentDir?: string;
}

/** The labs of `contentDir`, after the content lint; throws with the lint's problems. */
export function readLabs(siteDir: string, contentDir = siteDir): LabView[] {
  let out: string;
  try {
    out = execFileSync(process.execPath, [join(siteDir, 'bin', 'run-ts.mjs'), join(siteDir, 'plugins', 'labs', 'dump-labs.ts'), contentDir], {
      cwd: siteDir,
      encoding: 'utf8',
      maxBuffer: 32 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`meshlab-labs: the pages and labs in ${contentDir} have problems:\n${e.stderr || e.message}`);
  }
  return JSON.parse(out) as LabView[];
}

export default function labsPlugin(context: LoadContext, options: LabsPluginOptions = {}): Plugin<LabView[]> {
  const contentDir = options.contentDir ?? context.siteDir;
  return {
    name: PLUGIN_NAME,
    getPathsToWatch() {
      return [join(contentDir, 'labs', '**', '*')];
    },
    async loadContent() {
      return readLabs(context.siteDir, contentDir);
    },
    async contentLoaded({ content, actions }) {
      // `pages`: the labs that have a page, in sidebar order (the landing page lists them).
      // `places`: where each lab's steps are (a chapter's page holds one lab per API, in tabs);
      // `order`: every lab in the order of the pages and, within a page, of its tabs.
      const pages = siteLabs(contentDir);
      const places = labPlaces(contentDir);
      const order = pages.flatMap((p) => Object.keys(places).filter((id) => places[id]!.doc === p.docId));
      actions.setGlobalData({ labs: content, pages: pages.map((l) => l.id), places, order } satisfies LabsGlobalData);
      // A lab that lives in a tab of another page keeps the address of a page of its own
      // (/docs/<lab id>, in each locale): it leads to that tab.
      const hasPage = new Set(pages.map((p) => p.docId));
      for (const [id, place] of Object.entries(places)) {
        if (place.doc === id || hasPage.has(id) || existsSync(join(contentDir, 'docs', `${id}.mdx`)) || existsSync(join(contentDir, 'docs', `${id}.md`))) continue;
        actions.addRoute({
          path: `${context.baseUrl}docs/${id}`,
          exact: true,
          component: join(context.siteDir, 'plugins', 'labs', 'LabRedirect.tsx'),
          props: { to: labPath(id, place) },
        });
      }
    },
    configureWebpack() {
      const terminal = ['index.tsx', 'index.ts', 'index.jsx', 'index.js'].some((f) => existsSync(join(context.siteDir, 'src', 'theme', 'Terminal', f)));
      if (terminal) return {};
      return { resolve: { alias: { '@theme/Terminal$': join(context.siteDir, 'plugins', 'labs', 'TerminalUnavailable.tsx') } } };
    },
  };
}
