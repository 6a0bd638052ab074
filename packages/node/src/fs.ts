// Placeholder until the static-file work lands (issue 5): the file-system port on this runtime.
import type { FileSystem } from "@weft/core";
const missing = (): never => {
  throw new Error("weft: the file-system port is not available yet on this runtime");
};
export const fs: FileSystem = { stat: missing, lstat: missing, realPath: missing, readDir: missing, openRange: missing };
