// The worker pool on child processes of the runtime running the tests (PoolOptions.isolation =
// "process"): the same suite as pool.test.ts (fixtures/pool-suite.ts).
import { poolSuite } from "./fixtures/pool-suite.ts";

poolSuite("process");
