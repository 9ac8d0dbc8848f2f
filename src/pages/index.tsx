// Landing page: what meshlab is, and one click into the first lab.
import { useState, type FormEvent, type ReactNode } from 'react';
import Link from '@docusaurus/Link';
import { useHistory } from '@docusaurus/router';
import Translate, { translate } from '@docusaurus/Translate';
import useBaseUrl from '@docusaurus/useBaseUrl';
import Layout from '@theme/Layout';
import { useLabsWithPages, useText } from '@site/src/labs/use-labs.ts';
import styles from './index.module.css';

const FEATURES = [
  {
    title: <Translate id="home.feature.terminal.title">真正的终端</Translate>,
    text: (
      <Translate id="home.feature.terminal.text">
        每个实验步骤旁边都有一个浏览器终端，连着属于你自己的集群：kubectl、helm 和 curl 都是真的。
      </Translate>
    ),
  },
  {
    title: <Translate id="home.feature.check.title">检查每一步</Translate>,
    text: (
      <Translate id="home.feature.check.text">
        “检查”按钮在你的集群上验证结果，并告诉你期望什么、实际看到了什么，以及下一步该怎么做。
      </Translate>
    ),
  },
  {
    title: <Translate id="home.feature.verified.title">不会过时的教程</Translate>,
    text: (
      <Translate id="home.feature.verified.text">
        页面上的命令和清单来自与持续集成相同的实验文件，每次提交都由 meshlab verify 执行一遍。
      </Translate>
    ),
  },
];

/** Every lab that has a page, from labs/ (a new lab appears here with no edit). */
function LabList(): ReactNode {
  const labs = useLabsWithPages();
  const text = useText();
  if (labs.length === 0) return null;
  return (
    <section className="margin-bottom--lg" data-testid="lab-list">
      <h2>
        <Translate id="home.labs.title">实验</Translate>
      </h2>
      <ul className={styles.labs}>
        {labs.map((lab) => (
          <li key={lab.id}>
            <Link to={`/docs/${lab.id}`}>{text(lab.title)}</Link>
            <span className={styles.minutes}>
              {' · '}
              <Translate id="home.labs.minutes" values={{ minutes: lab.estimatedMinutes }}>
                {'约 {minutes} 分钟'}
              </Translate>
            </span>
            <p>{text(lab.summary)}</p>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** An attendee types the code the instructor shows and goes on to the join page for a name. */
function WorkshopCode(): ReactNode {
  const [code, setCode] = useState('');
  const history = useHistory();
  const joinPath = useBaseUrl('/workshop/join');
  function go(e: FormEvent) {
    e.preventDefault();
    history.push(`${joinPath}?code=${encodeURIComponent(code.trim().toUpperCase())}`);
  }
  return (
    <section className={`margin-bottom--lg ${styles.workshop}`} aria-labelledby="workshop-code-heading">
      <h2 id="workshop-code-heading" className={styles.featureTitle}>
        <Translate id="home.workshop.title">参加工作坊？</Translate>
      </h2>
      <form onSubmit={go} className={styles.workshopForm}>
        <label htmlFor="workshop-code">
          <Translate id="home.workshop.code">输入讲师给出的加入码</Translate>
        </label>
        <input
          id="workshop-code"
          name="code"
          value={code}
          onChange={(e) => setCode(e.target.value)}
          required
          pattern="[A-Za-z0-9]{4,12}"
          maxLength={12}
          autoComplete="off"
          autoCapitalize="characters"
          spellCheck={false}
          size={10}
        />
        <button type="submit" className="button button--primary button--sm">
          <Translate id="home.workshop.join">加入</Translate>
        </button>
      </form>
    </section>
  );
}

export default function Home(): ReactNode {
  return (
    <Layout
      title={translate({ id: 'home.title', message: '动手学习服务网格' })}
      description={translate({ id: 'home.description', message: 'meshlab：在自己的集群上动手练习 Kubernetes 与 Istio 的交互式实验。' })}>
      <header className={styles.hero}>
        <div className="container">
          <h1 className={styles.title}>meshlab</h1>
          <p className={styles.tagline}>
            <Translate id="home.tagline">在自己的集群上，一步一步学会 Istio 如何管理进出网格的流量。</Translate>
          </p>
          <div className={styles.buttons}>
            <Link className={`button button--lg ${styles.start}`} to="/docs/ingress-gateway">
              <Translate id="home.start">开始第一个实验：入口网关</Translate>
            </Link>
            <Link className={`button button--lg button--outline ${styles.secondary}`} to="/docs/traffic-overview">
              <Translate id="home.overview">先读概览</Translate>
            </Link>
          </div>
        </div>
      </header>
      <main className="container margin-vert--lg">
        <div className="row">
          {FEATURES.map((f, i) => (
            <section key={i} className="col col--4 margin-bottom--lg">
              <h2 className={styles.featureTitle}>{f.title}</h2>
              <p>{f.text}</p>
            </section>
          ))}
        </div>
        <LabList />
        <WorkshopCode />
      </main>
    </Layout>
  );
}
