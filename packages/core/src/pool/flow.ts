// Credit-based flow control for bodies crossing the pool, the same in both directions (protocol.ts):
// the sender may have at most `window` chunks outstanding; the receiver hands chunks to its consumer
// only when that consumer pulls, and returns credit as it does. A slow client therefore stalls the
// handler's body stream instead of growing memory on either thread.

/** Receiving side: chunk messages in, a pull-based ReadableStream out. */
export class Inbox {
  /** Chunks received but not yet pulled by the consumer (at most `window`, by the sender's credit). */
  #buffered: Uint8Array[] = [];
  /** Set while the consumer waits on an empty buffer: the next chunk (or end/error) goes straight to it. */
  #waiting: ((done: boolean) => void) | null = null;
  #controller: ReadableStreamDefaultController<Uint8Array> | null = null;
  #ended = false;
  #failed: unknown = undefined;
  #hasFailed = false;
  /** Chunks consumed since credit was last returned; returned in batches of half a window so a large
   * body costs one credit message per few chunks, never so late that the sender sits idle. */
  #consumed = 0;
  readonly #batch: number;
  readonly stream: ReadableStream<Uint8Array>;

  constructor(window: number, grant: (n: number) => void, onCancel: () => void) {
    this.#batch = Math.max(1, Math.floor(window / 2));
    this.stream = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.#controller = controller;
        },
        pull: (controller) => {
          if (this.#buffered.length === 0 && !this.#ended && !this.#hasFailed) {
            return new Promise<void>((resolve) => {
              this.#waiting = () => {
                this.#waiting = null;
                this.#deliver(controller, grant);
                resolve();
              };
            });
          }
          this.#deliver(controller, grant);
        },
        cancel: () => {
          this.#buffered = [];
          this.#ended = true;
          // A pull still waiting must not touch the cancelled controller: drop it.
          this.#waiting = null;
          onCancel();
        },
      },
      // High-water mark 0: pull() runs only when the consumer actually asks for a chunk.
      { highWaterMark: 0 },
    );
  }

  #deliver(controller: ReadableStreamDefaultController<Uint8Array>, grant: (n: number) => void): void {
    const chunk = this.#buffered.shift();
    if (chunk) {
      controller.enqueue(chunk);
      if (++this.#consumed >= this.#batch) {
        grant(this.#consumed);
        this.#consumed = 0;
      }
      return;
    }
    if (this.#hasFailed) controller.error(this.#failed);
    else if (this.#ended) controller.close();
  }

  push(chunk: ArrayBuffer): void {
    if (this.#ended || this.#hasFailed) return;
    this.#buffered.push(new Uint8Array(chunk));
    this.#waiting?.(false);
  }

  end(): void {
    if (this.#ended || this.#hasFailed) return;
    this.#ended = true;
    this.#waiting?.(true);
  }

  fail(error: unknown): void {
    if (this.#ended || this.#hasFailed) return;
    this.#hasFailed = true;
    this.#failed = error;
    this.#buffered = [];
    if (this.#waiting) this.#waiting(true);
    else {
      try {
        this.#controller?.error(error);
      } catch {
        // Already closed or errored: nothing to tell the consumer.
      }
    }
  }
}

/** Sending side: reads `body` and calls `send` for each chunk while credit lasts, then waits for
 * `grant`. Resolves true when the body ended (after `end` was called), false when it was cancelled. */
export class Outbox {
  #credit: number;
  #wake: (() => void) | null = null;
  #cancelled = false;
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  /** A read already started by whoever looked at the body first (worker-loop's small-body check). */
  #pending: ReturnType<ReadableStreamDefaultReader<Uint8Array>["read"]> | null;

  constructor(
    body: ReadableStream<Uint8Array> | ReadableStreamDefaultReader<Uint8Array>,
    credit: number,
    pending: ReturnType<ReadableStreamDefaultReader<Uint8Array>["read"]> | null = null,
  ) {
    this.#credit = credit;
    this.#reader = body instanceof ReadableStream ? body.getReader() : body;
    this.#pending = pending;
  }

  grant(n: number): void {
    this.#credit += n;
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  cancel(reason?: unknown): void {
    if (this.#cancelled) return;
    this.#cancelled = true;
    this.#reader.cancel(reason).catch(() => {});
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  /** Pumps until the body ends (true), is cancelled (false), or throws (rejects). */
  async pump(send: (chunk: Uint8Array) => void, end: () => void): Promise<boolean> {
    for (;;) {
      if (this.#cancelled) return false;
      if (this.#credit <= 0) {
        await new Promise<void>((resolve) => (this.#wake = resolve));
        continue;
      }
      const read = this.#pending ?? this.#reader.read();
      this.#pending = null;
      const { done, value } = await read;
      if (this.#cancelled) return false;
      if (done) {
        end();
        return true;
      }
      // Zero-length chunks carry nothing; sending them would spend credit for no data.
      if (value.byteLength === 0) continue;
      this.#credit--;
      send(value);
    }
  }
}
