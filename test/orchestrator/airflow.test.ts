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
names, tasks, edges, dag, consts = {}, {}, [], {}, {}
for node in tree.body:
    if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
        try:
            consts[node.targets[0].id] = ast.literal_eval(node.value)
        except ValueError:
            pass
def const(node):
    if isinstance(node, ast.Name):
        return consts[node.id]
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
    tasks: Record<
      string,
      {
        task_id: string;
        bash_command: string;
        retries?: number;
        env: Record<string, string>;
        append_env: boolean;
        cwd: string;
        doc: string;
      }
    >;
    edges: [string, string][];
    dag: Record<string, string>;
  };
}

const graphEdges = (graph: ReturnType<typeof validateGraph>) =>
  graph.flatMap((task) => task.dependsOn.map((dep) => [dep, task.name])).sort();

describe('Airflow export', () => {
  it('writes a DAG with the daily graph’s task ids, dependencies, retries and schedule', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gourmand-airflow-'));
    const env = {
      GOURMAND_STATE_DIR: dir,
      SCHEDULE_CRON: '15 6 * * *',
      SCHEDULE_TZ: 'Europe/Paris',
      TASK_ATTEMPTS: '4',
      TASK_BACKOFF_MS: '5000',
    };
    const result = await gourmand(['airflow', 'export', '--out', path.join(dir, 'dags')], env);
    expect(result.code).toBe(0);
    const file = path.join(dir, 'dags', 'gourmand_daily.py');
    expect(result.stdout).toContain(`Wrote ${file}`);
    const dag = parseDag(file);
    const graph = validateGraph(dailyGraph());
    expect(Object.keys(dag.tasks).sort()).toEqual(graph.map((t) => t.name).sort());
    expect(dag.edges.sort()).toEqual(graphEdges(graph));
    for (const task of graph) {
      expect(dag.tasks[task.name]).toMatchObject({
        bash_command: `gourmand task run ${task.name} --date {{ data_interval_end.in_timezone("Europe/Paris") | ds }}`,
        // Every task shares the state folder and working folder, whatever folder Airflow gives it.
        env: { GOURMAND_STATE_DIR: dir },
        append_env: true,
        cwd: process.cwd(),
      });
      expect(dag.tasks[task.name]!.retries).toBe(task.attempts === undefined ? undefined : task.attempts - 1);
      expect(dag.tasks[task.name]!.doc).toMatch(/Settings: GOURMAND_STATE_DIR, DATABASE_URL/);
    }
    expect(dag.tasks.lake_export!.doc).toContain('LAKE_URL');
    expect(dag.tasks.extract_yelp!.doc).toContain('YELP_API_KEY');
    expect(dag.dag.schedule).toBe("'15 6 * * *'");
    expect(dag.dag.dag_id).toBe("'gourmand_daily'");
    expect(dag.dag.start_date).toContain("tz='Europe/Paris'");
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('"retries": 3,');
    expect(text).toContain('"retry_delay": timedelta(milliseconds=5000),');
    expect(text).toContain('"on_failure_callback": notify_failure,');
  });

  it('keeps diamonds and per-task retry overrides of any graph', async () => {
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
        stateDir: '/srv/state',
        workDir: '/srv',
      }),
    );
    const dag = parseDag(file);
    expect(dag.edges.sort()).toEqual(graphEdges(validateGraph(graph)));
    expect(dag.tasks['report-2']).toMatchObject({
      retries: 0,
      bash_command:
        'npx gourmand task run report-2 --date {{ data_interval_end.in_timezone("UTC") | ds }} --graph /srv/graph.ts',
    });
    expect(dag.dag.catchup).toBe('False');
    expect(dag.dag.start_date).toBe("pendulum.datetime(2026, 11, 25, tz='UTC')");
  });
});

// Renders a template the way Airflow does for a scheduled run, without Airflow: jinja2 with
// Airflow's `ds` filter (airflow/templates.py: value.strftime("%Y-%m-%d")) and a context whose
// data_interval_* are pendulum-like datetimes (in_timezone), `ds` being data_interval_start's day.
const render = `
import datetime, json, sys, zoneinfo
import jinja2
class DateTime(datetime.datetime):
    def in_timezone(self, tz):
        return self.astimezone(zoneinfo.ZoneInfo(tz))
template, start, end = sys.argv[1:4]
start = DateTime.fromisoformat(start)
end = DateTime.fromisoformat(end)
env = jinja2.Environment(undefined=jinja2.StrictUndefined)
env.filters["ds"] = lambda value: value.strftime("%Y-%m-%d")
context = {"data_interval_start": start, "data_interval_end": end, "logical_date": start, "ds": start.strftime("%Y-%m-%d")}
print(env.from_string(template).render(**context))
`;

