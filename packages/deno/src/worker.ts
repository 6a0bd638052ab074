// Placeholder until the worker-pool work lands (issue 4): spawning workers on this runtime.
import type { SpawnWorker } from "@weft/core";
export const spawnWorker: SpawnWorker = () => {
  throw new Error("weft: the worker pool is not available yet on this runtime");
};
