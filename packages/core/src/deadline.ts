// Deadlines: what each connection uses for all of its timeouts (connection.ts), without a runtime timer
// of its own.
//
// A server holds thousands of idle keep-alive connections, each with a deadline, and most of them use
// one of a handful of durations (keepAliveTimeout, headersTimeout, …). Deadlines set for the same number
// of ms on the same clock expire in the order they were set, so they wait in one list per duration,
// oldest first, and ONE runtime timer per list serves them all (node's own timers group by duration the
// same way). A runtime timer per connection cost ~0.35 KiB of RSS per idle connection on Bun (issue 6).
//
// A keep-alive connection moves its deadline on every request. That must stay cheap: setting the
// same duration moves the deadline to the tail of its list (a few pointer writes); setting 0 only
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

/**
 * The deadlines of one owner (a server's connections, or one standalone Deadline) on one clock: a list
 * per duration, each with its runtime timer, and a list without a timer for entries that have nothing
 * due. Every entry that has been set and not cleared is linked in exactly one of them, so the group is
 * also the registry of its entries (`entries()`): a server finds its open connections here instead of
 * keeping a Set of them (issue 6: a Set entry cost ~50–100 B per idle connection on Bun).
 */
export class DeadlineGroup {
  /** The lists by duration in ms (a few: one per distinct timeout value in use). */
  private readonly lists = new Map<number, DeadlineList>();
  /** Entries with nothing due (set(0) while unlinked, or passed by their list's timer while disarmed). */
  readonly none: DeadlineList;

  constructor(readonly clock: Clock) {
    this.none = new DeadlineList(this, 0);
  }

  list(ms: number): DeadlineList {
    let list = this.lists.get(ms);
    if (list === undefined) {
      list = new DeadlineList(this, ms);
      this.lists.set(ms, list);
    }
    return list;
  }

  /** Every linked entry, as a new array (safe to change the entries while going through it). */
  entries(): DeadlineEntry[] {
    const all: DeadlineEntry[] = [];
    for (const list of [this.none, ...this.lists.values()]) {
      for (let entry = list.head; entry !== null; entry = entry.deadlineNext) all.push(entry);
    }
    return all;
  }
}

/** The deadlines set for one duration, oldest first, and the one runtime timer for them (ms 0: the
 * group's list of entries with nothing due, which never has a timer). */
class DeadlineList {
  head: DeadlineEntry | null = null;
  tail: DeadlineEntry | null = null;
  /** The pending runtime timer (undefined: none). */
  private timer: unknown = undefined;
  /** Inside `fire`: deadlines set by expiry callbacks are armed once, at its end. */
  private firing = false;

  constructor(
    readonly group: DeadlineGroup,
    readonly ms: number,
  ) {}

  append(entry: DeadlineEntry): void {
    entry.deadlineList = this;
    entry.deadlinePrev = this.tail;
    entry.deadlineNext = null;
    if (this.tail === null) this.head = entry;
    else this.tail.deadlineNext = entry;
    this.tail = entry;
    // A pending timer is aimed at an entry older than this one: it fires first and re-aims. Else this
    // entry, just set `ms` from now, is the one to aim at (no second reading of the clock for it).
    if (this.ms > 0 && this.timer === undefined && !this.firing) this.arm(this.ms);
  }

  remove(entry: DeadlineEntry): void {
    if (entry.deadlinePrev === null) this.head = entry.deadlineNext;
    else entry.deadlinePrev.deadlineNext = entry.deadlineNext;
    if (entry.deadlineNext === null) this.tail = entry.deadlinePrev;
    else entry.deadlineNext.deadlinePrev = entry.deadlinePrev;
    entry.deadlineList = entry.deadlinePrev = entry.deadlineNext = null;
  }

