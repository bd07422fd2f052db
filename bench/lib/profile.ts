/**
 * Optional CPU profile of a benchmark's timed part only (setup and checks excluded): set
 * BENCH_PROFILE_DIR and a `.cpuprofile` per timed part is written there (open it in Chrome DevTools
 * or summarise it with bench/profileSummary.ts).
 */
import { writeFile, mkdir } from "node:fs/promises";
import { Session } from "node:inspector/promises";
import path from "node:path";

export interface Profiling {
  stop(): Promise<void>;
}

export async function startProfiling(label: string): Promise<Profiling> {
  const folder = process.env.BENCH_PROFILE_DIR;
  if (folder === undefined || folder === "") return { stop: () => Promise.resolve() };
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 500 });
  await session.post("Profiler.start");
  return {
    stop: async () => {
      const { profile } = await session.post("Profiler.stop");
      session.disconnect();
      await mkdir(folder, { recursive: true });
      const file = path.join(folder, `${label}-${Date.now()}.cpuprofile`);
      await writeFile(file, JSON.stringify(profile));
      process.stderr.write(`profile: ${file}\n`);
    },
  };
}
