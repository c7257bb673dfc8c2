import type { DashboardData } from './queries.ts';

const escapeHtml = (value: unknown): string =>
  String(value ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const number = (value: number | null | undefined, digits = 0) =>
  value === null || value === undefined
    ? '–'
    : value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** A table whose numeric column gets an inline bar: readable without JavaScript or a chart library. */
function barTable<T>(
  rows: T[],
  columns: { title: string; cell: (row: T) => string; numeric?: boolean }[],
  bar: (row: T) => number,
) {
  const max = Math.max(1, ...rows.map(bar));
  const head = columns
    .map((c) => `<th${c.numeric ? ' class="num"' : ''}>${escapeHtml(c.title)}</th>`)
    .join('');
  const body = rows
    .map((row) => {
      const cells = columns.map((c) => `<td${c.numeric ? ' class="num"' : ''}>${c.cell(row)}</td>`).join('');
      const width = ((bar(row) / max) * 100).toFixed(1);
      return `<tr>${cells}<td class="bar"><span style="width:${width}%"></span></td></tr>`;
    })
    .join('');
  return `<table><thead><tr>${head}<th></th></tr></thead><tbody>${body || '<tr><td colspan="9">No data yet: run the pipeline.</td></tr>'}</tbody></table>`;
}

const STYLE = `
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d2433;background:#f5f6f8}
header{background:#1d2433;color:#fff;padding:14px 28px}header h1{margin:0;font-size:20px}
main{display:grid;grid-template-columns:repeat(auto-fit,minmax(440px,1fr));gap:18px;padding:18px 28px}
section{background:#fff;border-radius:8px;padding:14px 18px;box-shadow:0 1px 2px #0001}
h2{font-size:15px;margin:0 0 10px}table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #eceef2;white-space:nowrap}
th{font-weight:600;color:#5a6275}.num{text-align:right;font-variant-numeric:tabular-nums}
.bar{width:35%}.bar span{display:block;height:10px;background:#e0563b;border-radius:3px}
.kpis{display:flex;gap:28px}.kpi b{display:block;font-size:22px}
.status-succeeded{color:#1b7f3b}.status-failed{color:#c0392b;font-weight:600}.status-running{color:#b7791f}.status-cancelled{color:#777}.status-partial{color:#b7791f;font-weight:600}
`;

export function renderDashboard(data: DashboardData): string {
  const f = data.freshness;
  const runs = data.runs
    .map(
      (
        r,
      ) => `<tr><td>${r.runId}</td><td>${escapeHtml(r.runDate)}</td><td class="status-${escapeHtml(r.status)}">${escapeHtml(r.status)}</td>
        <td class="num">${number(r.seconds, 1)}</td><td>${escapeHtml(r.failedTasks.join(', '))}</td></tr>`,
    )
    .join('');
  const checks = data.failingChecks
    .map(
      (
        c,
      ) => `<tr><td>${escapeHtml(c.checkName)}</td><td>${escapeHtml(c.entity)}</td><td>${escapeHtml(c.severity)}</td>
        <td class="num">${number(c.expected)}</td><td class="num">${number(c.actual)}</td></tr>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Gourmand dashboard</title><style>${STYLE}</style></head>
<body><header><h1>Gourmand</h1></header><main>
<section id="freshness"><h2>Data</h2><div class="kpis">
  <div class="kpi"><b data-kpi="open">${number(f.openBusinesses)}</b>open businesses</div>
  <div class="kpi"><b data-kpi="closed">${number(f.closedBusinesses)}</b>closed</div>
  <div class="kpi"><b data-kpi="reviews">${number(f.reviews)}</b>reviews stored</div>
  <div class="kpi"><b data-kpi="latest">${escapeHtml(f.latestHolding ?? '–')}</b>latest daily holding</div>
</div></section>
<section id="runs"><h2>Pipeline runs</h2><table><thead><tr><th>Run</th><th>Date</th><th>Status</th><th class="num">Seconds</th><th>Failed tasks</th></tr></thead>
<tbody>${runs || '<tr><td colspan="5">No runs yet.</td></tr>'}</tbody></table></section>
<section id="checks"><h2>Failing checks (latest checked date)</h2><table><thead><tr><th>Check</th><th>Entity</th><th>Severity</th><th class="num">Expected</th><th class="num">Actual</th></tr></thead>
<tbody>${checks || '<tr><td colspan="5">All checks pass.</td></tr>'}</tbody></table></section>
<section id="states"><h2>Open businesses by state (top 15)</h2>${barTable(
    data.states,
    [
      { title: 'State', cell: (s) => `${escapeHtml(s.stateName)} (${escapeHtml(s.stateCode)})` },
      { title: 'Businesses', cell: (s) => number(s.businesses), numeric: true },
      { title: 'Reviews', cell: (s) => number(s.reviews), numeric: true },
      {
        title: 'Per 100k people',
        cell: (s) => (s.population ? number((s.businesses / s.population) * 100_000, 2) : '–'),
        numeric: true,
      },
    ],
    (s) => s.businesses,
  )}</section>
<section id="payment"><h2>Payment level: rating and review growth (last day)</h2>${barTable(
    data.paymentLevels,
    [
      { title: 'Level', cell: (p) => `${escapeHtml(p.symbol)} ${escapeHtml(p.name)}` },
      { title: 'Businesses', cell: (p) => number(p.businesses), numeric: true },
      { title: 'Avg rating', cell: (p) => number(p.avgRating, 2), numeric: true },
      { title: 'Reviews gained', cell: (p) => number(p.reviewsGained), numeric: true },
    ],
    (p) => p.reviewsGained,
  )}</section>
</main></body></html>`;
}
