import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { Learner, NewSession } from '../api/context.ts';
import { WarmPool, warmSizeFromEnv } from './warm-pool.ts';

describe('warmSizeFromEnv', () => {
  it.each([
    [undefined, 2],
    ['', 2],
    ['0', 0],
    ['10', 10],
  ])('%s → %s', (raw, n) => {
    expect(warmSizeFromEnv(raw === undefined ? {} : { MESHLAB_WORKSHOP_WARM: raw })).toBe(n);
  });
  it.each(['-1', '2.5', 'many', '101'])('refuses %s', (raw) => {
    expect(() => warmSizeFromEnv({ MESHLAB_WORKSHOP_WARM: raw })).toThrow(/MESHLAB_WORKSHOP_WARM/);
  });
});

describe('WarmPool', () => {
  /** Sessions whose cluster starts when asked and can be released (or reclaimed). */
  function sessions() {
    const made: { s: NewSession; up: boolean; released: boolean }[] = [];
    const newSession = (): NewSession => {
      const entry = { s: undefined as unknown as NewSession, up: false, released: false };
      const learner = {
        cluster: async () => ((entry.up = true), {}),
        currentCluster: () => (entry.up ? {} : undefined),
        release: async () => void ((entry.released = true), (entry.up = false)),
      } as unknown as Learner;
      entry.s = { learnerId: `l${made.length}`, learner: () => learner, sendTo: () => undefined };
      made.push(entry);
      return entry.s;
    };
    return { made, newSession };
  }
  const settle = () => new Promise((r) => setTimeout(r, 0));

  it('fills up to the smaller of its size and the seats left, hands out ready ones, refills, and stops the surplus', async () => {
    const { made, newSession } = sessions();
    let seats = 5;
    const pool = new WarmPool({ size: 2, newSession, wanted: () => seats, logger: pino({ level: 'silent' }) });
    pool.fill();
    await settle();
    expect(pool.readyCount).toBe(2);
    const taken = pool.take()!;
    expect(taken.learnerId).toBe('l0');
    seats = 4;
    await settle();
    await settle();
    expect(made).toHaveLength(3);
    // One ready environment was reclaimed meanwhile: it is skipped.
    made[1]!.up = false;
    expect(pool.take()!.learnerId).toBe('l2');
    seats = 0;
    pool.fill();
    await settle();
    expect(pool.readyCount).toBe(0);
    await pool.close();
  });
});
