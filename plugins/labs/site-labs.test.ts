// Where each lab's steps are: on its own page, or in one tab of a chapter's page (one lab per API).
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { labPath, labPlaces, labPlacesIn, siteLabs } from './site-labs.ts';

const TABBED = `import Tabs from '@theme/Tabs';

<Tabs groupId="api" queryString>
<TabItem value="istio" label="Istio APIs" default>
<LabPage lab="ingress-gateway">
</LabPage>
</TabItem>
<TabItem value="gateway-api" label="Gateway API">

\`\`\`mdx
<LabPage lab="in-a-fence">
\`\`\`

<LabPage lab="ingress-gateway-api">
</LabPage>
</TabItem>
</Tabs>

<LabPage lab="after-the-tabs">
`;

describe('labPlacesIn', () => {
  it.each([
    ['a lab with a page of its own', [{ doc: 'solo', text: '<LabPage lab="solo">\n</LabPage>' }], { solo: { doc: 'solo' } }],
    [
      'one lab per tab of a chapter, the query being the groupId',
      [{ doc: 'ingress-gateway', text: TABBED }],
      {
        'ingress-gateway': { doc: 'ingress-gateway', tab: { value: 'istio', query: 'api' } },
        'ingress-gateway-api': { doc: 'ingress-gateway', tab: { value: 'gateway-api', query: 'api' } },
        'after-the-tabs': { doc: 'ingress-gateway' },
      },
    ],
    ['an explicit queryString name', [{ doc: 'p', text: '<Tabs groupId="g" queryString="which">\n<TabItem value="b">\n<LabPage lab="x">' }], { x: { doc: 'p', tab: { value: 'b', query: 'which' } } }],
    ['tabs without a query string', [{ doc: 'p', text: '<Tabs groupId="g">\n<TabItem value="b">\n<LabPage lab="x">' }], { x: { doc: 'p', tab: { value: 'b' } } }],
  ])('%s', (_name, pages, expected) => {
    expect(labPlacesIn(pages)).toEqual(expected);
  });
});

describe('labPath', () => {
  it.each([
    ['ingress-gateway', undefined, '/docs/ingress-gateway'],
    ['solo', { doc: 'solo' }, '/docs/solo'],
    ['ingress-gateway-api', { doc: 'ingress-gateway', tab: { value: 'gateway-api', query: 'api' } }, '/docs/ingress-gateway?api=gateway-api'],
    ['x', { doc: 'p', tab: { value: 'b' } }, '/docs/p'],
  ])('%s', (id, place, expected) => {
    expect(labPath(id, place)).toBe(expected);
  });
});

describe("this site's labs", () => {
  const site = resolve(import.meta.dirname, '..', '..');
  it('puts each chapter on one page, the Gateway API variant in its tab', () => {
    expect(siteLabs(site).map((l) => l.id)).toEqual(['ingress-gateway', 'egress-gateway']);
    const places = labPlaces(site);
    expect(places['ingress-gateway-api']).toEqual({ doc: 'ingress-gateway', tab: { value: 'gateway-api', query: 'api' } });
    expect(places['egress-gateway-api']).toEqual({ doc: 'egress-gateway', tab: { value: 'gateway-api', query: 'api' } });
    expect(places['ingress-gateway']).toEqual({ doc: 'ingress-gateway', tab: { value: 'istio', query: 'api' } });
  });
});
