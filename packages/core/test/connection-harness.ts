// A fake Transport and clock for driving connection.ts without sockets (connection*.test.ts).
import { Connection } from "../src/connection.ts";
import type { Clock, ConnectionConfig } from "../src/connection.ts";
import { resolveConnectionOptions, resolveLeniency, resolveLimits, resolveTimeouts } from "../src/options.ts";
import type { ConnectionOptions, Limits, Timeouts } from "../src/options.ts";
import type { Transport } from "../src/ports.ts";
import type { AccessLogEntry, FetchHandler } from "../src/types.ts";

const decoder = new TextDecoder();
export const enc = (text: string): Uint8Array => new TextEncoder().encode(text);

/** Timers that only move when the test says so. */
export class FakeClock implements Clock {
  time = 1_000_000;
  private timers = new Map<number, { at: number; fn: () => void }>();
  private next = 1;
  now(): number {
    return this.time;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.timers.set(id, { at: this.time + ms, fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  get pending(): number {
    return this.timers.size;
  }
  /** Move time forward, firing due timers in order. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      let due: [number, { at: number; fn: () => void }] | null = null;
      for (const entry of this.timers) if (entry[1].at <= end && (due === null || entry[1].at < due[1].at)) due = entry;
      if (due === null) break;
      this.timers.delete(due[0]);
      this.time = Math.max(this.time, due[1].at);
      due[1].fn();
    }
    this.time = end;
  }
}

/** Records what core does to the socket. `accept` false makes write() report a full buffer. */
export class FakeTransport implements Transport {
  readonly writes: Uint8Array[] = [];
  readingPaused = false;
  ended = false;
  destroyed = false;
  acceptWrites = true;
  remoteAddress = "127.0.0.1";
  remotePort = 40000;
  write(data: Uint8Array): boolean {
    if (this.ended || this.destroyed) return false;
    this.writes.push(data.slice());
    return this.acceptWrites;
  }
  pauseReading(): void {
    this.readingPaused = true;
  }
  resumeReading(): void {
    this.readingPaused = false;
  }
  end(): void {
    this.ended = true;
  }
  destroy(): void {
    this.destroyed = true;
  }
  /** Everything written so far, as text. */
  get text(): string {
    return this.writes.map((w) => decoder.decode(w)).join("");
  }
}

export interface Harness {
  transport: FakeTransport;
  clock: FakeClock;
  connection: Connection;
  logs: AccessLogEntry[];
  errors: unknown[];
  closed: boolean;
}

export function harness(
  fetch: FetchHandler,
  overrides: {
    limits?: Partial<Limits>;
    timeouts?: Partial<Timeouts>;
    connection?: Partial<ConnectionOptions>;
    workerOf?: ConnectionConfig["workerOf"];
    submit?: ConnectionConfig["submit"];
    /** A FakeTransport subclass (e.g. one with writev). */
    transport?: FakeTransport;
  } = {},
): Harness {
  const transport = overrides.transport ?? new FakeTransport();
  const clock = new FakeClock();
  const h = { transport, clock, logs: [], errors: [], closed: false } as unknown as Harness;
  const config: ConnectionConfig = {
    fetch,
    submit: overrides.submit,
    limits: resolveLimits(overrides.limits),
    leniency: resolveLeniency(),
    timeouts: resolveTimeouts(overrides.timeouts),
    connection: resolveConnectionOptions(overrides.connection),
    fallbackHost: "127.0.0.1:8080",
    clock,
    onLog: (entry) => h.logs.push(entry),
    workerOf: overrides.workerOf,
    onHandlerError: (error) => h.errors.push(error),
    onClosed: () => (h.closed = true),
  };
  h.connection = new Connection(transport, config);
  return h;
}

/** Let promise chains run (handlers, body collection, the response loop). */
export async function settle(rounds = 50): Promise<void> {
  for (let i = 0; i < rounds; i++) await null;
  await new Promise((resolve) => setTimeout(resolve, 0));
  for (let i = 0; i < rounds; i++) await null;
}

/** Split raw response text into responses by status line (enough for assertions on order and status). */
export function statuses(text: string): number[] {
  return [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
}
