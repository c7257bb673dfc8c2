import type { SourceDatabase } from '../oltp/database.ts';

export type Severity = 'warn' | 'error';
export type CheckStatus = 'pass' | 'warn' | 'fail';

/** The verdict of one check on one entity, as stored in ops.check_result. */
export interface CheckResult {
  check: string;
  entity: string;
  severity: Severity;
  status: CheckStatus;
  expected: number | null;
  actual: number | null;
  details?: Record<string, unknown>;
}

/** A check that did not pass is 'fail' when its severity is error, 'warn' otherwise. */
export function verdict(passed: boolean, severity: Severity): CheckStatus {
  if (passed) return 'pass';
  return severity === 'error' ? 'fail' : 'warn';
}

/** Appends check results (reconciliation, warehouse data tests) to ops.check_result. */
export async function recordCheckResults(
  database: SourceDatabase,
  run: { runId: number; runDate: string },
  results: readonly CheckResult[],
): Promise<void> {
  if (results.length === 0) return;
  await database.db
    .insertInto('ops.check_result')
    .values(
      results.map((r) => ({
        run_id: run.runId,
        run_date: run.runDate,
        check_name: r.check,
        entity: r.entity,
        severity: r.severity,
        status: r.status,
        expected: r.expected,
        actual: r.actual,
        details: JSON.stringify(r.details ?? {}),
      })),
    )
    .execute();
}
