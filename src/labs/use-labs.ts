// Lab data published at build time by plugins/labs (one source: labs/).
import { usePluginData } from '@docusaurus/useGlobalData';
import useDocusaurusContext from '@docusaurus/useDocusaurusContext';
import type { LabStepView, LabView, Locale, Localized } from '@site/plugins/labs/lab-view.ts';
import { labPath, type LabPlace } from '@site/plugins/labs/lab-place.ts';

export function useLabs(): LabView[] {
  const data = usePluginData('meshlab-labs') as { labs?: LabView[] } | undefined;
  return data?.labs ?? [];
}

/** The labs that have a page (docs/<id>.mdx), in sidebar order. */
export function useLabsWithPages(): LabView[] {
  const data = usePluginData('meshlab-labs') as { labs?: LabView[]; pages?: string[] } | undefined;
  const labs = data?.labs ?? [];
  return (data?.pages ?? []).map((id) => labs.find((l) => l.id === id)).filter((l): l is LabView => Boolean(l));
}

/** Every lab in the site's order (pages, then the tabs within a page) and the path that opens each. */
export function useLabOrder(): { order: string[]; pathOf(id: string): string; tabOf(id: string): string | undefined } {
  const data = usePluginData('meshlab-labs') as { order?: string[]; places?: Record<string, LabPlace> } | undefined;
  const places = data?.places ?? {};
  return { order: data?.order ?? [], pathOf: (id) => labPath(id, places[id]), tabOf: (id) => places[id]?.tab?.value };
}

export function useLab(id: string): LabView | undefined {
  return useLabs().find((l) => l.id === id);
}

export function useStep(lab: string, step: string): LabStepView | undefined {
  return useLab(lab)?.steps.find((s) => s.id === step);
}

export function useLocale(): Locale {
  const { i18n } = useDocusaurusContext();
  return i18n.currentLocale === 'en' ? 'en' : 'zh-Hans';
}

/** Picks the current locale's text. */
export function useText(): (text: Localized | undefined) => string {
  const locale = useLocale();
  return (text) => (text ? text[locale] || text['zh-Hans'] || text.en : '');
}
