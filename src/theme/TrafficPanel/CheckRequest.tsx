// Under one http Check of a step's report: what the mesh did with the check's own request (a
// passing check says where it went; a failing one's status already carries the reason), and the
// whole explanation as `meshlab explain` prints it.
import React from 'react';
import Translate from '@docusaurus/Translate';
import type { RequestTraceView } from '@site/server/protocol/runner-events.ts';
import { useLocale } from '@site/src/labs/use-labs.ts';
import styles from './styles.module.css';

export default function CheckRequest({ request, passed }: { request: RequestTraceView; passed: boolean }): React.JSX.Element {
  const locale = useLocale();
  return (
    <div className={styles.checkRequest} data-check-request>
      {passed && (
        <p className={styles.reason}>
          <Translate id="traffic.check.did">请求的经过：</Translate> <span data-check-request-reason>{request.reasons?.[locale] ?? request.reason}</span>
        </p>
      )}
      <details className={styles.explanation}>
        <summary>
          <Translate id="traffic.check.explanation">网格如何处理这个请求</Translate>
        </summary>
        <pre>{request.explanation[locale]}</pre>
      </details>
    </div>
  );
}
