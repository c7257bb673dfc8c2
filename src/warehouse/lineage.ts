import { type Project, topoOrder } from './project.ts';

/**
 * The lineage as text, parents first: each model with its materialization and what it reads,
 * e.g. `marts.dim_business (table) <- snap_business, stg_payment_level`.
 */
export function lineageLines(project: Project): string[] {
  return topoOrder(project).map((model) => {
    const inputs = [...model.sources.map((s) => `lake.${s}`), ...model.refs];
    return `${model.layer}.${model.name} (${model.config.materialized})${inputs.length ? ` <- ${inputs.join(', ')}` : ''}`;
  });
}
