import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { withMeshSettings } from './requirements.ts';

describe('withMeshSettings', () => {
  const cases: { name: string; mesh: string | undefined; want: Parameters<typeof withMeshSettings>[1]; changed?: string[]; result?: Record<string, unknown> }[] = [
    { name: 'an absent policy is ALLOW_ANY already', mesh: 'defaultConfig:\n  discoveryAddress: istiod.istio-system.svc:15012\n', want: { outboundTrafficPolicy: 'ALLOW_ANY' } },
    {
      name: 'sets REGISTRY_ONLY and keeps the rest',
      mesh: 'accessLogFile: /dev/stdout\noutboundTrafficPolicy:\n  mode: ALLOW_ANY\n',
      want: { outboundTrafficPolicy: 'REGISTRY_ONLY' },
      changed: ['outboundTrafficPolicy.mode=REGISTRY_ONLY'],
      result: { accessLogFile: '/dev/stdout', outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' } },
    },
    { name: 'already REGISTRY_ONLY', mesh: 'outboundTrafficPolicy:\n  mode: REGISTRY_ONLY\n', want: { outboundTrafficPolicy: 'REGISTRY_ONLY' } },
    {
      name: 'empty mesh config gets the access log',
      mesh: undefined,
      want: { accessLogFile: '/dev/stdout' },
      changed: ['accessLogFile=/dev/stdout'],
      result: { accessLogFile: '/dev/stdout' },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = withMeshSettings(c.mesh, c.want);
      if (!c.changed) return expect(r).toBeUndefined();
      expect(r?.changed).toEqual(c.changed);
      expect(parse(r!.text)).toEqual(c.result);
    });
  }
});
