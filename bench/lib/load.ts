/** The load generator process (bench/workers/load.ts), seen from the benchmark. */
import { z } from "zod";

import { startChild } from "./child.js";
import type { Posted } from "./http.js";

export const loadRequestSchema = z.object({
  url: z.url(),
  concurrency: z.int().min(1),
  posts: z.array(
    z.object({ partnerId: z.string(), customerId: z.string(), subscriptionId: z.string(), key: z.string() }),
  ),
});
export type LoadRequest = z.infer<typeof loadRequestSchema>;

const postedSchema = z.object({
  status: z.int(),
  ms: z.number(),
  error: z.string().optional(),
  location: z.string().optional(),
});
const loadAnswerSchema = z.object({ answers: z.array(postedSchema), seconds: z.number() });

export interface LoadGenerator {
  run(request: LoadRequest): Promise<{ answers: Posted[]; seconds: number }>;
  close(): Promise<void>;
}

export async function startLoadGenerator(): Promise<LoadGenerator> {
  const { child } = await startChild("load", z.literal("ready"));
  return {
    run: (request) => child.ask(request, loadAnswerSchema),
    close: () => child.close(),
  };
}
