/**
 * The parts of host.json the local host honours, read the way the real host reads them: defaults
 * for what is absent, `AzureFunctionsJobHost__<path>` environment variables overriding the file.
 */
import { availableParallelism } from "node:os";
import { readFile } from "node:fs/promises";
import { z } from "zod";
import { errorMessage } from "../../shared/errors.js";
import { parseTimeSpanMs } from "./durations.js";

export interface ServiceBusClientRetry {
  mode: "exponential" | "fixed";
  tryTimeoutMs: number;
  delayMs: number;
  maxDelayMs: number;
  maxRetries: number;
}

export interface HostConfig {
  routePrefix: string;
  serviceBus: {
    maxConcurrentCalls: number;
    autoCompleteMessages: boolean;
    maxAutoLockRenewalDurationMs: number;
    /** Read and validated; the JavaScript SDK has no prefetch, so it changes nothing locally. */
    prefetchCount: number;
    clientRetryOptions: ServiceBusClientRetry;
  };
}

const timeSpan = z.string().transform((text, ctx) => {
  const ms = parseTimeSpanMs(text);
  if (ms === undefined) {
    ctx.addIssue({ code: "custom", message: `"${text}" is not a TimeSpan like 00:05:00` });
    return z.NEVER;
  }
  return ms;
});

/** Settings from the environment arrive as strings; the file has JSON types. Accept both. */
const integer = z.union([
  z.number(),
  z
    .string()
    .trim()
    .regex(/^-?\d+$/)
    .transform(Number),
]);
const boolean = z.union([
  z.boolean(),
  z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(["true", "false"]))
    .transform((text) => text === "true"),
]);

const hostJsonSchema = z.looseObject({
  version: z.literal("2.0", { error: 'must be "2.0" (the only version the v4 host reads)' }),
  extensions: z
    .looseObject({
      http: z.looseObject({ routePrefix: z.string().optional() }).optional(),
      serviceBus: z
        .looseObject({
          maxConcurrentCalls: integer.pipe(z.number().int().min(1)).optional(),
          autoCompleteMessages: boolean.optional(),
          maxAutoLockRenewalDuration: timeSpan.optional(),
          prefetchCount: integer.pipe(z.number().int().min(0)).optional(),
          clientRetryOptions: z
            .looseObject({
              mode: z
                .string()
                .trim()
                .toLowerCase()
                .pipe(z.enum(["exponential", "fixed"]))
                .optional(),
              tryTimeout: timeSpan.optional(),
              delay: timeSpan.optional(),
              maxDelay: timeSpan.optional(),
              maxRetries: integer.pipe(z.number().int().min(0)).optional(),
            })
            .optional(),
        })
        .optional(),
    })
    .optional(),
});

export class HostJsonError extends Error {
  constructor(source: string, problems: readonly string[]) {
    super(`Invalid ${source}:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
    this.name = "HostJsonError";
  }
}

const ENV_OVERRIDE_PREFIX = "AzureFunctionsJobHost__";

/** Validates a parsed host.json (after environment overrides) into the settings the host uses. */
export function parseHostJson(
  raw: unknown,
  env: Readonly<Record<string, string | undefined>> = {},
  source = "host.json",
): HostConfig {
  const withOverrides = applyEnvironmentOverrides(raw, env);
  const parsed = hostJsonSchema.safeParse(withOverrides);
  if (!parsed.success) {
    throw new HostJsonError(
      source,
      parsed.error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`),
    );
  }
  const http = parsed.data.extensions?.http;
  const serviceBus = parsed.data.extensions?.serviceBus;
  const retry = serviceBus?.clientRetryOptions;
  return {
    routePrefix: trimSlashes(http?.routePrefix ?? "api"),
    serviceBus: {
      // The real host's default is 16 per processor.
      maxConcurrentCalls: serviceBus?.maxConcurrentCalls ?? 16 * availableParallelism(),
      autoCompleteMessages: serviceBus?.autoCompleteMessages ?? true,
      maxAutoLockRenewalDurationMs: serviceBus?.maxAutoLockRenewalDuration ?? 5 * 60_000,
      prefetchCount: serviceBus?.prefetchCount ?? 0,
      clientRetryOptions: {
        mode: retry?.mode ?? "exponential",
        tryTimeoutMs: retry?.tryTimeout ?? 60_000,
        delayMs: retry?.delay ?? 800,
        maxDelayMs: retry?.maxDelay ?? 60_000,
        maxRetries: retry?.maxRetries ?? 3,
      },
    },
  };
}

/** Reads host.json; a missing file is an error, as it is for the real host. */
export async function readHostJson(
  filePath: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<HostConfig> {
  let text: string;
  try {
    text = await readFile(filePath, "utf8");
  } catch (error) {
    throw new HostJsonError(filePath, [`cannot be read: ${errorMessage(error)}`]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new HostJsonError(filePath, [`is not JSON: ${errorMessage(error)}`]);
  }
  return parseHostJson(raw, env, filePath);
}

/**
 * `AzureFunctionsJobHost__extensions__http__routePrefix=x` replaces that value, matching keys
 * case-insensitively as .NET configuration does.
 */
function applyEnvironmentOverrides(raw: unknown, env: Readonly<Record<string, string | undefined>>): unknown {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return raw;
  const root = structuredClone(raw) as Record<string, unknown>;
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || !name.startsWith(ENV_OVERRIDE_PREFIX)) continue;
    const keys = name.slice(ENV_OVERRIDE_PREFIX.length).split("__").filter(Boolean);
    setPath(root, keys, value);
  }
  return root;
}

function setPath(target: Record<string, unknown>, keys: readonly string[], value: string): void {
  const [first, ...rest] = keys;
  if (first === undefined) return;
  const existingKey = Object.keys(target).find((key) => key.toLowerCase() === first.toLowerCase()) ?? first;
  if (rest.length === 0) {
    target[existingKey] = value;
    return;
  }
  const child = target[existingKey];
  const next: Record<string, unknown> =
    typeof child === "object" && child !== null && !Array.isArray(child)
      ? (child as Record<string, unknown>)
      : {};
  target[existingKey] = next;
  setPath(next, rest, value);
}

function trimSlashes(text: string): string {
  return text.replace(/^\/+|\/+$/g, "");
}
