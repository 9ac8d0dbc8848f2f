// The registry of kinds: every kind declared in this folder is listed and served, and the generic
// code names none of them, so adding a kind is its file, its line in index.ts and its tests.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ResourceRegistry, type ResourceType } from '../resources.ts';
import { BUILT_IN_KINDS } from './index.ts';
import { storeKey } from './kind.ts';

const here = import.meta.dirname;
const kindFiles = readdirSync(here).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && f !== 'kind.ts' && f !== 'index.ts');

/** The generic store path and the files per-kind tables used to live in. */
const GENERIC = ['resources.ts', 'defaults.ts', 'validation.ts', 'schema.ts', 'tables.ts', 'selectors.ts', 'protobuf.ts', 'rest-handlers.ts', 'api-server.ts', 'discovery.ts', 'openapi.ts', '../controllers/controller-manager.ts'];

describe('the registry of kinds', () => {
  it.each(kindFiles)('%s declares kinds that index.ts lists', async (file) => {
    const mod = (await import(join(here, file))) as Record<string, unknown>;
    const declared = Object.values(mod).filter((v): v is ResourceType => typeof v === 'object' && v !== null && 'strategy' in v);
    expect(declared.length).toBeGreaterThan(0);
    for (const t of declared) expect(BUILT_IN_KINDS).toContain(t);
  });

  it('serves every listed kind, with its strategy, from the default registry', () => {
    const registry = new ResourceRegistry();
    for (const t of BUILT_IN_KINDS) {
      const served = registry.lookup(t.group, t.storageVersion, t.resource);
      expect(served?.strategy, storeKey(t)).toBeDefined();
    }
    expect(registry.lookup('batch', 'v1', 'jobs')?.kind).toBe('Job');
  });

  it.each(BUILT_IN_KINDS.map((t) => [storeKey(t), t] as const))('no generic file names %s', (key, t) => {
    for (const file of GENERIC) {
      const text = readFileSync(join(here, '..', file), 'utf8');
      expect(text.includes(`'${key}'`), `${file} names '${key}'`).toBe(false);
      expect(text.includes(`'${t.kind}'`) || text.includes(`/${t.kind}'`), `${file} names the kind ${t.kind}`).toBe(false);
    }
  });
});
