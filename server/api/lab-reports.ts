// Turns what the runner returns for a Check or a Solve into the API's shapes
// (protocol/lab-api.ts), bounding every text a learner's browser will receive.
import type { CheckResultView, StepCheckReport } from '../protocol/lab-api.ts';

/** The part of a runner lab the routes read. */
export interface RunnerLab {
  id: string;
  steps: { id: string; hints?: unknown }[];
}

type Loose = Record<string, unknown>;
const isRecord = (v: unknown): v is Loose => typeof v === 'object' && v !== null && !Array.isArray(v);

const MAX_TEXT = 4000;
const MAX_CHECKS = 50;

function text(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  const s = typeof value === 'string' ? value : JSON.stringify(value);
  return s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT)}… (${s.length - MAX_TEXT} more characters)` : s;
}

function localized(value: unknown): { 'zh-Hans': string; en: string } | undefined {
  if (typeof value === 'string') return { 'zh-Hans': value, en: value };
  if (!isRecord(value)) return undefined;
  const zh = value['zh-Hans'] ?? value.zh;
  const en = value.en;
  if (typeof zh !== 'string' && typeof en !== 'string') return undefined;
  return { 'zh-Hans': text(zh ?? en)!, en: text(en ?? zh)! };
}

function checkView(value: unknown, index: number): CheckResultView {
  if (!isRecord(value)) return { name: `check ${index + 1}`, passed: false, message: text(value) };
  const passed = value.passed ?? value.ok ?? (value.status === 'passed' || value.status === 'pass');
  return {
    name: text(value.name ?? value.title ?? value.description ?? value.type) ?? `check ${index + 1}`,
    passed: passed === true,
    expected: text(value.expected),
    actual: text(value.actual),
    message: text(value.message ?? value.detail ?? value.error),
  };
}

export function toCheckReport(raw: unknown, lab: RunnerLab, stepId: string, durationMs: number, at = new Date()): StepCheckReport {
  const r = isRecord(raw) ? raw : {};
  const list = Array.isArray(r.checks) ? r.checks : Array.isArray(r.results) ? r.results : [];
  const checks = list.slice(0, MAX_CHECKS).map(checkView);
  const declared = r.passed ?? r.ok;
  // A report that says nothing about its checks never counts as passed.
  const passed = typeof declared === 'boolean' ? declared && checks.every((c) => c.passed) : checks.length > 0 && checks.every((c) => c.passed);
  const step = lab.steps.find((s) => s.id === stepId);
  const rawHints = Array.isArray(r.hints) ? r.hints : Array.isArray(step?.hints) ? step.hints : [];
  return {
    lab: lab.id,
    step: stepId,
    passed,
    checks,
    hints: passed ? [] : rawHints.map(localized).filter((h) => h !== undefined).slice(0, 10),
    durationMs,
    at: at.toISOString(),
  };
}

/** The commands of a solution: a string (one or more lines), a list of strings, or `{ commands }`. */
export function toSolutionCommands(raw: unknown): string[] {
  const commandOf = (v: unknown): string | undefined => {
    if (typeof v === 'string') return v;
    if (isRecord(v)) {
      const c = v.run ?? v.command ?? v.shell;
      if (typeof c === 'string') return c;
    }
    return undefined;
  };
  let list: unknown[];
  if (Array.isArray(raw)) list = raw;
  else if (isRecord(raw) && Array.isArray(raw.commands)) list = raw.commands;
  else if (typeof raw === 'string') list = [raw];
  else list = [];
  return list.map(commandOf).filter((c): c is string => typeof c === 'string' && c.trim().length > 0);
}
