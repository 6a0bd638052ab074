// Deno: once a connection's read bookkeeping is in V8's old generation, every Conn.read allocates there.
// A standalone reproduction for an upstream report (BENCHMARKS.md, "Deno: reads that allocate in the old
// generation"); not part of any test or benchmark. The bookkeeping is `#pendingReadPromises`, a Set in
// Deno's ext/net/01_net.js: each read adds its promise and deletes it when done. Deleting the only entry
// shrinks the Set, and V8 allocates the new table in the generation of the one it replaces, so a Set
// whose table was promoted allocates in old space on every read from then on.
//
//   npx deno run -A scripts/repro/deno-conn-read.ts           # reads start at once
//   npx deno run -A scripts/repro/deno-conn-read.ts --aged    # the same, after every pending read has
//                                                             # waited through a few young collections
//
// One process, loopback only: a Deno.listen server echoing 1 byte per read, and CONNECTIONS Deno.connect
// clients doing ROUND_TRIPS round trips each. It prints how much the old space grew during the round
// trips (the sum of its increases, sampled every SAMPLE_EVERY round trips, so a mark-compact in between
// does not hide growth) and the bytes per read that makes.
import v8 from "node:v8";

const CONNECTIONS = 20;
const ROUND_TRIPS = 5_000;
const SAMPLE_EVERY = 100;
const aged = Deno.args.includes("--aged");

const oldSpaceUsed = (): number => v8.getHeapSpaceStatistics().find((s) => s.space_name === "old_space")!.space_used_size;

const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
async function echo(conn: Deno.Conn): Promise<void> {
  const byte = new Uint8Array(1);
  try {
    while ((await conn.read(byte)) !== null) await conn.write(byte);
  } catch {
    // the client went away
  } finally {
    try {
      conn.close();
    } catch {
      // already closed
    }
  }
}
void (async () => {
  for await (const conn of listener) void echo(conn);
})();

const clients = await Promise.all(
  Array.from({ length: CONNECTIONS }, () => Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port })),
);
await new Promise((resolve) => setTimeout(resolve, 50)); // every server-side read is now pending

if (aged) {
  // Short-lived garbage only: young collections run while every read (server and client side) waits.
  let junk: { i: number }[] = [];
  for (let i = 0; i < 3_000_000; i++) {
    junk.push({ i });
    if (junk.length > 1000) junk = [];
  }
}

let grown = 0;
let last = oldSpaceUsed();
const sample = () => {
  const now = oldSpaceUsed();
  if (now > last) grown += now - last;
  last = now;
};
await Promise.all(clients.map(async (client, index) => {
  const byte = new Uint8Array(1);
  for (let i = 1; i <= ROUND_TRIPS; i++) {
    await client.write(byte);
    await client.read(byte);
    if (index === 0 && i % SAMPLE_EVERY === 0) sample();
  }
}));
sample();
const reads = 2 * CONNECTIONS * ROUND_TRIPS; // one server read and one client read per round trip
console.log(`${aged ? "aged" : "fresh"}: old space grew ${(grown / 1048576).toFixed(1)} MB over ${reads} reads, ${Math.round(grown / reads)} B per read`);
for (const client of clients) client.close();
listener.close();
