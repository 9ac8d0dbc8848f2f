// One sidebar for the chapters and guides. The labs category lists every lab in labs/ that has a
// page (docs/<lab id>.mdx), so `meshlab new lab` needs no edit here. `lab-environments` joins the
// sidebar as soon as its page exists.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { SidebarsConfig } from '@docusaurus/plugin-content-docs';
import { siteLabs } from './plugins/labs/site-labs.ts';

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
      items: siteLabs(__dirname).map((l) => l.docId),
    },
    {
      type: 'category',
      label: '实验环境',
      key: 'environment',
      collapsed: false,
      items: [...(hasDoc('lab-environments') ? ['lab-environments'] : []), 'embedded-cluster-features', 'embedded-cluster-differences'],
    },
    'lab-authoring',
  ],
};

export default sidebars;
