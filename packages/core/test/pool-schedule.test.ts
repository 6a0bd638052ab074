// Worker choice, claims and body flow control, without threads (schedule.ts, claims.ts, flow.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { AHEAD_LAG_MS, type AheadView, pickAhead, pickWorker, type SlotView } from "../src/pool/schedule.ts";
import { Inbox, Outbox } from "../src/pool/flow.ts";
import { ClaimTable, tryStart } from "../src/pool/claims.ts";

const slots = (...running: (number | null)[]): SlotView[] =>
  running.map((r) => ({ ready: r !== null, running: r ?? 0 }));

const PICKS: { name: string; slots: SlotView[]; concurrency: number; cursor: number; expect: number }[] = [
  { name: "all idle: the cursor's worker", slots: slots(0, 0, 0, 0), concurrency: 1, cursor: 2, expect: 2 },
  { name: "cursor wraps around", slots: slots(1, 0, 1, 1), concurrency: 1, cursor: 2, expect: 1 },
  { name: "all busy: none (the job waits in the shared FIFO)", slots: slots(1, 1, 1), concurrency: 1, cursor: 0, expect: -1 },
  { name: "a worker not ready (starting or replaced) is skipped", slots: slots(null, 0), concurrency: 1, cursor: 0, expect: 1 },
  { name: "no ready worker: none", slots: slots(null, null), concurrency: 1, cursor: 0, expect: -1 },
  { name: "concurrency 2: least loaded first", slots: slots(1, 0, 1), concurrency: 2, cursor: 0, expect: 1 },
  { name: "concurrency 2: a half-busy worker still takes a job", slots: slots(2, 1, 2), concurrency: 2, cursor: 0, expect: 1 },
  { name: "concurrency 2: ties go to the cursor", slots: slots(1, 1, 1), concurrency: 2, cursor: 1, expect: 1 },
  { name: "concurrency 2: all full: none", slots: slots(2, 2), concurrency: 2, cursor: 0, expect: -1 },
];

for (const row of PICKS) {
  test(`pickWorker: ${row.name}`, () => {
    assert.equal(pickWorker(row.slots, row.concurrency, row.cursor), row.expect);
  });
}

// [running, progressAt] per worker; null: not ready.
const ahead = (...rows: ([number, number] | null)[]): AheadView[] =>
  rows.map((r) => ({ ready: r !== null, running: r?.[0] ?? 0, progressAt: r?.[1] ?? 0 }));

const AHEAD_PICKS: { name: string; slots: AheadView[]; limit: number; cursor: number; expect: number }[] = [
  { name: "all moving: least loaded", slots: ahead([5, 100], [3, 100.5]), limit: 9, cursor: 0, expect: 1 },
  { name: "all moving: ties go to the cursor", slots: ahead([3, 100], [3, 100]), limit: 9, cursor: 1, expect: 1 },
  { name: "a worker that stopped moving gets nothing, however idle", slots: ahead([1, 100 - AHEAD_LAG_MS - 0.1], [6, 100]), limit: 9, cursor: 0, expect: 1 },
  { name: "just inside the window it still counts as moving", slots: ahead([1, 100 - AHEAD_LAG_MS], [6, 100]), limit: 9, cursor: 0, expect: 0 },
  { name: "the moving worker is full: none (the job waits in the FIFO)", slots: ahead([1, 90], [9, 100]), limit: 9, cursor: 0, expect: -1 },
  { name: "a worker not ready does not set the pace", slots: ahead(null, [2, 50], [4, 50.2]), limit: 9, cursor: 0, expect: 1 },
  { name: "all full: none", slots: ahead([9, 100], [9, 100]), limit: 9, cursor: 0, expect: -1 },
];

for (const row of AHEAD_PICKS) {
  test(`pickAhead: ${row.name}`, () => {
    assert.equal(pickAhead(row.slots, row.limit, row.cursor), row.expect);
  });
}

