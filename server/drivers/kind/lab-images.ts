// The container images the labs use, read from every YAML file under labs/, so the kind driver can
// pull and load them before a learner needs them.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

const MAX_FILE_BYTES = 1024 * 1024;
const MAX_DEPTH = 6;
// Istio's gateway injection replaces `image: auto` with the proxy image when the pod is created;
// it names no image anyone could pull.
const INJECTION_PLACEHOLDER = 'auto';
const IMAGE_REFERENCE = /^[\w.\-/:@]+$/;

function isPullable(image: string): boolean {
  return image !== INJECTION_PLACEHOLDER && image.length < 256 && IMAGE_REFERENCE.test(image);
}

function collect(value: unknown, into: Set<string>): void {
  if (Array.isArray(value)) for (const v of value) collect(v, into);
  else if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (key === 'image' && typeof v === 'string') {
        if (isPullable(v)) into.add(v);
      } else collect(v, into);
    }
  } else if (typeof value === 'string' && value.includes('image:')) {
    // Manifests inlined in a step's command (kubectl apply -f - <<EOF ... EOF).
    for (const m of value.matchAll(/^\s*-?\s*image:\s*["']?([\w.\-/:@]+)["']?\s*$/gm)) if (m[1] && isPullable(m[1])) into.add(m[1]);
  }
}

/** Images named in `image:` fields of YAML under dir (manifests, and lab.yaml files that embed them). */
export function labImages(dir: string): string[] {
  const images = new Set<string>();
  const walk = (path: string, depth: number) => {
    let entries: string[];
    try {
      entries = readdirSync(path);
    } catch { // a lab without this folder has no images in it
      return;
    }
    for (const entry of entries) {
      const full = join(path, entry);
      const stat = statSync(full, { throwIfNoEntry: false });
      if (!stat) continue;
      if (stat.isDirectory() && depth < MAX_DEPTH && !entry.startsWith('.') && entry !== 'node_modules') walk(full, depth + 1);
      else if (stat.isFile() && /\.ya?ml$/.test(entry) && stat.size <= MAX_FILE_BYTES) {
        try {
          for (const doc of parseAllDocuments(readFileSync(full, 'utf8'))) if (!('empty' in doc)) collect(doc.toJS(), images);
        } catch {
          // A file that is not YAML the parser accepts names no images.
        }
      }
    }
  };
  walk(dir, 0);
  return [...images].sort();
}
