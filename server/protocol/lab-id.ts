// The one rule for lab and step ids, shared by the lab schema, the API routes, the terminal
// protocol, the site and `meshlab new lab`: a Kubernetes name (DNS label), so an id can name a
// directory, a URL segment and a namespace alike. Plain data, no Node imports (the browser uses it).

export const LAB_ID_PATTERN = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** What the rule asks for, as error messages say it. */
export const LAB_ID_RULE = 'lower-case letters, digits and dashes, starting and ending with a letter or digit, at most 63 characters (like a Kubernetes name)';

export function isLabId(value: string): boolean {
  return LAB_ID_PATTERN.test(value);
}
