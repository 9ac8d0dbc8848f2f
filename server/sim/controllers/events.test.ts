import { describe, expect, it } from 'vitest';
import { ObjectStore, type KubeObject } from '../store/object-store.ts';
import { EventRecorder, MAX_EVENTS_KEPT } from './events.ts';
import { ManualTimers } from './timers.ts';

type Obj = Record<string, any>;

function setup() {
  const timers = new ManualTimers(new Date('2026-05-01T12:00:00Z'));
  const store = new ObjectStore(timers);
  store.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo' } });
  const pod = store.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1', namespace: 'demo' } });
  return { timers, store, pod, events: new EventRecorder(store, timers) };
}

describe('EventRecorder', () => {
  it('records a kubelet event as the core/v1 recorder does', () => {
    const { store, pod, events } = setup();
    events.record({ component: 'kubelet', host: 'meshlab-control-plane' }, pod, 'Normal', 'Started', 'Started container web', { fieldPath: 'spec.containers{web}' });
    const [e] = store.list('events', 'demo').items as Obj[];
    expect(e!.metadata.name).toMatch(/^web-1\.[0-9a-f]+$/);
    expect(e).toMatchObject({
      involvedObject: { apiVersion: 'v1', kind: 'Pod', name: 'web-1', namespace: 'demo', uid: pod.metadata.uid, fieldPath: 'spec.containers{web}' },
      reason: 'Started',
      message: 'Started container web',
      source: { component: 'kubelet', host: 'meshlab-control-plane' },
      firstTimestamp: '2026-05-01T12:00:00Z',
      lastTimestamp: '2026-05-01T12:00:00Z',
      count: 1,
      type: 'Normal',
      eventTime: null,
      reportingComponent: 'kubelet',
      reportingInstance: 'meshlab-control-plane',
    });
  });

  it('records the scheduler through events.k8s.io: eventTime and action, no timestamps', () => {
    const { store, pod, events } = setup();
    events.record({ component: 'default-scheduler' }, pod, 'Normal', 'Scheduled', 'Successfully assigned demo/web-1 to meshlab-control-plane', { action: 'Binding' });
    const [e] = store.list('events', 'demo').items as Obj[];
    expect(e).toMatchObject({ action: 'Binding', firstTimestamp: null, lastTimestamp: null, source: {}, reportingComponent: 'default-scheduler', eventTime: '2026-05-01T12:00:00.000000Z' });
  });

  it('folds repeats into a count with the last time', () => {
    const { store, pod, events, timers } = setup();
    events.record({ component: 'kubelet' }, pod, 'Warning', 'BackOff', 'Back-off restarting failed container web');
    timers.advance(30_000);
    events.record({ component: 'kubelet' }, pod, 'Warning', 'BackOff', 'Back-off restarting failed container web');
    const list = store.list('events', 'demo').items as Obj[];
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ count: 2, firstTimestamp: '2026-05-01T12:00:00Z', lastTimestamp: '2026-05-01T12:00:30Z' });
  });

  it('keeps at most MAX_EVENTS_KEPT events, dropping the oldest', () => {
    const { store, pod, events } = setup();
    for (let i = 0; i < MAX_EVENTS_KEPT + 5; i++) events.record({ component: 'replicaset-controller' }, pod, 'Normal', 'SuccessfulCreate', `Created pod: web-${i}`);
    const messages = (store.list('events', 'demo').items as Obj[]).map((e) => e.message);
    expect(messages).toHaveLength(MAX_EVENTS_KEPT);
    expect(messages).not.toContain('Created pod: web-0');
    expect(messages).toContain(`Created pod: web-${MAX_EVENTS_KEPT + 4}`);
  });

  it('records nothing in a namespace that is going away', () => {
    const { store, pod, events } = setup();
    store.markDeleting('namespaces', undefined, 'demo');
    events.record({ component: 'kubelet' }, pod as KubeObject, 'Normal', 'Killing', 'Stopping container web');
    expect(store.list('events', 'demo').items).toEqual([]);
  });
});
