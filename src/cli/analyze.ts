import type { Command } from 'commander';
import { ANALYSES, runAnalysis } from '../analysis/index.ts';
import type { AnalysisResult } from '../analysis/result.ts';
import { parseRunDate } from '../common/dates.ts';
import { ConfigError } from '../common/errors.ts';
import { withWarehouse } from '../warehouse/adapter.ts';
import { cliContext, printTable } from './context.ts';

interface AnalyzeOptions {
  from?: string;
  to?: string;
  state?: string[];
  category?: string[];
  chain?: string[];
  threshold?: string;
  reference?: string;
  correction?: string;
  includeChains?: boolean;
  alpha?: string;
  seed?: string;
  json?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

function number(flag: string, value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n))
    throw new ConfigError(`Invalid ${flag} "${value}": expected a number`);
  return n;
}

/** Command-line flags to analysis parameters (runAnalysis refuses those the analysis does not take). */
function toParams(options: AnalyzeOptions): Record<string, unknown> {
  const raw: Record<string, unknown> = {
    from: options.from === undefined ? undefined : parseRunDate(options.from, '--from'),
    to: options.to === undefined ? undefined : parseRunDate(options.to, '--to'),
    state: options.state,
    category: options.category,
    chain: options.chain,
    threshold: options.threshold === undefined ? undefined : number('--threshold', options.threshold),
    reference: options.reference === undefined ? undefined : number('--reference', options.reference),
    correction: options.correction,
    includeChains: options.includeChains,
    alpha: options.alpha === undefined ? undefined : number('--alpha', options.alpha),
    seed: options.seed === undefined ? undefined : number('--seed', options.seed),
  };
  return raw;
}

const num = (v: number | null) =>
  v === null ? '' : Math.abs(v) >= 1000 ? v.toFixed(0) : Number(v.toPrecision(4)).toString();

function printResult(result: AnalysisResult): void {
  console.log(result.title);
  const window = result.window ? `${result.window.from} to ${result.window.to}, ` : '';
  console.log(`${window}n = ${result.n} ${result.unit}\n`);
  console.log(result.sentence);
  console.log('\nEstimates');
  printTable(
    result.estimates.map((e) => ({
      estimate: e.group,
      group: e.label,
      value: num(e.value),
      '95% CI': e.ciLow === null || e.ciHigh === null ? '' : `${num(e.ciLow)} – ${num(e.ciHigh)}`,
      n: e.n,
    })),
  );
  if (result.tests.length > 0) {
    console.log('\nTests');
    printTable(
      result.tests.map((t) => ({
        test: t.name,
        statistic: `${t.statisticName} = ${num(t.statistic)}`,
        df: t.df.map((d) => num(d)).join(', '),
        p: t.pValue < 0.001 ? '< 0.001' : t.pValue.toFixed(3),
        [`α = ${t.alpha}`]: t.significant ? 'significant' : 'not significant',
        'effect size': t.effectSize ? `${t.effectSize.name} = ${num(t.effectSize.value)}` : '',
      })),
    );
  }
  if (result.findings.length > 0) {
    console.log("\nThe original's findings");
    for (const f of result.findings)
      console.log(`- ${f.claim}: ${f.holds ? 'holds' : 'does not hold'} (${f.evidence})`);
  }
  for (const note of result.notes) console.log(`note: ${note}`);
}

export function registerAnalyzeCommand(program: Command): void {
  program
    .command('analyze')
    .description('Run one of the statistical analyses over the warehouse marts')
    .argument('<name>', 'the analysis (listed below)')
    .option('--from <YYYY-MM-DD>', 'first holding date of the window (default: 30 days before --to)')
    .option('--to <YYYY-MM-DD>', 'last holding date of the window (default: the latest in the warehouse)')
    .option(
      '--state <code>',
      'a state to keep (repeatable); state-daily-change: the two states compared',
      collect,
    )
    .option('--category <alias>', 'a top-level category to keep, e.g. restaurants (repeatable)', collect)
    .option('--chain <name>', 'chain-review-days: the two chains compared (repeat twice)', collect)
    .option('--threshold <percent>', 'review-rise-share: the rise that counts, in percent (15)')
    .option('--reference <share>', 'review-rise-share: the reference share tested against (0.05)')
    .option('--correction <holm|bh>', 'review-rise-share: multiple-testing correction across states (holm)')
    .option('--include-chains', 'payment-level, review-count-regression: keep chain locations')
    .option('--alpha <level>', 'significance level (0.05)')
    .option('--seed <n>', 'bootstrap seed (1)')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `\nAnalyses:\n${ANALYSES.map((a) => `  ${a.name.padEnd(26)}${a.description}`).join('\n')}`,
    )
    .action(async (name: string, options: AnalyzeOptions, command: Command) => {
      const { settings } = cliContext(command);
      const params = toParams(options);
      const result = await withWarehouse(settings, (warehouse) => runAnalysis(warehouse, name, params));
      if (options.json) console.log(JSON.stringify(result, null, 2));
      else printResult(result);
    });
}
