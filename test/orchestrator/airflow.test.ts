import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { airflowDag } from '../../src/orchestrator/airflow.ts';
import { validateGraph } from '../../src/orchestrator/graph.ts';
import { dailyGraph } from '../../src/orchestrator/pipeline.ts';
import { gourmand } from '../support/cli.ts';
import { testSettings } from '../support/settings.ts';
import { graph as diamond } from './fixtures/diamond-graph.ts';

// Reads a DAG file the way Airflow's parser would see its structure, without Airflow: the
// BashOperator calls (task_id, bash_command, retries), the `a >> b` edges and the DAG arguments.
const inspect = `
import ast, json, sys
tree = ast.parse(open(sys.argv[1]).read())
names, tasks, edges, dag = {}, {}, [], {}
def const(node):
    return ast.literal_eval(node) if not isinstance(node, ast.Call) else ast.unparse(node)
for node in ast.walk(tree):
    if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and getattr(node.value.func, "id", "") == "BashOperator":
        kw = {k.arg: const(k.value) for k in node.value.keywords}
        names[node.targets[0].id] = kw["task_id"]
        tasks[kw["task_id"]] = kw
    if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "DAG":
        dag = {k.arg: ast.unparse(k.value) for k in node.keywords}
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.BinOp) and isinstance(node.value.op, ast.RShift):
        edges.append([node.value.left.id, node.value.right.id])
print(json.dumps({"tasks": tasks, "edges": [[names[a], names[b]] for a, b in edges], "dag": dag}))
`;

function parseDag(file: string) {
  const script = path.join(path.dirname(file), 'inspect.py');
  writeFileSync(script, inspect);
  // The brief's own check first: the file is valid Python.
  execFileSync('python3', ['-c', 'import ast, sys; ast.parse(open(sys.argv[1]).read())', file]);
  return JSON.parse(execFileSync('python3', [script, file], { encoding: 'utf8' })) as {
    tasks: Record<string, { task_id: string; bash_command: string; retries?: number }>;
    edges: [string, string][];
    dag: Record<string, string>;
  };
}

const graphEdges = (graph: ReturnType<typeof validateGraph>) =>
  graph.flatMap((task) => task.dependsOn.map((dep) => [dep, task.name])).sort();

describe('Airflow export', () => {
  it('writes a DAG with the daily graph’s task ids, dependencies, retries and schedule', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gourmand-airflow-'));
    const env = {
      GOURMAND_STATE_DIR: dir,
      SCHEDULE_CRON: '15 6 * * *',
      SCHEDULE_TZ: 'Europe/Paris',
      TASK_ATTEMPTS: '4',
      TASK_BACKOFF_MS: '5000',
    };
    const result = gourmand(['airflow', 'export', '--out', path.join(dir, 'dags')], env);
    expect(result.code).toBe(0);
    const file = path.join(dir, 'dags', 'gourmand_daily.py');
    expect(result.stdout).toContain(`Wrote ${file}`);
    const dag = parseDag(file);
    const graph = validateGraph(dailyGraph());
    expect(Object.keys(dag.tasks).sort()).toEqual(graph.map((t) => t.name).sort());
    expect(dag.edges.sort()).toEqual(graphEdges(graph));
    for (const task of graph) {
      expect(dag.tasks[task.name]!.bash_command).toBe(`gourmand task run ${task.name} --date {{ ds }}`);
      expect(dag.tasks[task.name]!.retries).toBe(task.attempts === undefined ? undefined : task.attempts - 1);
    }
    expect(dag.dag.schedule).toBe("'15 6 * * *'");
    expect(dag.dag.dag_id).toBe("'gourmand_daily'");
    expect(dag.dag.start_date).toContain("tz='Europe/Paris'");
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('"retries": 3,');
    expect(text).toContain('"retry_delay": timedelta(milliseconds=5000),');
    expect(text).toContain('"on_failure_callback": notify_failure,');
  });

  it('keeps diamonds and per-task retry overrides of any graph', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gourmand-airflow-'));
    const graph = [
      ...diamond(),
      { name: 'report-2', dependsOn: ['publish'], attempts: 1, run: async () => ({}) },
    ];
    const file = path.join(dir, 'diamond.py');
    writeFileSync(
      file,
      airflowDag(graph, testSettings({ SCHEDULE_CATCHUP_DAYS: '0' }), {
        dagId: 'diamond',
        command: 'npx gourmand',
        taskArgs: '--graph /srv/graph.ts',
        today: '2026-11-25',
      }),
    );
    const dag = parseDag(file);
    expect(dag.edges.sort()).toEqual(graphEdges(validateGraph(graph)));
    expect(dag.tasks['report-2']).toMatchObject({
      retries: 0,
      bash_command: 'npx gourmand task run report-2 --date {{ ds }} --graph /srv/graph.ts',
    });
    expect(dag.dag.catchup).toBe('False');
    expect(dag.dag.start_date).toBe("pendulum.datetime(2026, 11, 25, tz='UTC')");
  });
});
