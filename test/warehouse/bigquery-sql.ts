import nodeSqlParser from 'node-sql-parser';
import type { RenderedModel } from '../../src/warehouse/render.ts';

const parser = new nodeSqlParser.Parser();

/**
 * `model (label): parser error` for every rendered statement that is not BigQuery SQL. The parser
 * has no MERGE, so a merge is checked as its envelope (matched exactly by the reviewed files) and
 * its key subquery, parsed on its own.
 */
export function bigQueryParseFailures(rendered: readonly RenderedModel[]): string[] {
  const failures: string[] = [];
  for (const { model, statements } of rendered) {
    for (const { label, sql } of statements) {
      const merge =
        /^merge (`[^`]+`) as t\nusing (`[^`]+`) as s\non false\nwhen not matched by source and .+ in \((select .+)\) then delete\nwhen not matched then insert row$/.exec(
          sql,
        );
      try {
        parser.astify(merge ? merge[3]! : sql, { database: 'BigQuery' });
        if (/^merge/.test(sql) && !merge) throw new Error('unexpected MERGE shape');
      } catch (error) {
        failures.push(`${model.name} (${label}): ${(error as Error).message.slice(0, 200)}`);
      }
    }
  }
  return failures;
}
