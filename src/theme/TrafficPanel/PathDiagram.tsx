// The path of one request as a row of stages (client → gateway → VirtualService → service →
// subset → pod), the stage that answered marked, the ones never reached set apart. An ordered list,
// so a screen reader reads it as the steps it is.
import React from 'react';
import { translate } from '@docusaurus/Translate';
import type { StageKind, TrafficStage } from '@site/server/protocol/traffic.ts';
import styles from './styles.module.css';

function stageName(kind: StageKind): string {
  switch (kind) {
    case 'client':
      return translate({ id: 'traffic.stage.client', message: '客户端' });
    case 'gateway':
      return translate({ id: 'traffic.stage.gateway', message: '网关' });
    case 'sidecar':
      return translate({ id: 'traffic.stage.sidecar', message: 'Sidecar 代理' });
    case 'route':
      return translate({ id: 'traffic.stage.route', message: '路由规则' });
    case 'service':
      return translate({ id: 'traffic.stage.service', message: '服务' });
    case 'subset':
      return translate({ id: 'traffic.stage.subset', message: '子集' });
    case 'pod':
      return translate({ id: 'traffic.stage.pod', message: 'Pod' });
  }
}

export default function PathDiagram({ stages }: { stages: TrafficStage[] }): React.JSX.Element {
  return (
    <ol className={styles.path} aria-label={translate({ id: 'traffic.path.label', message: '请求经过的路径' })}>
      {stages.map((s, i) => (
        <li key={i} className={styles.stage} data-stage={s.kind} data-stopped={s.stopped ? 'true' : undefined} data-skipped={s.skipped ? 'true' : undefined}>
          <span className={styles.stageName}>{stageName(s.kind)}</span>
          {s.label && <code className={styles.stageLabel}>{s.label}</code>}
          {s.stopped && <span className={styles.stageMark}>✗ {translate({ id: 'traffic.stage.stopped', message: '在此停止' })}</span>}
          {s.skipped && <span className={styles.stageNote}>{translate({ id: 'traffic.stage.skipped', message: '未到达' })}</span>}
        </li>
      ))}
    </ol>
  );
}
