import { describe, expect, it } from 'vitest';
import { ManualTimers } from './timers.ts';
import { TrackedTimers } from './tracked-timers.ts';

describe('TrackedTimers', () => {
  it('counts callbacks until they run or are cancelled', () => {
    const manual = new ManualTimers();
    const timers = new TrackedTimers(manual);
    let ran = 0;
    timers.after(100, () => ran++);
    const cancel = timers.after(200, () => ran++);
    expect(timers.pending).toBe(2);
    manual.advance(150);
    expect([ran, timers.pending]).toEqual([1, 1]);
    cancel();
    cancel();
    expect(timers.pending).toBe(0);
    manual.advance(100);
    expect(ran).toBe(1);
  });
});
