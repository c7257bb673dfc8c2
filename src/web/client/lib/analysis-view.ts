import * as Plot from '@observablehq/plot';
import type { AnalysisResult, Estimate, Spread, TestOutcome } from './types.ts';
import { Figure, html, Scroll } from './ui.ts';

/** A figure as the API gives it, in three significant digits (p-values as the CLI prints them). */
export function num(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  const abs = Math.abs(value);
  const text =
    abs >= 1000
      ? value.toLocaleString('en-US', { maximumFractionDigits: 0 })
      : abs !== 0 && abs < 0.001
        ? value.toExponential(2)
        : String(Number(value.toPrecision(3)));
  return text.replace('-', '−');
}
const pText = (p: number) => (p < 0.001 ? '< 0.001' : p.toFixed(3));

/** Estimates grouped by what they estimate, first-seen order (one chart each). */
function byGroup(estimates: readonly Estimate[]): [string, Estimate[]][] {
  const groups = new Map<string, Estimate[]>();
  for (const e of estimates) groups.set(e.group, [...(groups.get(e.group) ?? []), e]);
  return [...groups];
}
function byMeasure(spreads: readonly Spread[]): [string, Spread[]][] {
  const measures = new Map<string, Spread[]>();
  for (const s of spreads) measures.set(s.measure, [...(measures.get(s.measure) ?? []), s]);
  return [...measures];
}

const rowHeight = 22;
/** Plot's 640 px, or the screen's width on a phone, so the axis text stays readable there. */
const chartWidth = () => Math.min(640, Math.max(280, document.documentElement.clientWidth - 40));
const marginLeft = (labels: readonly string[]) =>
  Math.min(160, 12 + 7 * Math.max(...labels.map((l) => l.length)));

/** CI whiskers (a coefficient plot for coefficients): a dot per estimate, a bar for its interval, a line at no effect. */
function whiskers(group: string, rows: Estimate[]) {
  const withCi = rows.filter((r) => r.ciLow !== null && r.ciHigh !== null);
  const reference = rows.find((r) => r.noEffect !== undefined)?.noEffect;
  return Plot.plot({
    width: chartWidth(),
    height: 48 + rowHeight * rows.length,
    marginLeft: marginLeft(rows.map((r) => r.label)),
    marginRight: 16,
    x: { label: group, grid: true },
    y: { label: null, domain: rows.map((r) => r.label) },
    marks: [
      reference === undefined ? null : Plot.ruleX([reference], { stroke: '#888', strokeDasharray: '4 3' }),
      Plot.ruleY(withCi, { y: 'label', x1: 'ciLow', x2: 'ciHigh', stroke: '#3182bd', strokeWidth: 2 }),
      Plot.tickX(withCi, { y: 'label', x: 'ciLow', stroke: '#3182bd' }),
      Plot.tickX(withCi, { y: 'label', x: 'ciHigh', stroke: '#3182bd' }),
      Plot.dot(rows, { y: 'label', x: 'value', fill: '#b30000', r: 3.5 }),
    ],
  });
}

/** Box plots of the values compared: whiskers minimum to maximum, box the quartiles, tick the median. */
function boxes(measure: string, rows: Spread[]) {
  return Plot.plot({
    width: chartWidth(),
    height: 48 + rowHeight * rows.length,
    marginLeft: marginLeft(rows.map((r) => r.label)),
    marginRight: 16,
    x: { label: measure, grid: true },
    y: { label: null, domain: rows.map((r) => r.label) },
    marks: [
      Plot.ruleY(rows, { y: 'label', x1: 'min', x2: 'max', stroke: '#666' }),
      Plot.barX(rows, {
        y: 'label',
        x1: 'q1',
        x2: 'q3',
        fill: '#9ecae1',
        stroke: '#3182bd',
        insetTop: 3,
        insetBottom: 3,
      }),
      Plot.tickX(rows, { y: 'label', x: 'median', strokeWidth: 2 }),
    ],
  });
}

