import { useState } from 'preact/hooks';
import { LineageGraph } from '../lib/lineage-view.ts';
import { Alerts, Attempts, Checks, Gantt, Logs } from '../lib/run-view.ts';
import type { Check, Freshness, Lineage, LogLine, Run, RunCell, RunDetail } from '../lib/types.ts';
import { Empty, html, mount, Scroll, show, useApi, useQueryState } from '../lib/ui.ts';

type GridRun = Run & { tasks: RunCell[] };

function Grid({
  runs,
  selected,
  select,
}: {
  runs: GridRun[];
  selected: number;
  select: (id: number) => void;
}) {
  const ordered = [...runs].reverse();
  const tasks = [...new Set(ordered.flatMap((r) => r.tasks.map((t) => t.task)))].sort();
  return html`<${Scroll} label="Runs by task grid"><table class="grid" aria-label="Runs by task" data-table="grid">
    <thead><tr><th scope="col">Task</th>${ordered.map(
      (
        r,
      ) => html`<th scope="col"><button type="button" class=${`linklike ${r.runId === selected ? 'selected' : ''}`} aria-pressed=${r.runId === selected ? 'true' : 'false'}
        onClick=${() => select(r.runId)} title=${`Run ${r.runId}: ${r.status}`}>#${r.runId}<br />${r.runDate.slice(5)}</button></th>`,
    )}</tr></thead>
    <tbody>${tasks.map(
      (task) =>
        html`<tr><th scope="row">${task}</th>${ordered.map((r) => {
          const cell = r.tasks.find((t) => t.task === task);
          const label = cell
            ? `${cell.status}${cell.attempts > 1 ? ` after ${cell.attempts} attempts` : ''}`
            : 'not run';
          return html`<td class=${`cell ${cell?.status ?? 'none'}`} title=${`${task}, run ${r.runId}: ${label}`}><span class="visually-hidden">${label}</span></td>`;
        })}</tr>`,
    )}</tbody></table><//>`;
}

function RunPanel({ id }: { id: number }) {
  const run = useApi<RunDetail>(`/analytics/pipeline/runs/${id}`);
  const logs = useApi<{ items: LogLine[] }>(`/analytics/pipeline/runs/${id}/logs`);
  const [history, setHistory] = useState<Check | null>(null);
  const past = useApi<{ items: Check[] }>(
    history
      ? `/analytics/pipeline/checks?name=${encodeURIComponent(history.check)}&entity=${encodeURIComponent(history.entity)}`
      : null,
  );
  return show(
    run,
    (r) => html`
    <section aria-labelledby="run" data-run=${r.runId}>
      <h2 id="run">Run #${r.runId} for ${r.runDate}: <span class=${`status ${r.status}`}>${r.status}</span></h2>
      ${r.error ? html`<p class="error">${r.error}</p>` : null}
      <${Gantt} run=${r} />
      <${Attempts} run=${r} />
      <h3>Checks</h3>
      <${Checks} checks=${r.checks} onHistory=${setHistory} />
      ${history ? html`<h3>History of ${history.check} (${history.entity})</h3>${show(past, (p) => html`<${Checks} checks=${p.items} />`)}` : null}
      <h3>Alerts</h3>
      <${Alerts} run=${r} />
      <h3>Logs</h3>
      ${show(logs, (l) => html`<${Logs} lines=${l.items} />`)}
    </section>`,
  );
}

function Pipeline() {
  const [params, setParams] = useQueryState();
  const runs = useApi<{ items: GridRun[] }>('/analytics/pipeline/runs?limit=20');
  const freshness = useApi<Freshness>('/analytics/pipeline/freshness');
  const lineage = useApi<Lineage>('/analytics/lineage');
  const select = (id: number) => setParams(new URLSearchParams({ run: String(id) }));
  return html`
    ${show(runs, (data) => {
      if (data.items.length === 0) return html`<${Empty}>No run yet: run <code>gourmand run</code>.<//>`;
      const selected = Number(params.get('run') ?? data.items[0]!.runId);
      return html`<section aria-labelledby="grid"><h2 id="grid">Runs × tasks</h2>
          <${Grid} runs=${data.items} selected=${selected} select=${select} />
          <p class="note">Each cell is a task's last attempt: green succeeded, red failed, grey skipped, blue running.</p>
        </section>
        <${RunPanel} id=${selected} key=${selected} />`;
    })}
    <section aria-labelledby="fresh"><h2 id="fresh">Freshness</h2>
      ${show(
        freshness,
        (f) => html`<dl class="facts">
        <div><dt>Source database</dt><dd>holdings up to ${f.sourceLatest ?? '–'}</dd></div>
        <div><dt>Warehouse</dt><dd>holdings up to ${f.warehouseLatest ?? '–'}</dd></div>
        <div><dt>Last succeeded run</dt><dd>${f.lastSucceededRunDate ?? '–'}</dd></div>
        <div><dt>Freshness check</dt><dd>${f.status ?? 'not run yet'}</dd></div></dl>`,
      )}
    </section>
    <section aria-labelledby="lineage"><h2 id="lineage">Warehouse lineage</h2>
      ${show(lineage, (l) => html`<${LineageGraph} lineage=${l} />`)}
    </section>`;
}

mount(Pipeline);
