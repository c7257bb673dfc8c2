import { type CheckResult, verdict } from './check-log.ts';
import { type CheckDefinition, reconciliationChecks } from './checks.ts';

type Rows = Record<string, unknown>[];

/** Runs a query on each side of the comparison. */
export interface ReconcileSides {
  source(query: string): Promise<Rows>;
  warehouse(query: string): Promise<Rows>;
}

const SAMPLE = 10;

const dayNumber = (date: string) => Date.parse(`${date}T00:00:00Z`) / 86_400_000;
/** A date as a number a person can read in ops.check_result (expected/actual are numeric). */
const dateNumber = (date: string | null) => (date ? Number(date.replaceAll('-', '')) : null);

function compare(check: CheckDefinition, entity: string, expected: number, actual: number): CheckResult {
  const passed = Math.abs(expected - actual) <= check.tolerance;
  return {
    check: check.name,
    entity,
    severity: check.severity,
    status: verdict(passed, check.severity),
    expected,
    actual,
    details: { tolerance: check.tolerance, difference: actual - expected },
  };
}

function evaluate(check: CheckDefinition, source: Rows, warehouse: Rows): CheckResult[] {
  switch (check.kind) {
    case 'count':
      return [compare(check, check.entity, Number(source[0]?.n ?? 0), Number(warehouse[0]?.n ?? 0))];
    case 'sum_by': {
      const bySource = new Map(source.map((row) => [String(row.key), Number(row.value)]));
      const byWarehouse = new Map(warehouse.map((row) => [String(row.key), Number(row.value)]));
      const keys = [...new Set([...bySource.keys(), ...byWarehouse.keys()])].sort();
      return keys.map((key) =>
        compare(check, `${check.entity}:${key}`, bySource.get(key) ?? 0, byWarehouse.get(key) ?? 0),
      );
    }
    case 'key_set': {
      const inSource = new Set(source.map((row) => String(row.key)));
      const inWarehouse = new Set(warehouse.map((row) => String(row.key)));
      const missing = [...inSource].filter((key) => !inWarehouse.has(key)).sort();
      const extra = [...inWarehouse].filter((key) => !inSource.has(key)).sort();
      const differing = missing.length + extra.length;
      return [
        {
          check: check.name,
          entity: check.entity,
          severity: check.severity,
          status: verdict(differing <= check.tolerance, check.severity),
          expected: 0,
          actual: differing,
          details: {
            source_keys: inSource.size,
            warehouse_keys: inWarehouse.size,
            missing: missing.length,
            extra: extra.length,
            missing_sample: missing.slice(0, SAMPLE),
            extra_sample: extra.slice(0, SAMPLE),
          },
        },
      ];
    }
    case 'freshness': {
      const sourceLatest = (source[0]?.latest as string | null) ?? null;
      const warehouseLatest = (warehouse[0]?.latest as string | null) ?? null;
      const lag =
        sourceLatest && warehouseLatest ? dayNumber(sourceLatest) - dayNumber(warehouseLatest) : null;
      const passed = sourceLatest === null || (lag !== null && lag <= check.tolerance);
      return [
        {
          check: check.name,
          entity: check.entity,
          severity: check.severity,
          status: verdict(passed, check.severity),
          expected: dateNumber(sourceLatest),
          actual: dateNumber(warehouseLatest),
          details: {
            source: sourceLatest,
            warehouse: warehouseLatest,
            lag_days: lag,
            tolerance: check.tolerance,
          },
        },
      ];
    }
  }
}

/** Compares the source database with the warehouse for a run date, check by check. */
export async function reconcile(
  sides: ReconcileSides,
  runDate: string,
  checks: readonly CheckDefinition[] = reconciliationChecks,
): Promise<CheckResult[]> {
  // Dates are inlined into the checks' SQL: accept nothing but a calendar date.
  if (!/^\d{4}-\d{2}-\d{2}$/.test(runDate)) throw new Error(`reconcile: invalid run date "${runDate}"`);
  const results: CheckResult[] = [];
  for (const check of checks) {
    const [source, warehouse] = await Promise.all([
      sides.source(check.source(runDate)),
      sides.warehouse(check.warehouse(runDate)),
    ]);
    results.push(...evaluate(check, source, warehouse));
  }
  return results;
}
