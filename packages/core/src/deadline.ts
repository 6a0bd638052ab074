// Deadlines: what each connection uses for all of its timeouts (connection.ts), without a runtime timer
// of its own.
//
// A server holds thousands of idle keep-alive connections, each with a deadline, and most of them use
// one of a handful of durations (keepAliveTimeout, headersTimeout, …). Deadlines set for the same number
// of ms on the same clock expire in the order they were set, so they wait in one list per duration,
// oldest first, and ONE runtime timer per list serves them all (node's own timers group by duration the
// same way). A runtime timer per connection cost ~0.35 KiB of RSS per idle connection on Bun (issue 6).
//
// A keep-alive connection moves its deadline on every request. That must stay cheap: `set` with the
// same duration moves the deadline to the tail of its list (a few pointer writes); `set(0)` only
// records that nothing is due, the entry stays linked until its list's timer passes it. A list's runtime
// timer is created only when the list has none pending; it is aimed at the oldest entry and, when it
// fires, expires what is due and re-aims at the next one. A list left empty drops its timer.
//
// Order relies on the clock not going backwards; if the system clock is set back, a deadline can expire
// late by at most that step.

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

/** Each clock's lists, by duration in ms (a few entries: one per distinct timeout value in use). */
const listsByClock = new WeakMap<Clock, Map<number, DeadlineList>>();

function listsOf(clock: Clock): Map<number, DeadlineList> {
  let lists = listsByClock.get(clock);
  if (lists === undefined) {
    lists = new Map();
    listsByClock.set(clock, lists);
  }
  return lists;
}

/** The deadlines set for one duration on one clock, oldest first, and the one runtime timer for them. */
class DeadlineList {
  head: Deadline | null = null;
  tail: Deadline | null = null;
  /** The pending runtime timer (undefined: none). */
  private timer: unknown = undefined;
  /** Inside `fire`: deadlines set by expiry callbacks are armed once, at its end. */
  private firing = false;

  constructor(
    private readonly clock: Clock,
    readonly ms: number,
  ) {}

  append(deadline: Deadline): void {
    deadline.list = this;
    deadline.prev = this.tail;
    deadline.next = null;
    if (this.tail === null) this.head = deadline;
    else this.tail.next = deadline;
    this.tail = deadline;
    // A pending timer is aimed at an entry older than this one: it fires first and re-aims.
    if (this.timer === undefined && !this.firing) this.arm(deadline.at - this.clock.now());
  }

  remove(deadline: Deadline): void {
    if (deadline.prev === null) this.head = deadline.next;
    else deadline.prev.next = deadline.next;
    if (deadline.next === null) this.tail = deadline.prev;
    else deadline.next.prev = deadline.prev;
    deadline.list = deadline.prev = deadline.next = null;
  }

  /** Drop the runtime timer of a list nothing waits on any more: an empty list never holds one, so a
   * deadline moving between durations leaves no timer behind, and a closed server none at all. */
  cancelIfEmpty(): void {
    if (this.head !== null || this.timer === undefined) return;
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(ms: number): void {
    this.timer = this.clock.setTimeout(this.fire, ms);
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    this.firing = true;
    const now = this.clock.now();
    try {
      let deadline = this.head;
      // `at` 0: disarmed while linked (see `Deadline.set`); dropped here without expiring.
      while (deadline !== null && deadline.at <= now) {
        this.remove(deadline);
        if (deadline.at !== 0) deadline.expire();
        deadline = this.head;
      }
    } finally {
      this.firing = false;
      if (this.head !== null && this.timer === undefined) this.arm(this.head.at - now);
    }
  };
}

/**
 * One connection's deadline. `onExpire` is called with `thisArg` as `this` (a method and its object,
 * so a connection needs no closure for it).
 */
export class Deadline {
  /** When `onExpire` is due (ms since the epoch); 0 = never. */
  at = 0;
  /** The list this deadline is linked in, and its neighbours there (see DeadlineList). */
  list: DeadlineList | null = null;
  prev: Deadline | null = null;
  next: Deadline | null = null;
  private readonly lists: Map<number, DeadlineList>;

  constructor(
    private readonly clock: Clock,
    private readonly onExpire: () => void,
    private readonly thisArg?: unknown,
  ) {
    this.lists = listsOf(clock);
  }

  /** Expire `ms` from now; 0 (or less) disarms. */
  set(ms: number): void {
    if (ms <= 0) {
      this.at = 0; // stays linked: its list's timer drops it, or the next `set` moves it
      return;
    }
    this.at = this.clock.now() + ms;
    // Set later than every other entry of its duration: it belongs at the tail of that list.
    const list = this.list;
    if (list !== null) {
      if (list.ms === ms && list.tail === this) return;
      list.remove(this);
      list.cancelIfEmpty();
    }
    let target = this.lists.get(ms);
    if (target === undefined) {
      target = new DeadlineList(this.clock, ms);
      this.lists.set(ms, target);
    }
    target.append(this);
  }

  /** Disarm for good (the connection is closed): no runtime timer is left waiting for it. */
  clear(): void {
    this.at = 0;
    const list = this.list;
    if (list !== null) {
      list.remove(this);
      list.cancelIfEmpty();
    }
  }

  /** Called by its list when `at` has passed. */
  expire(): void {
    this.at = 0;
    this.onExpire.call(this.thisArg);
  }
}
