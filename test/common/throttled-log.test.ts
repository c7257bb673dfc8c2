import { describe, expect, it } from 'vitest';
import { throttledLog } from '../../src/common/throttled-log.ts';

describe('throttled failure log', () => {
  it('logs the first failure, then once per doubling interval with the count held back', () => {
    let clock = 0;
    const lines: [string, number][] = [];
    const log = throttledLog((message, suppressed) => lines.push([message, suppressed]), {
      firstMs: 1000,
      maxMs: 4000,
      now: () => clock,
    });
    // 12 failures a second for 10 seconds.
    for (clock = 0; clock < 10_000; clock += 83) log.failed('ECONNREFUSED');
    // Lines at 0 ms, then the first failure after 1 s, 2 s and 4 s (the cap) more: 1079, 3154, 7221 ms.
    expect(lines.map(([, suppressed]) => suppressed)).toEqual([0, 12, 24, 48]);
    log.recovered();
    log.failed('ECONNREFUSED');
    expect(lines.at(-1)).toEqual(['ECONNREFUSED', 0]);
  });
});
