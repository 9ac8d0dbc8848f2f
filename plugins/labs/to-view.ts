// Turns the runner's Lab (server/runner/lab.ts) into the LabView pages render: only what a
// learner sees (no checks, cleanup or absolute paths).
import { extname } from 'node:path';
import type { Lab, LabFile, LabStep } from '../../server/runner/lab.ts';
import type { LabFileView, LabStepView, LabView, Localized } from './lab-view.ts';

const LANGUAGES: Record<string, string> = { '.yaml': 'yaml', '.yml': 'yaml', '.json': 'json', '.sh': 'bash' };
const EMPTY: Localized = { 'zh-Hans': '', en: '' };

function fileView(f: LabFile): LabFileView {
  return { path: f.path, content: f.content, language: LANGUAGES[extname(f.path).toLowerCase()] ?? 'text' };
}

export function stepView(step: LabStep): LabStepView {
  return {
    id: step.id,
    title: step.title,
    text: step.text ?? EMPTY,
    commands: step.commands.map((c) => c.run),
    files: step.files.map(fileView),
    alternatives: step.alternatives.map((a) => ({ title: a.title, text: a.text ?? EMPTY, files: a.files.map(fileView) })),
    hints: step.hints,
    hasSolution: step.solution.length > 0,
    canUndo: step.undo !== undefined,
  };
}

export function labView(lab: Lab): LabView {
  return {
    id: lab.id,
    title: lab.title,
    summary: lab.summary,
    estimatedMinutes: lab.estimatedMinutes,
    prerequisites: lab.prerequisites,
    steps: lab.steps.map(stepView),
  };
}
