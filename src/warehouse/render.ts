import type { WarehouseAdapter } from './adapter.ts';
import { compileSql } from './compile.ts';
import { layoutOf, type Model, type Project, topoOrder } from './project.ts';
import { batchRelation, relationResolver } from './runner.ts';

/** The date the rendered SQL uses for `{{ run_date }}` and `{{ batch_dates }}`. */
export const RENDER_DATE = '2026-01-01';

export interface RenderedModel {
  model: Model;
  /** The statements a build runs for the model, each as the engine receives it. */
  statements: { label: string; sql: string }[];
}

/**
 * Every model as the runner would build it on this adapter, without running anything: views and
 * tables as their create statement, incremental models as the first build plus the batch and the
 * merge of a later build, snapshots as the select each extract date is applied from.
 */
export function renderProject(adapter: WarehouseAdapter, project: Project): RenderedModel[] {
  const relationOf = relationResolver(adapter, project);
  return topoOrder(project).map((model) => {
    const self = relationOf(model.name);
    const compile = (incremental: boolean) =>
      compileSql(
        model.body,
        { adapter, relationOf, runDate: RENDER_DATE, batchDates: [RENDER_DATE], incremental, self },
        model.file,
      );
    const layout = layoutOf(model);
    const statements: { label: string; sql: string }[] = [];
    switch (model.config.materialized) {
      case 'view':
        statements.push({ label: 'view', sql: adapter.replaceViewSql(self, compile(false)) });
        break;
      case 'table':
        statements.push({ label: 'table', sql: adapter.replaceTableSql(self, compile(false), layout) });
        break;
      case 'incremental': {
        const batch = batchRelation(adapter, model.name);
        const keys = [model.config.unique_key!].flat();
        statements.push(
          { label: 'first build', sql: adapter.replaceTableSql(self, compile(false), layout) },
          { label: 'incremental batch', sql: adapter.replaceTableSql(batch, compile(true)) },
          ...adapter.mergeSql(self, batch, keys).map((sql) => ({ label: 'incremental merge', sql })),
        );
        break;
      }
      case 'snapshot':
        statements.push({ label: 'snapshot source', sql: compile(false) });
        break;
    }
    return { model, statements: statements.map((s) => ({ ...s, sql: adapter.render(s.sql) })) };
  });
}

/** One model's rendered file: each statement after a `-- label` line, ended by `;`. */
export function renderedText(rendered: RenderedModel): string {
  const head = `-- ${rendered.model.layer}/${rendered.model.name} (${rendered.model.config.materialized})\n`;
  return `${head}${rendered.statements.map((s) => `\n-- ${s.label}\n${s.sql.trim()};\n`).join('')}`;
}
