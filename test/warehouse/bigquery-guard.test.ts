import { describe, expect, it } from 'vitest';
import { type DryRunJob, guardDryRun } from '../../src/warehouse/bigquery.ts';

/**
 * A jobs.insert response for a query with `configuration.dryRun` set, in the shape of the
 * BigQuery v2 Job resource (JobStatistics / JobStatistics2): int64 values as decimal strings,
 * the estimate in statistics.query.totalBytesProcessed (and mirrored in statistics).
 */
const dryRunResponse = (bytes: string): DryRunJob & Record<string, unknown> => ({
  kind: 'bigquery#job',
  id: 'gourmand:US.job_dry',
  jobReference: { projectId: 'gourmand', location: 'US' },
  configuration: { dryRun: true, jobType: 'QUERY', query: { query: 'select 1', useLegacySql: false } },
  status: { state: 'DONE' },
  statistics: {
    creationTime: '1764633600000',
    totalBytesProcessed: bytes,
    query: {
      totalBytesProcessed: bytes,
      totalBytesProcessedAccuracy: 'PRECISE',
      statementType: 'CREATE_TABLE_AS_SELECT',
      cacheHit: false,
    },
  },
});

describe('the BigQuery cost guard', () => {
  it('refuses a statement whose dry-run estimate is over the limit, naming the model and the bytes', () => {
    expect(() =>
      guardDryRun(dryRunResponse('53687091200'), 10 * 1024 ** 3, 'model marts.fct_business_holding'),
    ).toThrow(
      'BigQuery cost guard: model marts.fct_business_holding would process 53687091200 bytes (50.00 GiB), over BIGQUERY_MAX_BYTES_BILLED=10737418240; raise the limit or narrow the model',
    );
  });

  it('lets a statement at or under the limit through and returns its estimate', () => {
    expect(guardDryRun(dryRunResponse('10737418240'), 10 * 1024 ** 3, 'model marts.dim_date')).toBe(
      10737418240,
    );
    expect(guardDryRun(dryRunResponse('0'), 1, 'model staging.stg_state')).toBe(0);
  });

  it('refuses a dry run that gives no estimate rather than running blind', () => {
    expect(() => guardDryRun({ statistics: {} }, 1e9, 'model marts.dim_user')).toThrow(
      /reported no byte estimate/,
    );
  });
});
