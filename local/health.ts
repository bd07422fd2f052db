/** Asking a running service whether it is up: `GET <base>health`, retried for a while. */
import { errorMessage } from "../shared/errors.js";
import { healthSchema, type Health } from "../shared/http/views.js";

export type HealthResult =
  | { readonly kind: "answered"; readonly url: string; readonly status: number; readonly health?: Health }
  | { readonly kind: "unreachable"; readonly url: string; readonly reason: string };

export interface HealthOptions {
  /** Keep asking until it answers 200 or this much time has passed; 0 asks once. */
  readonly waitMs?: number;
  /** Each attempt gives up after this long. */
  readonly attemptTimeoutMs?: number;
  readonly intervalMs?: number;
}

export async function checkHealth(baseUrl: string, options: HealthOptions = {}): Promise<HealthResult> {
  const url = new URL("health", baseUrl).href;
  const deadline = Date.now() + (options.waitMs ?? 0);
  for (;;) {
    const result = await askOnce(url, options.attemptTimeoutMs ?? 2_000);
    if ((result.kind === "answered" && result.status === 200) || Date.now() >= deadline) return result;
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 250));
  }
}

async function askOnce(url: string, timeoutMs: number): Promise<HealthResult> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const text = await response.text();
    const parsed = healthSchema.safeParse(safeJson(text));
    return {
      kind: "answered",
      url,
      status: response.status,
      ...(parsed.success ? { health: parsed.data } : {}),
    };
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
    return { kind: "unreachable", url, reason: errorMessage(cause) };
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** One line: `GET <url> → 200 ok`, or what is down. */
export function describeHealth(result: HealthResult): string {
  if (result.kind === "unreachable") return `GET ${result.url} → no answer (${result.reason})`;
  const down =
    result.health === undefined
      ? []
      : Object.entries(result.health.checks)
          .filter(([, check]) => !check.ok)
          .map(([name, check]) => `${name}${check.detail === undefined ? "" : `: ${check.detail}`}`);
  const summary = result.health?.status ?? "";
  return `GET ${result.url} → ${result.status} ${summary}${down.length > 0 ? ` (down: ${down.join("; ")})` : ""}`.trimEnd();
}
