// The files a lab's commands refer to (`kubectl apply -f httpbin.yaml`), written into a
// directory: the runner's working directory, or a learner's home so that the commands shown on
// the page work as typed in the terminal.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';
import type { Lab, LabFile } from './lab.ts';

/** Every file the lab's steps show or use (step files and alternatives), once each. */
export function labFiles(lab: Lab): LabFile[] {
  const byPath = new Map<string, LabFile>();
  for (const s of lab.steps) for (const f of [...s.files, ...s.alternatives.flatMap((a) => a.files)]) byPath.set(f.path, f);
  return [...byPath.values()];
}

/** Writes the lab's files under `dir` (paths were checked to stay inside the lab when it was loaded). */
export function writeLabFiles(lab: Lab, dir: string): string[] {
  const root = resolve(dir);
  const written: string[] = [];
  for (const f of labFiles(lab)) {
    const target = resolve(root, f.path);
    if (!target.startsWith(root + sep)) continue;
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, f.content);
    written.push(target);
  }
  return written;
}
