import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { componentLogger, debugEnabled } from './logger.ts';

describe('MESHLAB_DEBUG', () => {
  it.each([
    { env: undefined, component: 'mesh', want: false },
    { env: '', component: 'mesh', want: false },
    { env: 'mesh', component: 'mesh', want: true },
    { env: 'controllers, mesh', component: 'mesh', want: true },
    { env: 'controllers', component: 'mesh', want: false },
    { env: '*', component: 'mesh', want: true },
  ])('$env names $component: $want', ({ env, component, want }) => expect(debugEnabled(component, env)).toBe(want));

  it('puts the named component at debug level and leaves the others at the parent level', () => {
    const parent = pino({ level: 'info' });
    const before = process.env.MESHLAB_DEBUG;
    process.env.MESHLAB_DEBUG = 'mesh';
    try {
      expect(componentLogger(parent, 'mesh').isLevelEnabled('debug')).toBe(true);
      expect(componentLogger(parent, 'controllers').isLevelEnabled('debug')).toBe(false);
    } finally {
      if (before === undefined) delete process.env.MESHLAB_DEBUG;
      else process.env.MESHLAB_DEBUG = before;
    }
  });
});
