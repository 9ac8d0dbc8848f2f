// What the site shows of a lab: the serialisable subset of the runner's lab data that pages
// render (titles, text, commands, manifests, hints). Built at site build time from labs/ by the
// labs plugin, read in the browser through `useLabs()`; never written by hand.

export type Locale = 'zh-Hans' | 'en';
export type Localized = Record<Locale, string>;

export interface LabFileView {
  /** Path relative to the lab directory, as the step's commands name it. */
  path: string;
  /** The manifest's text, exactly as in labs/. */
  content: string;
  /** Prism language for highlighting (yaml, json, bash, ...). */
  language: string;
}

export interface LabAlternativeView {
  title: Localized;
  text: Localized;
  files: LabFileView[];
}

export interface LabStepView {
  id: string;
  title: Localized;
  /** The step's explanation (Markdown-free plain text with blank-line paragraphs). */
  text: Localized;
  /** Shell commands exactly as the learner types them. */
  commands: string[];
  files: LabFileView[];
  /** Other ways to do the step (shown, not run by verify). */
  alternatives: LabAlternativeView[];
  hints: Localized[];
  /** Whether the step has a solution the Solve button can type. */
  hasSolution: boolean;
  /** Whether lab.yaml says how to undo the step (its "Redo this step"). */
  canUndo: boolean;
}

export interface LabView {
  id: string;
  title: Localized;
  summary: Localized;
  estimatedMinutes: number;
  prerequisites: Localized[];
  steps: LabStepView[];
}
