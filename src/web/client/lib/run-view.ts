import * as Plot from '@observablehq/plot';
import type { Check, LogLine, RunDetail } from './types.ts';
import { Empty, Figure, fmt, html, Scroll } from './ui.ts';

const seconds = (a: string, b: string | null) => (b ? (Date.parse(b) - Date.parse(a)) / 1000 : null);
/** Expected and actual exactly as stored (no rounding: a tolerance check may turn on the 4th decimal). */
const exact = (v: number | null) => (v === null ? '–' : String(v));

export function Gantt({ run }: { run: RunDetail }) {
  const rows = run.attempts.map((a) => ({
    ...a,
    label: a.attempt > 1 ? `${a.task} (attempt ${a.attempt})` : a.task,
    start: new Date(a.startedAt),
    end: new Date(a.endedAt ?? a.startedAt),
  }));
  if (rows.length === 0) return html`<${Empty}>This run recorded no task.<//>`;
  return html`<${Figure} label=${`Gantt chart of the tasks of run ${run.runId}`} build=${() =>
    Plot.plot({
      height: 40 + rows.length * 22,
      marginLeft: 190,
      x: { type: 'utc', label: 'Time' },
      y: { label: null, domain: rows.map((r) => r.label) },
      color: {
        domain: ['succeeded', 'failed', 'running', 'skipped', 'cancelled'],
        range: ['#2e7d32', '#c62828', '#1565c0', '#9e9e9e', '#6d4c41'],
        legend: true,
      },
      marks: [
        Plot.barX(rows, {
          y: 'label',
          x1: 'start',
          x2: 'end',
          fill: 'status',
          tip: true,
          insetTop: 2,
          insetBottom: 2,
        }),
      ],
    })} />`;
}

export function Attempts({ run }: { run: RunDetail }) {
  return html`<${Scroll} label="Task attempts, scrollable"><table class="list" aria-label="Task attempts" data-table="attempts">
    <thead><tr><th scope="col">Task</th><th scope="col">Attempt</th><th scope="col">Status</th><th scope="col">Seconds</th><th scope="col">Rows</th><th scope="col">Error</th></tr></thead>
    <tbody>${run.attempts.map(
      (
        a,
      ) => html`<tr data-task=${a.task}><td>${a.task}</td><td class="num">${a.attempt}</td><td><span class=${`status ${a.status}`}>${a.status}</span></td>
        <td class="num">${fmt(seconds(a.startedAt, a.endedAt), 1)}</td><td class="num">${fmt(a.rows)}</td>
        <td>${a.error ? html`<pre class="task-error">${a.error}</pre>` : ''}</td></tr>`,
    )}</tbody></table><//>`;
}

export function Checks({ checks, onHistory }: { checks: Check[]; onHistory?: (c: Check) => void }) {
  if (checks.length === 0) return html`<${Empty}>This run recorded no check results.<//>`;
  return html`<${Scroll} label="Check results, scrollable"><table class="list" aria-label="Check results" data-table="checks">
    <thead><tr><th scope="col">Check</th><th scope="col">Entity</th><th scope="col">Severity</th><th scope="col">Status</th><th scope="col">Expected</th><th scope="col">Actual</th></tr></thead>
    <tbody>${checks.map(
      (
        c,
      ) => html`<tr><td>${onHistory ? html`<button type="button" class="linklike" onClick=${() => onHistory(c)}>${c.check}</button>` : c.check}</td>
        <td>${c.entity}</td><td>${c.severity}</td><td><span class=${`status ${c.status}`}>${c.status}</span></td>
        <td class="num">${exact(c.expected)}</td><td class="num">${exact(c.actual)}</td></tr>`,
    )}</tbody></table><//>`;
}

export function Alerts({ run }: { run: RunDetail }) {
  if (run.alerts.length === 0) return html`<${Empty}>No alert was sent for this run.<//>`;
  return html`<ul class="alerts">${run.alerts.map(
    (
      a,
    ) => html`<li><p><span class=${`status ${a.status}`}>${a.status}</span> ${a.createdAt.replace('T', ' ').slice(0, 19)} — ${a.text ?? ''}</p>
      <ol>${a.attempts.map((t) => html`<li>attempt ${t.attempt}: ${t.httpStatus ?? 'no answer'}${t.error ? ` (${t.error})` : ''}, ${fmt(t.durationMs)} ms</li>`)}</ol></li>`,
  )}</ul>`;
}

/** The run's log lines grouped by task (the run's own lines first), one table each. */
export function Logs({ lines }: { lines: LogLine[] }) {
  if (lines.length === 0) return html`<${Empty}>No log lines kept for this run.<//>`;
  const tasks = [...new Set(lines.map((l) => l.task ?? '(run)'))];
  return html`${tasks.map(
    (task) => html`<details class="task-log" data-log-task=${task}><summary>${task}</summary>
      <${Scroll} label=${`Log of ${task}, scrollable`}><table class="list" aria-label=${`Log of ${task}`}>
      <thead><tr><th scope="col">Time</th><th scope="col">Level</th><th scope="col">Message</th></tr></thead>
      <tbody>${lines
        .filter((l) => (l.task ?? '(run)') === task)
        .map(
          (
            l,
          ) => html`<tr data-level=${l.level}><td>${l.time.slice(11, 19)}</td><td><span class=${`status ${l.level}`}>${l.level}</span></td>
          <td>${l.msg}${l.err ? html`<pre class="task-error">${l.err}</pre>` : ''}</td></tr>`,
        )}</tbody></table><//></details>`,
  )}`;
}
