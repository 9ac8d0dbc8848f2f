// One lab step, rendered from labs/ (never retyped in the docs): title, text, commands with Run
// and copy, manifests in collapsible code blocks, and the step's Check / Solve / Redo buttons (Reset is
// the lab's, in its bar: src/theme/LabPage). Hooks for tests and assistive technology: data-step,
// data-status, buttons named Run, Check, Solve (zh: 运行, 检查, 解答).
import React, { useId, useRef, useState, type ReactNode } from 'react';
import Translate, { translate } from '@docusaurus/Translate';
import CodeBlock from '@theme/CodeBlock';
import Details from '@theme/Details';
import clsx from 'clsx';
import type { CheckResultView, StepCheckReport } from '@site/server/protocol/lab-api.ts';
import { useOptionalLabState, type StepState } from '@site/src/labs/lab-context.tsx';
import { useLocale, useStep, useText } from '@site/src/labs/use-labs.ts';
import RunButton from '@site/src/theme/Terminal/RunButton.tsx';
import ConfirmDialog from '@site/src/theme/LabPage/ConfirmDialog.tsx';
import CheckRequest from '@site/src/theme/TrafficPanel/CheckRequest.tsx';
import { InlineText } from './InlineText.tsx';
import { localizeReportText, readableValue } from './report-text.ts';
import styles from './styles.module.css';

export interface LabStepProps {
  lab: string;
  step: string;
}

const STATUS_TEXT = {
  pending: () => translate({ id: 'lab.step.status.pending', message: '未开始' }),
  passed: () => translate({ id: 'lab.step.status.passed', message: '已通过' }),
  failed: () => translate({ id: 'lab.step.status.failed', message: '未通过' }),
};

function FailedAsExpected({ check, say }: { check: CheckResultView; say: (text: string) => string }) {
  const outcome = check.details.find((d) => d.what === 'status' || d.what === 'exit code');
  return (
    <span className={styles.asExpected}>
      {' — '}
      {outcome ? (
        <Translate id="lab.check.failsAsExpectedWith" values={{ outcome: say(`${outcome.what} ${outcome.actual}`) }}>
          {'按预期失败（{outcome}）'}
        </Translate>
      ) : (
        <Translate id="lab.check.failsAsExpected">按预期失败</Translate>
      )}
    </span>
  );
}

/** Why a failing Check is not the learner's: the later steps that changed what it checks. */
function ChangedByLaterSteps({ steps }: { steps: string[] }) {
  const lab = useOptionalLabState();
  const t = useText();
  const locale = useLocale();
  const names = steps.map((id) => {
    const i = lab?.lab.steps.findIndex((s) => s.id === id) ?? -1;
    const step = i >= 0 ? lab!.lab.steps[i] : undefined;
    return step ? `“${i + 1}. ${t(step.title)}”` : id;
  });
  const list = new Intl.ListFormat(locale, { type: 'conjunction' }).format(names);
  return (
    <p className={styles.checkMessage}>
      <Translate id="lab.check.changedByLater" values={{ steps: list }}>
        {'你在这一步之后完成了 {steps}，它们改变或删除了这一步检查的内容，所以现在检查不通过。这不是你的错误，这一步保持原来的状态。想重做这一步，请用上方的“重置实验”。'}
      </Translate>
    </p>
  );
}

/** An expected or actual value; one of several lines is a table and keeps its rows (scrolling, so focusable). */
function Value({ text }: { text: string }) {
  return text.includes('\n') ? (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: the table scrolls sideways, and a scrolling region must be focusable for keyboard users (axe: scrollable-region-focusable)
    <pre className={styles.table} tabIndex={0}>
      {text}
    </pre>
  ) : (
    <pre>{text}</pre>
  );
}

