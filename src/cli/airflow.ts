import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { ConfigError } from '../common/errors.ts';
import { airflowDag } from '../orchestrator/airflow.ts';
import { loadGraph } from '../orchestrator/execute.ts';
import { cliContext } from './context.ts';
import { graphOption } from './pipeline-options.ts';

export function registerAirflowCommands(program: Command): void {
  const airflow = program.command('airflow').description('Run Gourmand on Apache Airflow');
  graphOption(
    airflow
      .command('export')
      .description(
        'Write an Airflow 2 DAG file: one task per graph task, same dependencies, retries and schedule',
      )
      .requiredOption('--out <dir>', 'folder to write <dag-id>.py into (e.g. the Airflow dags folder)')
      .option('--dag-id <id>', 'DAG id', 'gourmand_daily')
      .option('--command <cmd>', 'how Airflow workers invoke Gourmand', 'gourmand')
      .option('--work-dir <dir>', 'working folder of every task (default: this one)'),
  ).action(
    async (
      options: { out: string; dagId: string; command: string; graph?: string; workDir?: string },
      command: Command,
    ) => {
      if (!/^[A-Za-z0-9_.-]+$/.test(options.dagId)) {
        throw new ConfigError(`Invalid --dag-id "${options.dagId}": use letters, digits, "_", "." or "-"`);
      }
      const { settings } = cliContext(command);
      const graph = await loadGraph(options.graph);
      const text = airflowDag(graph, settings, {
        dagId: options.dagId,
        command: options.command,
        taskArgs: options.graph ? `--graph ${path.resolve(options.graph)}` : undefined,
        stateDir: path.resolve(settings.stateDir),
        workDir: path.resolve(options.workDir ?? '.'),
      });
      mkdirSync(options.out, { recursive: true });
      const file = path.join(options.out, `${options.dagId}.py`);
      writeFileSync(file, text);
      console.log(`Wrote ${file} (${graph.length} tasks).`);
    },
  );
}
