// A lab's files in the learner's home, so the commands shown on the page (`kubectl apply -f
// httpbin.yaml`) work as typed in the terminal, which starts in the home. Written when a
// terminal opens or reattaches from a lab page; the labs' file names do not overlap. Files are
// rewritten each time (the commands expect the lab's content) and owned by the learner.
import { closeSync, constants, existsSync, fchownSync, fstatSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadLab } from '../runner/load-lab.ts';
import type { Lab } from '../runner/lab.ts';
import { labFiles } from '../runner/lab-files.ts';
import { isLabId } from '../protocol/lab-id.ts';

/** In the home: the lab of the page the terminal was last opened from. */
export const LAB_MARKER = '.meshlab-lab';

export class LabHome {
  private readonly cache = new Map<string, Lab | null>();

  constructor(private readonly labsDir: string) {}

  /** The lab by id, or undefined when there is no such (valid) lab. */
  lab(id: string): Lab | undefined {
    if (!isLabId(id)) return undefined;
    if (!this.cache.has(id)) {
      const dir = join(this.labsDir, id);
      let lab: Lab | null = null;
      try {
        if (existsSync(join(dir, 'lab.yaml'))) lab = loadLab(dir);
      } catch {
        lab = null; // a broken lab gets no files; the page shows its own errors
      }
      this.cache.set(id, lab);
    }
    return this.cache.get(id) ?? undefined;
  }

  /**
   * Write the lab's files into `homeDir`; chown them to `uid` when given. Returns the names
   * written. The home belongs to the learner, who may have put symlinks or hard links there:
   * files are opened without following links and must be plain files with one link, so the
   * server (often root) never writes or chowns anything outside the home.
   */
  place(id: string, homeDir: string, uid?: number): string[] {
    const lab = this.lab(id);
    if (!lab) return [];
    const root = resolve(homeDir);
    const written: string[] = [];
    // The prompt shows this lab from the next command on (see the shell's startup file).
    writeNoFollow(join(root, LAB_MARKER), `${lab.id}\n`, uid);
    for (const f of labFiles(lab)) {
      // Only plain names: no directory a learner could swap for a link between check and use.
      if (f.path.includes('/') || f.path.includes('\\') || f.path.startsWith('.') || f.path.length > 255) continue;
      if (writeNoFollow(join(root, f.path), f.content, uid)) written.push(f.path);
    }
    return written;
  }
}

function writeNoFollow(path: string, content: string, uid: number | undefined): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK, 0o644);
    const st = fstatSync(fd);
    if (!st.isFile() || st.nlink !== 1) return false;
    ftruncateSync(fd, 0);
    writeSync(fd, content);
    if (uid !== undefined) fchownSync(fd, uid, uid);
    return true;
  } catch {
    return false; // a link, a directory, a fifo, or no space: leave it
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
