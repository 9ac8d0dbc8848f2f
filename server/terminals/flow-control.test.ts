import { describe, expect, it } from 'vitest';
import { FlowControl } from './flow-control.ts';

describe('FlowControl', () => {
  type Step = ['sent' | 'ack', number, 'pause' | 'resume' | undefined];
  const cases: { name: string; steps: Step[] }[] = [
    { name: 'below the high watermark nothing happens', steps: [['sent', 100, undefined], ['sent', 1000, undefined]] },
    { name: 'passing the high watermark pauses', steps: [['sent', 1001, 'pause']] },
    { name: 'stays paused between the watermarks', steps: [['sent', 1500, 'pause'], ['ack', 1000, undefined], ['ack', 1300, undefined]] },
    { name: 'resumes below the low watermark', steps: [['sent', 1500, 'pause'], ['ack', 1400, 'resume']] },
    { name: 'acks beyond what was sent are clamped', steps: [['sent', 1500, 'pause'], ['ack', 10_000, 'resume'], ['sent', 2600, 'pause']] },
    { name: 'acks going backwards are ignored', steps: [['sent', 500, undefined], ['ack', 400, undefined], ['ack', 100, undefined], ['sent', 1401, 'pause']] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const fc = new FlowControl({ high: 1000, low: 200 });
      for (const [kind, n, want] of c.steps) expect(kind === 'sent' ? fc.sent(n) : fc.ack(n)).toBe(want);
    });
  }

  it('reset starts counting from the new offset and resumes', () => {
    const fc = new FlowControl({ high: 10, low: 5 });
    expect(fc.sent(20)).toBe('pause');
    expect(fc.reset(20)).toBe('resume');
    expect(fc.unacked).toBe(0);
  });

  it('rejects watermarks in the wrong order', () => {
    expect(() => new FlowControl({ high: 5, low: 5 })).toThrow();
  });
});