test("pickWorker: a job never waits while any worker has a free slot", () => {
  for (let n = 1; n <= 5; n++) {
    for (let mask = 0; mask < 1 << n; mask++) {
      const view = Array.from({ length: n }, (_, i) => ({ ready: true, running: (mask >> i) & 1 }));
      const free = view.some((s) => s.running < 1);
      for (let cursor = 0; cursor < n; cursor++) {
        const pick = pickWorker(view, 1, cursor);
        assert.equal(pick !== -1, free, `n=${n} mask=${mask} cursor=${cursor}`);
        if (pick !== -1) assert.equal(view[pick]!.running, 0);
      }
    }
  }
});

test("Outbox sends at most `window` chunks before credit, then resumes on grant", async () => {
  let produced = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (produced === 10) return controller.close();
      controller.enqueue(new Uint8Array([produced++]));
    },
  });
  const outbox = new Outbox(body, 3);
  const sent: number[] = [];
  let ended = false;
  const done = outbox.pump((chunk) => sent.push(chunk[0]!), () => (ended = true));
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.deepEqual(sent, [0, 1, 2]);
  outbox.grant(4);
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.deepEqual(sent, [0, 1, 2, 3, 4, 5, 6]);
  outbox.grant(10);
  assert.equal(await done, true);
  assert.equal(ended, true);
  assert.equal(sent.length, 10);
});

test("Inbox hands chunks over only as the consumer pulls, returning credit in half-window batches", async () => {
  const grants: number[] = [];
  const inbox = new Inbox(4, (n) => grants.push(n), () => {});
  for (let i = 0; i < 4; i++) inbox.push(new Uint8Array([i]).buffer);
  assert.deepEqual(grants, [], "nothing consumed yet, no credit back");
  const reader = inbox.stream.getReader();
  assert.deepEqual((await reader.read()).value, new Uint8Array([0]));
  assert.deepEqual(grants, []);
  assert.deepEqual((await reader.read()).value, new Uint8Array([1]));
  assert.deepEqual(grants, [2]);
  await reader.read();
  await reader.read();
  assert.deepEqual(grants, [2, 2]);
  const pending = reader.read(); // waits on an empty inbox
  inbox.push(new Uint8Array([9]).buffer);
  assert.deepEqual((await pending).value, new Uint8Array([9]));
  inbox.end();
  assert.equal((await reader.read()).done, true);
});

test("Inbox: a failure reaches a waiting consumer; a cancel reaches the sender", async () => {
  const inbox = new Inbox(2, () => {}, () => {});
  const reader = inbox.stream.getReader();
  const pending = reader.read();
  inbox.fail(new Error("worker gone"));
  await assert.rejects(pending, /worker gone/);

  let cancelled = false;
  const other = new Inbox(2, () => {}, () => (cancelled = true));
  await other.stream.cancel();
  assert.equal(cancelled, true);
  other.push(new Uint8Array([1]).buffer); // late chunks after cancel are dropped, not thrown
});

test("claims: exactly one of worker (start) and main (take back) wins a job", () => {
  const table = new ClaimTable(2);
  const cells = new Int32Array(table.buffer!);
  const started = table.issue()!;
  assert.equal(tryStart(cells, started), true);
  assert.equal(table.revoke(started), false, "a started job cannot be taken back");
  assert.equal(tryStart(cells, started), false, "nor started twice");
  const revoked = table.issue()!;
  assert.equal(table.revoke(revoked), true);
  assert.equal(tryStart(cells, revoked), false, "a taken-back job is not started by its old worker");
  assert.equal(table.revoke(revoked), false);
});

test("claims: a stale job message can never win a reused cell", () => {
  const table = new ClaimTable(1);
  const cells = new Int32Array(table.buffer!);
  const first = table.issue()!;
  assert.equal(table.issue(), null, "every cell is out");
  assert.equal(table.revoke(first), true); // the cell is free again
  const second = table.issue()!;
  assert.equal(second.cell, first.cell);
  assert.notEqual(second.token, first.token);
  assert.equal(tryStart(cells, first), false, "the old message for this cell loses");
  assert.equal(tryStart(cells, second), true);
  table.release(second);
  assert.ok(table.issue());
});

test("claims: size 0 turns them off", () => {
  const table = new ClaimTable(0);
  assert.equal(table.buffer, null);
  assert.equal(table.issue(), null);
});
