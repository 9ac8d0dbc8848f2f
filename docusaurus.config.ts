// The meshlab site: zh-Hans at `/` (default), English at `/en/`. Every docs page exists in both
// languages; broken links, anchors and missing translations fail the build.
import type { Config } from '@docusaurus/types';
import type * as Preset from '@docusaurus/preset-classic';
import { darkCodeTheme, lightCodeTheme } from './src/css/prism-themes.ts';
import { currentLocale, siteLabs } from './plugins/labs/site-labs.ts';

// Navbar and footer list the labs from labs/, labelled with each page's title in the locale
// being built (Docusaurus loads this file once per locale).
const labs = siteLabs(__dirname);
const locale = currentLocale();

const config: Config = {
  title: 'meshlab',
  tagline: '在自己的集群上动手学习 Kubernetes 与 Istio',
  favicon: 'img/favicon.svg',
  url: 'http://localhost:3000',
  baseUrl: '/',
  trailingSlash: false,

  // Docusaurus Faster: Rspack bundler, SWC loader/minifier, Lightning CSS, SSG in worker threads
  // (which needs the v4 head-attribute change). The other v4 flags would change the site's CSS and
  // storage keys, so they stay off.
  future: {
    faster: true,
    v4: { removeLegacyPostBuildHeadAttribute: true },
  },

  onBrokenLinks: 'throw',
  onBrokenAnchors: 'throw',
  onDuplicateRoutes: 'throw',
  markdown: {
    mermaid: true,
    hooks: { onBrokenMarkdownLinks: 'throw', onBrokenMarkdownImages: 'throw' },
  },

  i18n: {
    defaultLocale: 'zh-Hans',
    locales: ['zh-Hans', 'en'],
    localeConfigs: {
      'zh-Hans': { label: '简体中文', htmlLang: 'zh-Hans' },
      en: { label: 'English', htmlLang: 'en' },
    },
  },

  presets: [
    [
      'classic',
      {
        docs: {
          sidebarPath: './sidebars.ts',
          routeBasePath: 'docs',
        },
        blog: false,
        theme: { customCss: './src/css/custom.css' },
      } satisfies Preset.Options,
    ],
  ],
  themes: ['@docusaurus/theme-mermaid'],
  plugins: ['./plugins/labs/index.ts'],

  themeConfig: {
    colorMode: { respectPrefersColorScheme: true },
    mermaid: { theme: { light: 'neutral', dark: 'dark' } },
    navbar: {
      title: 'meshlab',
      logo: { alt: 'meshlab', src: 'img/logo.svg' },
      items: [
        { type: 'docSidebar', sidebarId: 'labs', position: 'left', label: '实验' },
        ...labs.map((l) => ({ to: `/docs/${l.docId}`, label: l.label[locale], position: 'left' as const })),
        { type: 'localeDropdown', position: 'right' },
      ],
    },
    footer: {
      style: 'dark',
      links: [
        {
          title: '实验',
          items: labs.map((l) => ({ label: l.label[locale], to: `/docs/${l.docId}` })),
        },
        {
          title: '参考',
          items: [
            { label: 'Istio 流量管理', href: 'https://istio.io/latest/docs/concepts/traffic-management/' },
            { label: 'Kubernetes', href: 'https://kubernetes.io/docs/home/' },
          ],
        },
      ],
      copyright: 'meshlab · Apache-2.0',
    },
    prism: {
      theme: lightCodeTheme,
      darkTheme: darkCodeTheme,
      additionalLanguages: ['bash', 'yaml', 'nginx'],
    },
    docs: { sidebar: { hideable: true } },
  } satisfies Preset.ThemeConfig,
};

export default config;
