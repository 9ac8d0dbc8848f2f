// `meshlab doctor`: which tools and drivers are usable here, and for each that is not, why and
// what to do about it.
import type { Command } from 'commander';
import { createDriver } from '../../drivers/registry.ts';
import type { DriverName } from '../../drivers/types.ts';
import { describeTool, type ToolName } from '../../tools/binaries.ts';
import { DRIVER_NAMES } from '../options.ts';

const TOOLS: { name: ToolName; for: string }[] = [
  { name: 'kubectl', for: 'terminals and the runner' },
  { name: 'helm', for: 'terminals (the egress-gateway lab) and the kind driver' },
  { name: 'curl', for: 'terminals and HTTP checks' },
  { name: 'bwrap', for: 'sandboxing terminals and kubectl exec' },
  { name: 'proxychains4', for: 'routing in-cluster traffic through simulated sidecars (embedded driver)' },
];

export interface DoctorReport {
  tools: { name: ToolName; for: string; ok: boolean; detail: string }[];
  drivers: { name: DriverName; ok: boolean; problems: { message: string; fix: string }[] }[];
}

export async function doctorReport(): Promise<DoctorReport> {
  const tools = TOOLS.map((t) => {
    const info = describeTool(t.name);
    const detail = info.path
      ? `${info.path}${info.version ? ` (${info.version})` : ''}${info.source ? `, from ${info.source}` : ''}${info.skipped ? `; passed over ${info.skipped}` : ''}`
      : info.problem ?? 'not found';
    return { name: t.name, for: t.for, ok: Boolean(info.path), detail };
  });
  const drivers: DoctorReport['drivers'] = [];
  for (const name of DRIVER_NAMES) {
    try {
      const driver = await createDriver(name, {});
      const result = await driver.preflight();
      drivers.push({ name, ok: result.ok, problems: result.problems });
    } catch (err) {
      drivers.push({ name, ok: false, problems: [{ message: (err as Error).message, fix: `see \`meshlab cluster up --driver ${name} --help\`` }] });
    }
  }
  return { tools, drivers };
}

export function register(program: Command): void {
  program
    .command('doctor')
    .description('say which tools and cluster drivers are usable here, and why not')
    .option('--json', 'print the report as JSON', false)
    .action(async (opts: { json: boolean }) => {
      const report = await doctorReport();
      if (opts.json) {
        console.log(JSON.stringify(report, null, 2));
        return;
      }
      console.log('Tools');
      for (const t of report.tools) console.log(`  ${t.ok ? 'ok  ' : 'MISSING'} ${t.name.padEnd(13)} ${t.detail}\n         used for ${t.for}`);
      console.log('\nDrivers');
      for (const d of report.drivers) {
        console.log(`  ${d.ok ? 'ok  ' : 'NO  '} ${d.name}`);
        for (const p of d.problems) console.log(`         ${p.message}\n         fix: ${p.fix}`);
      }
      if (!report.drivers.find((d) => d.name === 'embedded')?.ok) process.exitCode = 1;
    });
}
