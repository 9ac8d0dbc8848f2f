// The old address of a lab that now lives in a tab of a chapter's page (/docs/ingress-gateway-api):
// it goes on to that page with the tab selected (/docs/ingress-gateway?api=gateway-api), keeping
// the address's #anchor. Without JavaScript, the refresh and the link do the same.
import { useEffect, type ReactNode } from 'react';
import Head from '@docusaurus/Head';
import Link from '@docusaurus/Link';
import Translate from '@docusaurus/Translate';
import useBaseUrl from '@docusaurus/useBaseUrl';
import { useHistory, useLocation } from '@docusaurus/router';
import Layout from '@theme/Layout';

export default function LabRedirect({ to }: { to: string }): ReactNode {
  const target = useBaseUrl(to);
  const history = useHistory();
  const { hash } = useLocation();
  useEffect(() => {
    history.replace(`${target}${hash}`);
  }, [history, target, hash]);
  return (
    <Layout>
      <Head>
        <meta name="robots" content="noindex" />
        <meta httpEquiv="refresh" content={`0; url=${target}`} />
        <link rel="canonical" href={target} />
      </Head>
      <main className="container margin-vert--xl" data-lab-redirect={to}>
        <p>
          <Translate id="lab.redirect.text" values={{ link: <Link to={to}>{target}</Link> }}>
            {'这个实验现在是本章页面上的一个标签页：{link}'}
          </Translate>
        </p>
      </main>
    </Layout>
  );
}
