/** The webhook receiver process (bench/workers/receiver.ts), seen from the benchmark. */
import { z } from "zod";

import { startChild } from "./child.js";

export const receiverRequestSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("secret"), secret: z.string() }),
  z.object({ kind: z.literal("clear") }),
  z.object({ kind: z.literal("count") }),
  z.object({ kind: z.literal("receipts") }),
]);
type ReceiverRequest = z.infer<typeof receiverRequestSchema>;

const receiptSchema = z.object({
  /** When it arrived, ms since the epoch. */
  at: z.number(),
  id: z.string(),
  type: z.string(),
  partnerId: z.string(),
  customerId: z.string().nullable(),
  occurredAt: z.string(),
});
export type ReceiverReceipt = z.infer<typeof receiptSchema>;

export interface BenchReceiver {
  /** Where the service delivers. */
  readonly url: string;
  useSecret(secret: string): Promise<void>;
  /** Forgets what it got so far. */
  clear(): Promise<void>;
  /** Distinct event ids verified since the last clear, and deliveries refused (bad signature) in all. */
  count(): Promise<{ distinct: number; refused: number }>;
  receipts(): Promise<{ receipts: ReceiverReceipt[]; refused: number }>;
  close(): Promise<void>;
}

export async function startBenchReceiver(): Promise<BenchReceiver> {
  const { child, ready } = await startChild("receiver", z.object({ url: z.string() }));
  const ask = <T>(request: ReceiverRequest, schema: z.ZodType<T>) => child.ask(request, schema);
  const ok = z.literal("ok");
  return {
    url: ready.url,
    useSecret: async (secret) => {
      await ask({ kind: "secret", secret }, ok);
    },
    clear: async () => {
      await ask({ kind: "clear" }, ok);
    },
    count: () => ask({ kind: "count" }, z.object({ distinct: z.number(), refused: z.number() })),
    receipts: () =>
      ask({ kind: "receipts" }, z.object({ receipts: z.array(receiptSchema), refused: z.number() })),
    close: () => child.close(),
  };
}
