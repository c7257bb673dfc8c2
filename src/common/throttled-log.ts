/**
 * Logs a repeating failure with backoff: the first one at once, then at most one line per
 * interval (doubling from `firstMs` up to `maxMs`) saying how many were held back; the interval
 * starts over once `recovered()` is called. A worker whose Redis is down logs a handful of lines
 * an hour instead of a dozen a second.
 */
export function throttledLog(
  emit: (message: string, suppressed: number) => void,
  { firstMs = 1000, maxMs = 5 * 60_000, now = Date.now } = {},
) {
  let nextAt = 0;
  let intervalMs = firstMs;
  let suppressed = 0;
  return {
    failed(message: string) {
      if (now() < nextAt) {
        suppressed += 1;
        return;
      }
      emit(message, suppressed);
      suppressed = 0;
      nextAt = now() + intervalMs;
      intervalMs = Math.min(intervalMs * 2, maxMs);
    },
    recovered() {
      nextAt = 0;
      intervalMs = firstMs;
      suppressed = 0;
    },
  };
}
