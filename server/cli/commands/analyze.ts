// `meshlab analyze`: meshlab's analyzer (the checks and messages of `istioctl analyze`) against the
// cluster of a kubeconfig, printed and exiting as istioctl does.
import type { Command } from 'commander';
import { analyze } from '../../sim/analyze/analyzer.ts';
import { collectSnapshot, currentNamespace, loadKubeConfig } from '../../sim/analyze/collect.ts';
import { formatAnalysis, type Formatted } from '../../sim/analyze/format.ts';
import type { Level } from '../../sim/analyze/messages.ts';

export interface AnalyzeCliOptions {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  allNamespaces?: boolean;
  failureThreshold?: Level;
  outputThreshold?: Level;
}

const LEVELS: Level[] = ['Info', 'Warning', 'Error'];

function level(flag: string, v: string | undefined): Level | undefined {
  if (v === undefined) return undefined;
  const l = LEVELS.find((x) => x.toLowerCase() === v.toLowerCase());
  if (!l) throw new Error(`--${flag} must be one of ${LEVELS.join(', ')} (got ${JSON.stringify(v)})`);
  return l;
}

export async function runAnalyze(o: AnalyzeCliOptions): Promise<Formatted> {
  const kc = loadKubeConfig(o.kubeconfig, o.context);
  const namespace = o.allNamespaces ? undefined : (o.namespace ?? currentNamespace(kc));
  const snapshot = await collectSnapshot(kc);
  return formatAnalysis(analyze(snapshot, { namespace }), { namespace, failureThreshold: level('failure-threshold', o.failureThreshold), outputThreshold: level('output-threshold', o.outputThreshold) });
}

export function register(program: Command): void {
  program
    .command('analyze')
    .description("Analyze the Istio configuration of a cluster with meshlab's analyzer (istioctl analyze's checks, codes and output)")
    .option('-n, --namespace <ns>', 'namespace to analyze (default: the kubeconfig context namespace)')
    .option('-A, --all-namespaces', 'analyze all namespaces')
    .option('--kubeconfig <file>', 'kubeconfig of the cluster (default $KUBECONFIG or ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context to use')
    .option('--failure-threshold <level>', 'lowest level that makes the exit code non-zero: Info, Warning, Error', 'Error')
    .option('--output-threshold <level>', 'lowest level printed: Info, Warning, Error', 'Info')
    .action(async (opts: AnalyzeCliOptions) => {
      const r = await runAnalyze(opts);
      process.stdout.write(r.stdout);
      process.stderr.write(r.stderr);
      process.exitCode = r.exitCode;
    });
}