function TestsTable({ tests }: { tests: TestOutcome[] }) {
  return html`<${Scroll} label="Tests, scrollable"><table class="list" data-table="tests">
    <thead><tr><th scope="col">Test</th><th scope="col">Statistic</th><th scope="col">df</th><th scope="col">p</th>
      <th scope="col">Effect size</th><th scope="col">n</th><th scope="col">At α</th></tr></thead>
    <tbody>${tests.map(
      (
        t,
      ) => html`<tr><th scope="row">${t.name}</th><td class="num">${t.statisticName} = ${num(t.statistic)}</td>
        <td class="num">${t.df.map(num).join(', ')}</td><td class="num">${pText(t.pValue)}</td>
        <td>${t.effectSize ? `${t.effectSize.name} = ${num(t.effectSize.value)}` : '–'}</td>
        <td class="num">${t.n.toLocaleString('en-US')}</td>
        <td>${t.significant ? `significant at ${t.alpha}` : `not significant at ${t.alpha}`}</td></tr>`,
    )}</tbody></table><//>`;
}

function EstimatesTable({ estimates }: { estimates: Estimate[] }) {
  return html`<${Scroll} label="Estimates, scrollable"><table class="list" data-table="estimates">
    <thead><tr><th scope="col">Estimate</th><th scope="col">For</th><th scope="col">Value</th>
      <th scope="col">95% CI</th><th scope="col">n</th></tr></thead>
    <tbody>${estimates.map(
      (e) => html`<tr><td>${e.group}</td><th scope="row">${e.label}</th><td class="num">${num(e.value)}</td>
        <td class="num">${e.ciLow === null || e.ciHigh === null ? '–' : `${num(e.ciLow)} – ${num(e.ciHigh)}`}</td>
        <td class="num">${e.n.toLocaleString('en-US')}</td></tr>`,
    )}</tbody></table><//>`;
}

/**
 * One analysis result as the API serves it: the sentence, the findings, the charts (distributions,
 * CI whiskers; coefficients against zero) and every number in tables. Draws only what the result
 * holds; nothing is recomputed here.
 */
export function AnalysisView({ result }: { result: AnalysisResult }) {
  const unit = `${result.n.toLocaleString('en-US')} ${result.unit}${result.window ? `, ${result.window.from} – ${result.window.to}` : ''}`;
  return html`<div class="analysis-result">
    <p class="sentence">${result.sentence}</p>
    <p class="note">${unit}</p>
    ${
      result.findings.length > 0
        ? html`<ul class="findings">${result.findings.map(
            (f) =>
              html`<li><span class=${`status ${f.holds ? 'pass' : 'fail'}`}>${f.holds ? 'holds' : 'does not hold'}</span> ${f.claim}: ${f.evidence}</li>`,
          )}</ul>`
        : null
    }
    <div class="charts two">
      ${byMeasure(result.spreads).map(
        ([measure, rows]) =>
          html`<${Figure} label=${`Distribution of ${measure}`} build=${() => boxes(measure, rows)} />`,
      )}
      ${byGroup(result.estimates).map(
        ([group, rows]) =>
          html`<${Figure} label=${`${group}, with 95% intervals`} build=${() => whiskers(group, rows)} />`,
      )}
    </div>
    <p class="note">Red dot: estimate; blue bar: its 95% interval; dashed line: no effect. Boxes: quartiles, whiskers minimum to maximum, black tick median.</p>
    ${result.tests.length > 0 ? html`<${TestsTable} tests=${result.tests} />` : null}
    <details><summary>All estimates (${result.estimates.length})</summary><${EstimatesTable} estimates=${result.estimates} /></details>
    ${result.notes.length > 0 ? html`<ul class="notes-list">${result.notes.map((n) => html`<li class="note">${n}</li>`)}</ul>` : null}
  </div>`;
}
