// Docusaurus plugin: reads labs/ through the runner's loader at build time and publishes them as
// global data, so <LabStep> renders commands and manifests from the same files `meshlab verify`
// runs (one source for docs and CI).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { LoadContext, Plugin } from '@docusaurus/types';
import type { LabView } from './lab-view.ts';

export const PLUGIN_NAME = 'meshlab-labs';

export function readLabs(siteDir: string): LabView[] {
  const labsDir = join(siteDir, 'labs');
  let out: string;
  try {
    out = execFileSync(process.execPath, [join(siteDir, 'bin', 'run-ts.mjs'), join(siteDir, 'plugins', 'labs', 'dump-labs.ts'), labsDir], {
      cwd: siteDir,
      encoding: 'utf8',
      maxBuffer: 32 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`meshlab-labs: could not load the labs in ${labsDir}:\n${e.stderr || e.message}`);
  }
  return JSON.parse(out) as LabView[];
}

export default function labsPlugin(context: LoadContext): Plugin<LabView[]> {
  return {
    name: PLUGIN_NAME,
    getPathsToWatch() {
      return [join(context.siteDir, 'labs', '**', '*')];
    },
    async loadContent() {
      return readLabs(context.siteDir);
    },
    async contentLoaded({ content, actions }) {
      actions.setGlobalData({ labs: content });
    },
    configureWebpack() {
      const terminal = ['index.tsx', 'index.ts', 'index.jsx', 'index.js'].some((f) => existsSync(join(context.siteDir, 'src', 'theme', 'Terminal', f)));
      if (terminal) return {};
      return { resolve: { alias: { '@theme/Terminal$': join(context.siteDir, 'plugins', 'labs', 'TerminalUnavailable.tsx') } } };
    },
  };
}
