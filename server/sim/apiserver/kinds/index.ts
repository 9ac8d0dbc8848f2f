// The built-in kinds declared in this folder, in discovery's order within their groups. Adding a
// kind is a file beside this one and a line here; the generic code finds it through ResourceType.strategy.
import type { ResourceType } from '../resources.ts';
import { jobs } from './job.ts';

export const BUILT_IN_KINDS: readonly ResourceType[] = [jobs];
