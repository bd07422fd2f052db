/**
 * The Service Bus entities, declared once in `infra/servicebus-topology.json`: the emulator serves
 * exactly these queues and the Bicep check compares the template against the same file.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { z } from "zod";

import { errorMessage } from "../../shared/errors.js";

export const DEFAULT_TOPOLOGY_PATH = fileURLToPath(
  new URL("../../infra/servicebus-topology.json", import.meta.url),
);

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

/** Weeks, days, hours, minutes and seconds only: years and months have no fixed length. */
const ISO_DURATION = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** Milliseconds in an ISO 8601 duration such as `PT1M` or `P14D`; undefined when it is not one. */
export function parseIsoDuration(text: string): number | undefined {
  const match = ISO_DURATION.exec(text);
  if (!match || text === "P" || text.endsWith("T")) return undefined;
  const [weeks = 0, days = 0, hours = 0, minutes = 0, seconds = 0] = match
    .slice(1)
    .map((part: string | undefined) => Number(part ?? 0));
  const totalHours = (weeks * 7 + days) * 24 + hours;
  return Math.round(((totalHours * 60 + minutes) * 60 + seconds) * 1000);
}

function isoDuration(maxMs?: number, maxText?: string) {
  return z
    .string()
    .refine(
      (text) => (parseIsoDuration(text) ?? 0) > 0,
      "must be a positive ISO 8601 duration in weeks, days, hours, minutes or seconds (e.g. PT1M, P14D)",
    )
    .refine(
      (text) => maxMs === undefined || (parseIsoDuration(text) ?? 0) <= maxMs,
      `must not exceed ${maxText ?? ""} (the Service Bus limit)`,
    );
}

/** Azure's rules for a queue name, without slashes (this project's queues are flat). */
const queueNameSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,258}[A-Za-z0-9])?$/,
    "must be 1-260 letters, digits, periods, hyphens or underscores, starting and ending with a letter or digit",
  );

export const queueDefinitionSchema = z.strictObject({
  name: queueNameSchema,
  lockDuration: isoDuration(5 * MINUTE_MS, "PT5M"),
  maxDeliveryCount: z.int().min(1),
  requiresDuplicateDetection: z.boolean(),
  duplicateDetectionHistoryTimeWindow: isoDuration(7 * DAY_MS, "P7D"),
  defaultMessageTimeToLive: isoDuration(),
  deadLetteringOnMessageExpiration: z.boolean(),
});
export type QueueDefinition = z.infer<typeof queueDefinitionSchema>;

export const topologySchema = z
  .strictObject({
    $comment: z.string().optional(),
    queues: z.array(queueDefinitionSchema).min(1),
  })
  .superRefine((topology, context) => {
    const seen = new Set<string>();
    topology.queues.forEach((queue, index) => {
      // Service Bus entity names are case-insensitive.
      const key = queue.name.toLowerCase();
      if (seen.has(key)) {
        context.addIssue({
          code: "custom",
          path: ["queues", index, "name"],
          message: `duplicate queue name '${queue.name}'`,
        });
      }
      seen.add(key);
    });
  });
export type Topology = z.infer<typeof topologySchema>;

export class TopologyError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(
      `Invalid Service Bus topology (${source}):\n${problems.map((problem) => `  - ${problem}`).join("\n")}`,
    );
    this.name = "TopologyError";
  }
}

/** Validates a parsed topology document; throws TopologyError naming every problem. */
export function parseTopology(document: unknown, source = "topology"): Topology {
  const parsed = topologySchema.safeParse(document);
  if (!parsed.success) {
    throw new TopologyError(
      source,
      parsed.error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`),
    );
  }
  return parsed.data;
}

/** Reads and validates the topology file (default: the project's `infra/servicebus-topology.json`). */
export function loadTopology(path: string = DEFAULT_TOPOLOGY_PATH): Topology {
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new TopologyError(path, [errorMessage(error)]);
  }
  return parseTopology(document, path);
}

/** A queue's settings in milliseconds, as the broker uses them. */
export interface QueueSettings {
  readonly name: string;
  readonly lockDurationMs: number;
  readonly maxDeliveryCount: number;
  /** Undefined when duplicate detection is off. */
  readonly duplicateDetectionWindowMs: number | undefined;
  readonly defaultTimeToLiveMs: number;
  readonly deadLetteringOnMessageExpiration: boolean;
}

export function queueSettings(queue: QueueDefinition): QueueSettings {
  const ms = (text: string): number => parseIsoDuration(text) ?? 0;
  return {
    name: queue.name,
    lockDurationMs: ms(queue.lockDuration),
    maxDeliveryCount: queue.maxDeliveryCount,
    duplicateDetectionWindowMs: queue.requiresDuplicateDetection
      ? ms(queue.duplicateDetectionHistoryTimeWindow)
      : undefined,
    defaultTimeToLiveMs: ms(queue.defaultMessageTimeToLive),
    deadLetteringOnMessageExpiration: queue.deadLetteringOnMessageExpiration,
  };
}