function Report({ report }: { report: StepCheckReport }) {
  const t = useText();
  const locale = useLocale();
  const say = (text: string) => localizeReportText(text, locale);
  const changed = !report.passed && (report.changedByLaterSteps?.length ?? 0) > 0;
  return (
    <div
      className={clsx(styles.report, report.passed ? styles.reportPassed : changed ? styles.reportChanged : styles.reportFailed)}
      data-report={report.passed ? 'passed' : changed ? 'changed-by-later-steps' : 'failed'}>
      <p className={styles.reportTitle}>
        {report.passed ? (
          <Translate id="lab.check.passed">✓ 检查通过</Translate>
        ) : changed ? (
          <Translate id="lab.check.changedTitle">ℹ 后面的步骤改变了这一步检查的内容</Translate>
        ) : (
          <Translate id="lab.check.failed">✗ 检查未通过</Translate>
        )}
      </p>
      {changed && <ChangedByLaterSteps steps={report.changedByLaterSteps!} />}
      <ul className={styles.checks}>
        {report.checks.map((c, i) => (
          <li key={i} className={c.passed ? styles.checkPassed : styles.checkFailed} data-outcome={c.passed && c.expectsFailure ? 'failed-as-expected' : undefined}>
            <span aria-hidden="true">{c.passed ? (c.expectsFailure ? '⊘ ' : '✓ ') : '✗ '}</span>
            <span className={styles.checkName}>{c.names?.[locale] ?? say(c.name)}</span>
            {/* A refusal the step expects (a blocked request, curl's exit 35) is not a request that went through. */}
            {c.passed && c.expectsFailure && <FailedAsExpected check={c} say={say} />}
            {c.heldBefore && (
              <span className={styles.asExpected}>
                {' '}
                <Translate id="lab.check.heldBefore">（这一步之前就已成立）</Translate>
              </span>
            )}
            {!c.passed && c.details.some((d) => !d.ok) && (
              <dl className={styles.expectedActual}>
                {c.details
                  .filter((d) => !d.ok)
                  .map((d, j) => (
                    <React.Fragment key={j}>
                      <dt className={styles.what}>{say(d.what)}</dt>
                      <dd>
                        <span className={styles.label}>
                          <Translate id="lab.check.expected">期望</Translate>
                        </span>
                        <Value text={readableValue(say(d.expected))} />
                        <span className={styles.label}>
                          <Translate id="lab.check.actual">实际</Translate>
                        </span>
                        <Value text={readableValue(locale === 'zh-Hans' && d.actualZh ? d.actualZh : say(d.actual))} />
                      </dd>
                    </React.Fragment>
                  ))}
              </dl>
            )}
            {/* The message repeats the comparisons above; show it when there are none (the check could not run). */}
            {c.message && !c.details.some((d) => !d.ok) && <p className={styles.checkMessage}>{say(c.message)}</p>}
            {c.request && <CheckRequest request={c.request} passed={c.passed} />}
          </li>
        ))}
      </ul>
      {report.failure && !report.checks.some((c) => c.message === report.failure) && <p className={styles.checkMessage}>{say(report.failure)}</p>}
      {/* Hints are about the learner's mistakes; a failure later steps caused is none. */}
      {!changed && report.hints.length > 0 && (
        <div className={styles.hints}>
          <strong>
            <Translate id="lab.check.hints">提示</Translate>
          </strong>
          <ul>
            {report.hints.map((h, i) => (
              <li key={i}>
                <InlineText text={t(h)} />
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}

/**
 * "Redo this step", where lab.yaml says how to undo it: offered once the step has been checked,
 * if every later step the learner did can be undone too (they are undone with it, latest first).
 */
function RedoButton({ step, state, busy }: { step: string; state: StepState; busy: boolean }) {
  const lab = useOptionalLabState()!;
  const [confirming, setConfirming] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const locale = useLocale();
  const index = lab.lab.steps.findIndex((s) => s.id === step);
  const later = lab.lab.steps.slice(index + 1).filter((s) => (lab.steps[s.id]?.status ?? 'pending') !== 'pending');
  if (state.status === 'pending' || !lab.lab.steps[index]?.canUndo || !later.every((s) => s.canUndo)) return null;
  const numbers = new Intl.ListFormat(locale, { type: 'conjunction' }).format(
    later.map((s) => String(lab.lab.steps.indexOf(s) + 1)),
  );
  return (
    <>
      <button
        ref={button}
        type="button"
        className="button button--outline button--secondary button--sm"
        onClick={() => !busy && setConfirming(true)}
        aria-disabled={busy}
        aria-busy={state.busy === 'redo'}
        data-redo-step>
        {state.busy === 'redo' ? <Translate id="lab.redo.running">正在撤销…</Translate> : <Translate id="lab.redo.button">重做这一步</Translate>}
      </button>
      <ConfirmDialog
        name="redo"
        open={confirming}
        returnFocus={button}
        title={
          <Translate id="lab.redo.title" values={{ n: index + 1 }}>
            {'重做第 {n} 步？'}
          </Translate>
        }
        message={
          later.length === 0 ? (
            <Translate id="lab.redo.confirm">这会在你的集群上撤销这一步做的改动，这一步回到未开始，你可以重新做一遍。</Translate>
          ) : (
            <Translate id="lab.redo.confirmLater" values={{ steps: numbers }}>
              {'这会在你的集群上撤销这一步，以及你在它之后做过的步骤（第 {steps} 步）；它们都回到未开始，你可以重新做一遍。'}
            </Translate>
          )
        }
        confirmLabel={<Translate id="lab.redo.yes">撤销并重做</Translate>}
        cancelLabel={<Translate id="lab.reset.cancel">取消</Translate>}
        onCancel={() => setConfirming(false)}
        onConfirm={() => {
          setConfirming(false);
          void lab.redo(step).then((ok) => {
            // The button is gone with the step's progress: the focus goes to the step's first command.
            const section = ok ? document.querySelector(`[data-lab="${lab.lab.id}"] [data-step="${step}"]`) : null;
            section?.querySelector<HTMLElement>('[data-run-button], button')?.focus();
          });
        }}
      />
    </>
  );
}

function StepButtons({ step, state }: { step: string; state: StepState }) {
  const lab = useOptionalLabState()!;
  const busy = state.busy !== undefined || lab.resetting;
  return (
    <div className={styles.actions}>
      {/* aria-disabled, not disabled, while busy: a disabled button drops the keyboard focus to the page. */}
      <button type="button" className="button button--primary button--sm" onClick={() => !busy && void lab.check(step)} aria-disabled={busy} aria-busy={state.busy === 'check'}>
        {state.busy === 'check' ? <Translate id="lab.step.checking">检查中…</Translate> : <Translate id="lab.step.check">检查</Translate>}
      </button>
      <button type="button" className="button button--secondary button--sm" onClick={() => !busy && void lab.solve(step)} aria-disabled={busy} aria-busy={state.busy === 'solve'}>
        <Translate id="lab.step.solve">解答</Translate>
      </button>
      <RedoButton step={step} state={state} busy={busy} />
    </div>
  );
}

export default function LabStep({ lab: labId, step: stepId }: LabStepProps): ReactNode {
  const step = useStep(labId, stepId);
  const t = useText();
  const lab = useOptionalLabState();
  const headingId = useId();
  const locale = useLocale();
  if (!step) {
    return (
      <div role="alert" className="alert alert--danger" data-step={stepId} data-status="pending">
        <Translate id="lab.step.missing" values={{ lab: labId, step: stepId }}>
          {'实验 {lab} 中没有步骤 {step}。'}
        </Translate>
      </div>
    );
  }
  const state: StepState = lab?.steps[stepId] ?? { status: 'pending', report: null };
  const index = lab ? lab.lab.steps.findIndex((s) => s.id === stepId) + 1 : 0;
  return (
    <section className={clsx(styles.step, styles[state.status])} data-step={stepId} data-status={state.status} aria-labelledby={headingId}>
      <header className={styles.header}>
        <h3 id={headingId} className={styles.title}>
          {index > 0 && <span className={styles.number}>{index}. </span>}
          {t(step.title)}
        </h3>
        <span className={clsx('badge', state.status === 'passed' ? 'badge--success' : state.status === 'failed' ? 'badge--danger' : 'badge--secondary')} data-status-badge>
          {STATUS_TEXT[state.status]()}
        </span>
      </header>
      {t(step.text)
        .split(/\n\s*\n/)
        .filter((p) => p.trim())
        .map((p, i) => (
          <p key={i}>
            <InlineText text={p} />
          </p>
        ))}
      {step.files.map((f) => (
        <Details key={f.path} summary={<summary>{f.path}</summary>} className={styles.file}>
          <CodeBlock language={f.language} title={f.path}>
            {f.content}
          </CodeBlock>
        </Details>
      ))}
      {step.alternatives.map((a, i) => (
        <Details key={`alt-${i}`} summary={<summary>{t(a.title)}</summary>} className={styles.file}>
          {t(a.text)
            .split(/\n\s*\n/)
            .filter((p) => p.trim())
            .map((p, j) => (
              <p key={j}>
                <InlineText text={p} />
              </p>
            ))}
          {a.files.map((f) => (
            <CodeBlock key={f.path} language={f.language} title={f.path}>
              {f.content}
            </CodeBlock>
          ))}
        </Details>
      ))}
      {step.commands.map((c, i) => (
        <div key={i} className={styles.command}>
          <div className={styles.commandCode} id={`${headingId}-cmd-${i}`}>
            <CodeBlock language="bash">{c}</CodeBlock>
          </div>
          {lab && <RunButton command={c} describedBy={`${headingId}-cmd-${i}`} />}
        </div>
      ))}
      {lab && <StepButtons step={stepId} state={state} />}
      <div aria-live="polite" className={styles.live}>
        {state.error && (
          <p role="alert" className={styles.opError}>
            {localizeReportText(state.error, locale)}
          </p>
        )}
        {state.report && <Report report={state.report} />}
      </div>
    </section>
  );
}
