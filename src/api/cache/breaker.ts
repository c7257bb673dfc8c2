export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerOptions {
  /** Consecutive failures that open the circuit. */
  failures?: number;
  /** How long it stays open before one probe call may try again. */
  cooldownMs?: number;
  /** The clock (tests move it instead of waiting). */
  now?: () => number;
}

/**
 * A circuit breaker around a remote store (Redis). Closed: calls go through. After `failures`
 * failures in a row it opens: calls fail at once without touching the store, so a hung Redis costs
 * each request nothing instead of a timeout. After `cooldownMs` it lets one probe call through
 * (half-open): success closes it, failure opens it for another cooldown.
 */
export class CircuitBreaker {
  private current: BreakerState = 'closed';
  private consecutiveFailures = 0;
  private openedAt = 0;
  private probing = false;
  private readonly threshold: number;
  private readonly cooldownMs: number;
  private readonly now: () => number;

  constructor(options: BreakerOptions = {}) {
    this.threshold = options.failures ?? 3;
    this.cooldownMs = options.cooldownMs ?? 5000;
    this.now = options.now ?? Date.now;
  }

  get state(): BreakerState {
    if (this.current === 'open' && this.now() - this.openedAt >= this.cooldownMs) return 'half-open';
    return this.current;
  }

  /** Runs `call` when the circuit allows it; otherwise throws BreakerOpenError without calling. */
  async run<T>(call: () => Promise<T>): Promise<T> {
    const state = this.state;
    if (state === 'open' || (state === 'half-open' && this.probing)) throw new BreakerOpenError();
    if (state === 'half-open') this.probing = true;
    try {
      const result = await call();
      this.current = 'closed';
      this.consecutiveFailures = 0;
      return result;
    } catch (error) {
      this.consecutiveFailures += 1;
      if (state === 'half-open' || this.consecutiveFailures >= this.threshold) {
        this.current = 'open';
        this.openedAt = this.now();
      }
      throw error;
    } finally {
      if (state === 'half-open') this.probing = false;
    }
  }
}

export class BreakerOpenError extends Error {
  constructor() {
    super('circuit open: Redis is skipped until its next probe');
  }
}
