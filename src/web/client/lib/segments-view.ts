import * as Plot from '@observablehq/plot';
import type { Dist, Segments } from './types.ts';
import { Empty, Figure, fmt, html, Scroll } from './ui.ts';

type Measure = 'rating' | 'reviewCount' | 'growthPerDay';
const MEASURES: [Measure, string, number][] = [
  ['rating', 'Rating (last in the window)', 2],
  ['reviewCount', 'Review count (last in the window)', 0],
  ['growthPerDay', 'Review growth per day', 3],
];

function boxes(segments: Segments, measure: Measure, label: string) {
  const rows = segments.levels
    .map((l) => ({ level: l.paymentLevel, ...l[measure] }))
    .filter((r): r is { level: string } & Dist & { median: number } => r.median !== null);
  return Plot.plot({
    height: 240,
    marginLeft: 56,
    x: { label: 'Payment level', domain: segments.levels.map((l) => l.paymentLevel) },
    y: { label, grid: true },
    marks: [
      Plot.ruleX(rows, { x: 'level', y1: 'min', y2: 'max', stroke: '#666' }),
      Plot.barY(rows, { x: 'level', y1: 'q1', y2: 'q3', fill: '#9ecae1', stroke: '#3182bd' }),
      Plot.ruleX(rows, { x: 'level', y1: 'medianLow', y2: 'medianHigh', stroke: '#b30000', strokeWidth: 5 }),
      Plot.tickY(rows, { x: 'level', y: 'median', strokeWidth: 2 }),
    ],
  });
}

const ci = (d: Dist, digits: number) =>
  d.median === null
    ? '–'
    : `${fmt(d.median, digits)} [${fmt(d.medianLow, digits)}, ${fmt(d.medianHigh, digits)}]`;

/** Box plots and the table of medians with their intervals, per payment level. */
export function SegmentsView({ segments }: { segments: Segments }) {
  if (segments.levels.length === 0) return html`<${Empty}>No businesses in this window and filter.<//>`;
  return html`
    <div class="charts three">
      ${MEASURES.map(([m, label]) => html`<${Figure} label=${`Box plot of ${label} by payment level`} build=${() => boxes(segments, m, label)} />`)}
    </div>
    <p class="note">Boxes: quartiles; whiskers: minimum to maximum; black tick: median; red bar: 95 % bootstrap interval of the median (1,000 resamples).
      Window ${segments.from} – ${segments.to}; growth per day is (last review count − first) / days between them, for businesses with at least two days in the window (mart <code>rpt_business_segment</code>).</p>
    <${Scroll} label="Medians by payment level, scrollable"><table class="list" aria-label="Medians by payment level" data-table="segments">
      <thead><tr><th scope="col">Payment level</th><th scope="col">Businesses</th>
        ${MEASURES.map(([, label]) => html`<th scope="col">Median ${label.toLowerCase()} [95 % CI]</th>`)}</tr></thead>
      <tbody>${segments.levels.map(
        (
          l,
        ) => html`<tr data-level=${l.paymentLevel}><th scope="row">${l.paymentLevel}</th><td class="num">${fmt(l.businesses)}</td>
          ${MEASURES.map(([m, , digits]) => html`<td class="num">${ci(l[m], digits)}</td>`)}</tr>`,
      )}</tbody>
    </table><//>`;
}
