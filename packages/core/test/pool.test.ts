// The worker pool on threads of the runtime running the tests (fixtures/pool-suite.ts).
import { poolSuite } from "./fixtures/pool-suite.ts";

poolSuite("thread");