  /** Drop the runtime timer of a list nothing waits on any more: an empty list never holds one, so a
   * deadline moving between durations leaves no timer behind, and a closed server none at all. */
  cancelIfEmpty(): void {
    if (this.head !== null || this.timer === undefined) return;
    this.group.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(ms: number): void {
    this.timer = this.group.clock.setTimeout(this.fire, ms);
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    this.firing = true;
    const now = this.group.clock.now();
    const none = this.group.none;
    try {
      let entry = this.head;
      // Due entries move to the group's `none` list (they stay registered), then expire; `deadlineAt`
      // 0 means disarmed while linked (see `setDeadline`): moved without expiring.
      while (entry !== null && entry.deadlineAt <= now) {
        const due = entry.deadlineAt !== 0;
        this.remove(entry);
        entry.deadlineAt = 0;
        none.append(entry);
        if (due) entry.deadlineExpired();
        entry = this.head;
      }
    } finally {
      this.firing = false;
      if (this.head !== null && this.timer === undefined) this.arm(this.head.deadlineAt - now);
    }
  };
}

/**
 * Something with one deadline, linked straight into its group's lists: a connection extends this, so an
 * idle connection carries its deadline as four fields of its own instead of a separate object (issue 6:
 * each object per idle connection is RSS). The fields are the lists' bookkeeping; only `setDeadline`,
 * `clearDeadline` and `deadlineExpired` are meant for subclasses.
 */
export abstract class DeadlineEntry {
  /** When `deadlineExpired` is due (ms since the epoch); 0 = never. */
  deadlineAt = 0;
  /** The list this entry is linked in, and its neighbours there (see DeadlineList). */
  deadlineList: DeadlineList | null = null;
  deadlinePrev: DeadlineEntry | null = null;
  deadlineNext: DeadlineEntry | null = null;

  /** Called once the `ms` given to `setDeadline` have passed (the deadline is disarmed by then). */
  abstract deadlineExpired(): void;

  /** Expire `ms` from now; 0 (or less) disarms. From the first call until `clearDeadline`, the entry is
   * one of `group.entries()`; always the same group. `now`: the group's clock, if the caller has just
   * read it (the same reading for other work saves reading it again). */
  protected setDeadline(group: DeadlineGroup, ms: number, now?: number): void {
    const list = this.deadlineList;
    if (ms <= 0) {
      this.deadlineAt = 0;
      // Linked: stays where it is until its list's timer passes it or the next set moves it (a
      // keep-alive connection disarms and re-arms on every request: no list or timer changes for it).
      if (list === null) group.none.append(this);
      return;
    }
    this.deadlineAt = (now === undefined ? group.clock.now() : now) + ms;
    // Set later than every other entry of its duration: it belongs at the tail of that list.
    if (list !== null) {
      if (list.ms === ms && list.tail === this) return;
      list.remove(this);
      if (list.ms === ms) {
        // The same duration again (a keep-alive connection's next request): its list and timer stay.
        list.append(this);
        return;
      }
      list.cancelIfEmpty();
    }
    group.list(ms).append(this);
  }

  /** Disarm for good and leave the group (the connection is closed): no runtime timer is left waiting
   * for it. */
  protected clearDeadline(): void {
    this.deadlineAt = 0;
    const list = this.deadlineList;
    if (list !== null) {
      list.remove(this);
      list.cancelIfEmpty();
    }
  }
}

/**
 * A standalone deadline, in a group of its own: `onExpire` is called with `thisArg` as `this` (a method
 * and its object, so no closure is needed for it).
 */
export class Deadline extends DeadlineEntry {
  private readonly group: DeadlineGroup;

  constructor(
    clock: Clock,
    private readonly onExpire: () => void,
    private readonly thisArg?: unknown,
  ) {
    super();
    this.group = new DeadlineGroup(clock);
  }

  /** Expire `ms` from now; 0 (or less) disarms. */
  set(ms: number): void {
    this.setDeadline(this.group, ms);
  }

  /** Disarm for good: no runtime timer is left waiting for it. */
  clear(): void {
    this.clearDeadline();
  }

  deadlineExpired(): void {
    this.onExpire.call(this.thisArg);
  }
}
