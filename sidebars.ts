// One sidebar for the chapters and guides. `lab-environments` is written alongside the cluster
// drivers; it joins the sidebar as soon as its page exists in both languages.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { SidebarsConfig } from '@docusaurus/plugin-content-docs';

const docsDir = join(__dirname, 'docs');
const hasDoc = (id: string) => ['.md', '.mdx'].some((ext) => existsSync(join(docsDir, id + ext)));

const sidebars: SidebarsConfig = {
  labs: [
    'traffic-overview',
    {
      type: 'category',
      label: '实验',
      key: 'labs',
      collapsed: false,
      items: ['ingress-gateway', 'egress-gateway'],
    },
    {
      type: 'category',
      label: '实验环境',
      key: 'environment',
      collapsed: false,
      items: [...(hasDoc('lab-environments') ? ['lab-environments'] : []), 'embedded-cluster-differences'],
    },
    'lab-authoring',
  ],
};

export default sidebars;
