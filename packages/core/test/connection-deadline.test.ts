// deadline.ts: the one lazily re-armed timer per connection.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Deadline } from "../src/deadline.ts";
import { FakeClock } from "./connection-harness.ts";

test("fires once at the deadline", () => {
  const clock = new FakeClock();
  let fired = 0;
  const deadline = new Deadline(clock, () => fired++);
  deadline.set(100);
  clock.advance(99);
  assert.equal(fired, 0);
  clock.advance(1);
  assert.equal(fired, 1);
  clock.advance(1000);
  assert.equal(fired, 1);
});

test("moving the deadline later creates no new runtime timer; it fires at the latest deadline", () => {
  const clock = new FakeClock();
  let fired = 0;
  const deadline = new Deadline(clock, () => fired++);
  deadline.set(100);
  for (let i = 0; i < 50; i++) {
    clock.advance(10);
    deadline.set(100);
  }
  assert.equal(clock.pending, 1);
  assert.equal(fired, 0);
  clock.advance(100);
  assert.equal(fired, 1);
});

test("moving it earlier re-arms; 0 disarms; clear drops the runtime timer", () => {
  const clock = new FakeClock();
  let fired = 0;
  const deadline = new Deadline(clock, () => fired++);
  deadline.set(1000);
  deadline.set(10);
  clock.advance(10);
  assert.equal(fired, 1);
  deadline.set(50);
  deadline.set(0);
  clock.advance(100);
  assert.equal(fired, 1);
  deadline.set(50);
  deadline.clear();
  assert.equal(clock.pending, 0);
});
