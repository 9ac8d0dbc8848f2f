// Where a lab is on the site, and the path that opens it: shared by the labs plugin (build) and
// the browser (the finished screen's next lab), so nothing here may use Node's modules.

/** Where a lab's <LabPage> is: its page and, when it sits in a tab of a <Tabs> set, how to open that tab. */
export interface LabPlace {
  /** The doc id of the page (its file name under docs/). */
  doc: string;
  /** The <TabItem value> the lab is in, and the query parameter that selects it (the <Tabs> set's queryString or groupId). */
  tab?: { value: string; query?: string };
}

/** The site path that opens a lab: its page, with the query that selects its tab. */
export function labPath(id: string, place: LabPlace | undefined): string {
  if (!place) return `/docs/${id}`;
  const q = place.tab?.query ? `?${encodeURIComponent(place.tab.query)}=${encodeURIComponent(place.tab.value)}` : '';
  return `/docs/${place.doc}${q}`;
}
