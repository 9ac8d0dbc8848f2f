// The kind driver's entry point, imported lazily by the driver registry.
import { KindDriver, type KindDriverOptions } from './driver.ts';

export { KindDriver, KindPreflightError, DEFAULT_KIND_NAME, type KindDriverOptions } from './driver.ts';
export { kindUpPlan, kindDownPlan, renderPlan, type PlanStep } from './plan.ts';

export function createKindDriver(options: KindDriverOptions = {}): KindDriver {
  return new KindDriver(options);
}
