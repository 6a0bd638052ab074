// One lazily re-armed timer: what each connection uses for all of its timeouts (connection.ts).
//
// A keep-alive connection moves its deadline on every read. Clearing and creating a runtime timer each
// time costs more than the request itself, so `set` only records the new deadline when it is later than
// the pending timer: that timer fires early, sees the deadline has moved, and sleeps again for the rest.
// A runtime timer is created only when the deadline moves earlier or none is pending.

/** Time, injectable so tests can move it. */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const SYSTEM_CLOCK: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as Parameters<typeof clearTimeout>[0]),
};

export class Deadline {
  /** The pending runtime timer, and when it fires. */
  private timer: unknown = undefined;
  private timerAt = 0;
  /** When `onExpire` is due (ms since the epoch); 0 = never. */
  private at = 0;

  constructor(
    private readonly clock: Clock,
    private readonly onExpire: () => void,
  ) {}

  /** Expire `ms` from now; 0 (or less) disarms. */
  set(ms: number): void {
    if (ms <= 0) {
      this.at = 0; // a pending timer finds no deadline and stops
      return;
    }
    this.at = this.clock.now() + ms;
    if (this.timer !== undefined && this.timerAt <= this.at) return; // fires early, then sleeps again
    this.cancelTimer();
    this.arm(ms);
  }

  /** Disarm and drop the runtime timer (the connection is closed). */
  clear(): void {
    this.at = 0;
    this.cancelTimer();
  }

  private arm(ms: number): void {
    this.timerAt = this.at;
    this.timer = this.clock.setTimeout(this.fire, ms);
  }

  private cancelTimer(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    if (this.at === 0) return;
    const left = this.at - this.clock.now();
    if (left > 0) return this.arm(left);
    this.at = 0;
    this.onExpire();
  };
}