describe('the run date: one meaning for the scheduler and Airflow', () => {
  it('a firing pulls the data of its own day, in the schedule’s time zone, under both executors', async () => {
    const { Scheduler } = await import('../../src/orchestrator/scheduler.ts');
    const dir = mkdtempSync(path.join(tmpdir(), 'gourmand-airflow-'));
    const settings = testSettings({ SCHEDULE_CRON: '30 0 * * *', SCHEDULE_TZ: 'America/New_York' });
    const file = path.join(dir, 'dag.py');
    writeFileSync(
      file,
      airflowDag(dailyGraph(), settings, { dagId: 'd', command: 'gourmand', stateDir: dir, workDir: dir }),
    );
    const command = parseDag(file).tasks.load_yelp!.bash_command;
    // The firing of 2026-12-01 00:30 in New York (05:30 UTC) closes the interval that began a day earlier.
    const start = '2026-11-30T05:30:00+00:00';
    const end = '2026-12-01T05:30:00+00:00';
    const rendered = execFileSync('python3', ['-c', render, command, start, end], {
      encoding: 'utf8',
    }).trim();
    expect(rendered).toBe('gourmand task run load_yelp --date 2026-12-01');
    // Airflow's {{ ds }} for the same run is the interval's start: the day before.
    expect(execFileSync('python3', ['-c', render, '{{ ds }}', start, end], { encoding: 'utf8' }).trim()).toBe(
      '2026-11-30',
    );
    const scheduler = new Scheduler({
      settings,
      database: undefined as never,
      log: undefined as never,
      runDate: async () => undefined as never,
    });
    expect(scheduler.runDateOf(new Date(end))).toBe('2026-12-01');
  });

  it('does not catch up against live APIs (they only answer with today’s state)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gourmand-airflow-'));
    const live = testSettings({ YELP_API_KEY: 'k', CENSUS_API_KEY: 'k', SCHEDULE_CATCHUP_DAYS: '7' });
    const file = path.join(dir, 'dag.py');
    writeFileSync(
      file,
      airflowDag(dailyGraph(), live, { dagId: 'd', command: 'g', stateDir: dir, workDir: dir }),
    );
    expect(parseDag(file).dag.catchup).toBe('False');
    const simulated = testSettings({ SCHEDULE_CATCHUP_DAYS: '7' });
    writeFileSync(
      file,
      airflowDag(dailyGraph(), simulated, { dagId: 'd', command: 'g', stateDir: dir, workDir: dir }),
    );
    expect(parseDag(file).dag.catchup).toBe('True');
  });
});

describe('the exported DAG’s tasks, each run as Airflow would', () => {
  it('each `gourmand task run` from its own empty folder with the DAG’s environment gives the tables of `gourmand run`', {
    timeout: 900_000,
  }, async () => {
    const { openPglite } = await import('../../src/oltp/database.ts');
    const { sourceTables, warehouseTables } = await import('./workers.ts');
    const date = '2026-12-01';
    // Two states' counties, not the country's: each task's process pulls seconds, not a minute.
    const common = {
      SIM_BUSINESSES: '1000',
      SIM_CENSUS_STATES: 'CA,NV',
      LOG_LEVEL: 'warn',
      TASK_BACKOFF_MS: '10',
    };
    const airflowState = mkdtempSync(path.join(tmpdir(), 'gourmand-airflow-state-'));
    const dagDir = mkdtempSync(path.join(tmpdir(), 'gourmand-airflow-dags-'));
    expect(
      (
        await gourmand(['airflow', 'export', '--out', dagDir], {
          ...common,
          GOURMAND_STATE_DIR: airflowState,
        })
      ).code,
    ).toBe(0);
    const dag = parseDag(path.join(dagDir, 'gourmand_daily.py'));
    // The interval whose end is the firing of `date` (SCHEDULE_CRON 30 12 * * * in UTC).
    const interval = ['2026-11-30T12:30:00+00:00', '2026-12-01T12:30:00+00:00'];
    // The reference `gourmand run`, in a state folder of its own, runs beside the tasks.
    const runState = mkdtempSync(path.join(tmpdir(), 'gourmand-airflow-run-'));
    const reference = gourmand(['run', '--date', date], { ...common, GOURMAND_STATE_DIR: runState });
    for (const task of validateGraph(dailyGraph())) {
      const spec = dag.tasks[task.name]!;
      const rendered = execFileSync('python3', ['-c', render, spec.bash_command, ...interval], {
        encoding: 'utf8',
      });
      const [command, ...args] = rendered.trim().split(' ');
      expect(command).toBe('gourmand');
      // Airflow gives each task a fresh temporary folder; only the DAG's environment is shared.
      const folder = mkdtempSync(path.join(tmpdir(), 'gourmand-airflow-task-'));
      const result = await gourmand(args, { ...common, ...spec.env }, folder);
      expect(result.code, `${task.name}: ${result.stdout}\n${result.stderr}`).toBe(0);
    }
    const run = await reference;
    expect(run.code, run.stderr).toBe(0);
    const dump = async (state: string) => {
      const database = await openPglite(path.join(state, 'pglite'));
      try {
        return await sourceTables(database);
      } finally {
        await database.close();
      }
    };
    expect(await dump(airflowState)).toEqual(await dump(runState));
    const warehouse = (state: string) =>
      warehouseTables({ warehouseUrl: `duckdb://${path.join(state, 'warehouse.duckdb')}` } as never);
    expect(await warehouse(airflowState)).toEqual(await warehouse(runState));

    // A date never pulled: the load fails in one line naming what is missing and where it looked.
    const missing = await gourmand(['task', 'run', 'load_yelp', '--date', '2026-12-05'], {
      ...common,
      GOURMAND_STATE_DIR: airflowState,
    });
    expect(missing.code).toBe(1);
    const expected = `The Yelp pull of 2026-12-05 is missing: looked for ${path.join(airflowState, 'raw', 'yelp', '2026-12-05', 'counties')} (run extract_yelp for this date first)`;
    expect(missing.stdout).toContain(expected);
    expect(missing.stdout.split('\n').filter((line) => line.includes('missing'))).toHaveLength(1);
  });
});
