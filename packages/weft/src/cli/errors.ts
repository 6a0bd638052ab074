// Turning start-up failures into one friendly line. Each runtime reports a failed listen differently
// (checked on this machine): Node `Error{code:"EADDRINUSE"}`, Deno `Deno.errors.AddrInUse` (name
// "AddrInUse", code "EADDRINUSE"), Bun `Error{code:"EADDRINUSE", message:"Failed to listen at …"}`.
// Matching on `code`, then on Deno's error names, covers all three.

const codeOf = (error: unknown): string => {
  const e = error as { code?: unknown; name?: unknown } | null;
  if (typeof e?.code === "string") return e.code;
  switch (e?.name) {
    case "AddrInUse":
      return "EADDRINUSE";
    case "AddrNotAvailable":
      return "EADDRNOTAVAIL";
    case "PermissionDenied":
      return "EACCES";
    case "NotFound":
      return "ENOENT";
    default:
      return "";
  }
};

const hostPort = (host: string, port: number): string => (host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`);

/** The message for an error thrown by serve(); null when it is not a known listen failure. */
export function listenErrorMessage(error: unknown, host: string, port: number): string | null {
  switch (codeOf(error)) {
    case "EADDRINUSE":
      return `port ${port} is already in use on ${host} (stop the other server, or pick another with --port; --port 0 takes any free port)`;
    case "EACCES":
    case "EPERM":
      return `permission denied to listen on ${hostPort(host, port)}${port < 1024 ? " (ports below 1024 need extra privileges; try --port 8080)" : ""}`;
    case "EADDRNOTAVAIL":
      return `cannot listen on ${host}: no such address on this machine (try --host 127.0.0.1 or --host 0.0.0.0)`;
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `cannot resolve host "${host}"`;
    default:
      return null;
  }
}

/** The message for a folder that cannot be served; null when it is not a known file-system error. */
export function folderErrorMessage(error: unknown, dir: string): string | null {
  switch (codeOf(error)) {
    case "ENOENT":
      return `no such folder: ${dir}`;
    case "ENOTDIR":
      return `not a folder: ${dir}`;
    case "EACCES":
    case "EPERM":
      return `cannot read folder ${dir}: permission denied`;
    default:
      return null;
  }
}
