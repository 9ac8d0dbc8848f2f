// The runner's public API: what the site server, `meshlab verify` and the site's plugin use.
export { loadLab, loadLabs, LabLoadError, formatProblem, type LabProblem } from './load-lab.ts';
export { runLab, checkStep, solutionFor, resetLab, prepareLab, type RunLabOptions, type CheckStepOptions } from './runner.ts';
export type { Lab, LabStep, LabCommand, LabFile } from './lab.ts';
export { undoChain, undoSteps, CannotUndoError } from './undo-step.ts';
export { labFiles, writeLabFiles } from './lab-files.ts';
