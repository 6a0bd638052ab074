// The pool's job tables (pool/id-table.ts): lookups by id, removal, and oldest-first order.
import { test } from "node:test";
import assert from "node:assert/strict";
import { IdTable } from "../src/pool/id-table.ts";

const item = (id: number) => ({ id, name: `job ${id}` });

test("IdTable: add, get, has, size", () => {
  const table = new IdTable<{ id: number; name: string }>();
  assert.equal(table.size, 0);
  assert.equal(table.get(1), undefined);
  for (const id of [7, 3, 11]) table.add(item(id));
  assert.equal(table.size, 3);
  assert.equal(table.get(3)?.name, "job 3");
  assert.equal(table.has(11), true);
  assert.equal(table.has(4), false);
});

test("IdTable: delete says whether the id was there, and keeps the others in order", () => {
  const table = new IdTable<{ id: number; name: string }>();
  for (const id of [1, 2, 3, 4]) table.add(item(id));
  assert.equal(table.delete(2), true);
  assert.equal(table.delete(2), false);
  assert.equal(table.delete(99), false);
  assert.deepEqual(table.values().map((j) => j.id), [1, 3, 4]);
  assert.equal(table.get(2), undefined);
  table.add(item(5));
  assert.deepEqual(table.values().map((j) => j.id), [1, 3, 4, 5]);
});

test("IdTable: values() is a copy, so the table may change while it is walked", () => {
  const table = new IdTable<{ id: number; name: string }>();
  for (const id of [1, 2, 3]) table.add(item(id));
  const seen: number[] = [];
  for (const job of table.values()) {
    seen.push(job.id);
    table.delete(job.id);
  }
  assert.deepEqual(seen, [1, 2, 3]);
  assert.equal(table.size, 0);
});

test("IdTable: churn like a pool's (add one, drop the oldest) keeps exactly the live ones", () => {
  const table = new IdTable<{ id: number; name: string }>();
  for (let id = 1; id <= 10_000; id++) {
    table.add(item(id));
    if (table.size > 9) assert.equal(table.delete(id - 9), true);
  }
  assert.deepEqual(table.values().map((j) => j.id), [9992, 9993, 9994, 9995, 9996, 9997, 9998, 9999, 10000]);
});
