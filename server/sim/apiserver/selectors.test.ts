import { describe, expect, it } from 'vitest';
import { ResourceRegistry, type ResourceType } from './resources.ts';
import { ApiError } from './status.ts';
import { checkFieldSelector, matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector } from './selectors.ts';

const registry = new ResourceRegistry();
const typeOf = (key: string): ResourceType => registry.byStoreKey(key)!;

const labels = { app: 'httpbin', version: 'v1', tier: 'web' };

describe('label selectors (k8s.io/apimachinery/pkg/labels semantics)', () => {
  const cases: [string, string, boolean][] = [
    ['equality', 'app=httpbin', true],
    ['double equals', 'app==httpbin', true],
    ['inequality matches absent key', 'missing!=x', true],
    ['inequality', 'app!=httpbin', false],
    ['in', 'version in (v1,v2)', true],
    ['in without match', 'version in (v2, v3)', false],
    ['notin', 'version notin (v2)', true],
    ['notin matches absent key', 'missing notin (a)', true],
    ['exists', 'tier', true],
    ['exists absent', 'missing', false],
    ['does not exist', '!missing', true],
    ['does not exist present', '!app', false],
    ['conjunction', 'app=httpbin,version in (v1),!missing', true],
    ['conjunction fails', 'app=httpbin,version=v2', false],
    ['empty selects all', '', true],
  ];
  it.each(cases)('%s: %s', (_name, selector, want) => {
    expect(matchesLabels(parseLabelSelector(selector), labels)).toBe(want);
  });

  it.each(['a in (', 'a=b c', '=x', 'a b', ','])('rejects %j with 400', (s) => {
    expect(() => parseLabelSelector(s)).toThrowError(ApiError);
  });
});

describe('field selectors', () => {
  const pod = { metadata: { name: 'p', namespace: 'default' }, spec: { nodeName: 'n1' }, status: { phase: 'Running' } };
  const cases: [string, string, boolean][] = [
    ['name', 'metadata.name=p', true],
    ['namespace', 'metadata.namespace=other', false],
    ['phase', 'status.phase=Running', true],
    ['phase negated', 'status.phase!=Running', false],
    ['node and phase', 'spec.nodeName=n1,status.phase==Running', true],
  ];
  it.each(cases)('%s: %s', (_name, selector, want) => {
    const reqs = parseFieldSelector(selector);
    checkFieldSelector(typeOf('pods'), reqs);
    expect(matchesFields(reqs, pod)).toBe(want);
  });

  it('events by involvedObject, as kubectl describe asks', () => {
    const ev = { metadata: { name: 'e', namespace: 'default' }, involvedObject: { name: 'p', namespace: 'default', uid: 'u1', kind: 'Pod' } };
    const reqs = parseFieldSelector('involvedObject.name=p,involvedObject.namespace=default,involvedObject.uid=u1');
    checkFieldSelector(typeOf('events'), reqs);
    expect(matchesFields(reqs, ev)).toBe(true);
  });

  it('secrets by type', () => {
    const reqs = parseFieldSelector('type=helm.sh/release.v1');
    checkFieldSelector(typeOf('secrets'), reqs);
    expect(matchesFields(reqs, { metadata: { name: 's' }, type: 'helm.sh/release.v1' })).toBe(true);
  });

  it('unsupported field is a 400 with the real message', () => {
    expect(() => checkFieldSelector(typeOf('configmaps'), parseFieldSelector('data.x=1'))).toThrowError('field label not supported: data.x');
  });
});
