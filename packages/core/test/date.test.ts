// The Date field (RFC 9110 §6.6.1): IMF-fixdate, formatted at most once per second. The clock is injected,
// so the test moves time instead of sleeping.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHttpDate, httpDate } from "../src/date.ts";

test("formats IMF-fixdate (RFC 9110 §5.6.7 example)", () => {
  const format = createHttpDate(() => 784111777000);
  assert.equal(format(), "Sun, 06 Nov 1994 08:49:37 GMT");
});

test("pads single-digit days and times", () => {
  assert.equal(createHttpDate(() => Date.UTC(2026, 0, 2, 3, 4, 5))(), "Fri, 02 Jan 2026 03:04:05 GMT");
});

test("the same second is formatted once; the next second changes the value", () => {
  let now = Date.UTC(2026, 10, 22, 5, 0, 0) + 1; // .001 into a second
  const format = createHttpDate(() => now);
  const original = Date.prototype.toUTCString;
  let formats = 0;
  Date.prototype.toUTCString = function (this: Date) {
    formats++;
    return original.call(this);
  };
  try {
    const first = format();
    now += 500;
    assert.equal(format(), first);
    now += 498; // .999
    assert.equal(format(), first);
    assert.equal(formats, 1, "formatted once within the second");
    now += 1; // next second
    const second = format();
    assert.notEqual(second, first);
    assert.equal(second, "Sun, 22 Nov 2026 05:00:01 GMT");
    assert.equal(formats, 2);
    now -= 5000; // a clock that steps back is still answered correctly
    assert.equal(format(), "Sun, 22 Nov 2026 04:59:56 GMT");
  } finally {
    Date.prototype.toUTCString = original;
  }
});

test("httpDate is the real clock's current second", () => {
  const before = Math.floor(Date.now() / 1000) * 1000;
  const parsed = Date.parse(httpDate());
  const after = Date.now();
  assert.ok(parsed >= before && parsed <= after, `${parsed} not in [${before}, ${after}]`);
});
