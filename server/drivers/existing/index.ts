// The existing-cluster driver's entry point, imported lazily by the driver registry.
import { ExistingDriver, type ExistingDriverOptions } from './driver.ts';

export { ExistingDriver, REQUIRED_CRDS, type ExistingDriverOptions } from './driver.ts';
export { learnerPlan, learnerKubeconfig, type LearnerPlan } from './learner-plan.ts';

export function createExistingDriver(options: ExistingDriverOptions = {}): ExistingDriver {
  return new ExistingDriver(options);
}
