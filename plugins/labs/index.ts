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
import { siteLabs } from './site-labs.ts';

export const PLUGIN_NAME = 'meshlab-labs';

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
      actions.setGlobalData({ labs: content, pages: siteLabs(contentDir).map((l) => l.id) });
    },
    configureWebpack() {
      const terminal = ['index.tsx', 'index.ts', 'index.jsx', 'index.js'].some((f) => existsSync(join(context.siteDir, 'src', 'theme', 'Terminal', f)));
      if (terminal) return {};
      return { resolve: { alias: { '@theme/Terminal$': join(context.siteDir, 'plugins', 'labs', 'TerminalUnavailable.tsx') } } };
    },
  };
}
