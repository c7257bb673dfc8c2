import type { Lineage } from './types.ts';
import { html, Scroll } from './ui.ts';

const COLUMN = 250;
const ROW = 20;

/** The model graph in columns by depth (lake tables first), each model below its layer's others. */
export function LineageGraph({ lineage }: { lineage: Lineage }) {
  const depth = new Map<string, number>();
  const parents = new Map<string, string[]>();
  for (const e of lineage.edges) parents.set(e.to, [...(parents.get(e.to) ?? []), e.from]);
  const depthOf = (name: string): number => {
    const known = depth.get(name);
    if (known !== undefined) return known;
    const d = Math.max(-1, ...(parents.get(name) ?? []).map(depthOf)) + 1;
    depth.set(name, d);
    return d;
  };
  const columns: string[][] = [];
  for (const n of lineage.nodes) {
    const d = depthOf(n.name);
    columns[d] = [...(columns[d] ?? []), n.name];
  }
  const position = new Map<string, [number, number]>();
  for (const [c, names] of columns.entries()) {
    for (const [r, name] of names.sort().entries()) position.set(name, [c * COLUMN + 4, r * ROW + 14]);
  }
  const height = Math.max(...columns.map((c) => c.length)) * ROW + 20;
  const width = columns.length * COLUMN + 20;
  const layer = new Map(lineage.nodes.map((n) => [n.name, n.layer]));
  return html`<${Scroll} label="Warehouse lineage graph"><svg class="lineage" width=${width} height=${height} viewBox=${`0 0 ${width} ${height}`}
      role="img" aria-label=${`Warehouse lineage: ${lineage.nodes.length} models and tables, ${lineage.edges.length} dependencies`}>
    ${lineage.edges.map((e) => {
      const [x1, y1] = position.get(e.from)!;
      const [x2, y2] = position.get(e.to)!;
      return html`<path class="edge" d=${`M${x1 + COLUMN - 40},${y1 - 4}C${x1 + COLUMN - 10},${y1 - 4} ${x2 - 30},${y2 - 4} ${x2 - 4},${y2 - 4}`} />`;
    })}
    ${lineage.nodes.map((n) => {
      const [x, y] = position.get(n.name)!;
      return html`<text x=${x} y=${y} class=${`node ${layer.get(n.name)}`} data-node=${n.name}><title>${n.layer} · ${n.materialized}</title>${n.name}</text>`;
    })}
  </svg><//>`;
}
