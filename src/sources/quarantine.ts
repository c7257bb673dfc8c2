import type { z } from 'zod';

/** A record a source sent that failed validation; the load stores it in ops.quarantine. */
export interface QuarantinedRecord {
  entity: string;
  key: string;
  reason: string;
  record: unknown;
}

/** Parses one record; on failure returns the quarantine entry (the pull goes on without it). */
export function validateRecord<T>(
  schema: z.ZodType<T>,
  entity: string,
  record: unknown,
): { ok: true; value: T } | { ok: false; quarantined: QuarantinedRecord } {
  const result = schema.safeParse(record);
  if (result.success) return { ok: true, value: result.data };
  const id = (record as { id?: unknown } | null)?.id;
  const issues = result.error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || '(record)'}: ${issue.message}`)
    .join('; ');
  return {
    ok: false,
    quarantined: {
      entity,
      key: typeof id === 'string' ? id : '',
      reason: `invalid ${entity}: ${issues}`,
      record,
    },
  };
}
