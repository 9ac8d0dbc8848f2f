// A scripted CommandRunner for tests: answers by the command's first words and records every call.
import type { CommandResult, CommandRunner } from './command-runner.ts';

export type FakeAnswer = Partial<CommandResult> | ((argv: string[]) => Partial<CommandResult>);

export class FakeRunner implements CommandRunner {
  readonly calls: string[][] = [];
  constructor(private readonly answers: Record<string, FakeAnswer> = {}) {}

  async run(argv: string[]): Promise<CommandResult> {
    this.calls.push(argv);
    // Programs are matched by base name: kubectl and helm are found as absolute paths.
    const line = [argv[0]?.split('/').pop() ?? '', ...argv.slice(1)].join(' ');
    const key = Object.keys(this.answers)
      .filter((k) => line.startsWith(k))
      .sort((a, b) => b.length - a.length)[0];
    const answer = key === undefined ? {} : this.answers[key];
    const partial = typeof answer === 'function' ? answer(argv) : answer ?? {};
    return { code: 0, stdout: '', stderr: '', ...partial };
  }
}
