/**
 * CPU time of this process's children (Azurite, the emulator, load generators), read from /proc, so
 * a benchmark can say which process a run kept busy. Linux only; empty elsewhere.
 */
import { readdirSync, readFileSync } from "node:fs";

const TICKS_PER_SECOND = 100;

export interface ProcessCpu {
  readonly pid: number;
  /** The command line, shortened to what names it (e.g. "azurite table/main.js"). */
  readonly name: string;
  readonly cpuMs: number;
}

export function childrenCpu(parent: number = process.pid): ProcessCpu[] {
  let entries: string[];
  try {
    entries = readdirSync("/proc").filter((entry) => /^\d+$/.test(entry));
  } catch {
    return [];
  }
  const found: ProcessCpu[] = [];
  for (const entry of entries) {
    const stat = readOrUndefined(`/proc/${entry}/stat`);
    if (stat === undefined) continue;
    // Fields after the command (which may hold spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(fields[1]) !== parent) continue;
    const ticks = Number(fields[11]) + Number(fields[12]);
    const command = (readOrUndefined(`/proc/${entry}/cmdline`) ?? "").split("\0").filter(Boolean);
    found.push({ pid: Number(entry), name: nameOf(command), cpuMs: (ticks * 1000) / TICKS_PER_SECOND });
  }
  return found;
}

/** The benchmark's own helpers and hosts; tsx's esbuild service and the like are left out. */
const KNOWN: ReadonlySet<string> = new Set(["azurite", "emulator", "load", "host"]);

/** CPU ms each known child (azurite, emulator, load, host) spent since `before`, by name. */
export function cpuSince(before: readonly ProcessCpu[], after: readonly ProcessCpu[]): Map<string, number> {
  const spent = new Map<string, number>();
  for (const now of after.filter((entry) => KNOWN.has(entry.name))) {
    const then = before.find((entry) => entry.pid === now.pid)?.cpuMs ?? 0;
    spent.set(now.name, (spent.get(now.name) ?? 0) + now.cpuMs - then);
  }
  return spent;
}

function nameOf(command: readonly string[]): string {
  const script = command.find((part) => /\.(ts|js)$/.test(part)) ?? command[0] ?? "?";
  if (script.includes("azurite")) return "azurite";
  if (script.endsWith("/host/cli.js")) return "host";
  const file = script.slice(script.lastIndexOf("/") + 1).replace(/\.(ts|js)$/, "");
  return file;
}

function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

/**
 * CPU ms of this process's main thread (the event loop: the product's JavaScript) so far; the rest
 * of process.cpuUsage() is V8's and libuv's helper threads (concurrent GC marking and sweeping,
 * optimising compilation, the thread pool). Undefined where /proc is not there.
 */
export function mainThreadCpuMs(): number | undefined {
  const stat = readOrUndefined(`/proc/self/task/${process.pid}/stat`);
  if (stat === undefined) return undefined;
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}
