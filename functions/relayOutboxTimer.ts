/**
 * Every minute: sends the events a relay missed (a crash between a commit and its send), from the
 * outbox pointers older than a minute. Running twice at once only sends events twice under the same
 * ids, which duplicate detection and the dispatcher's delivery records absorb.
 */
import { app, type InvocationContext, type Timer } from "@azure/functions";

import { relayPending } from "../shared/pipeline/relay.js";
import { runtime } from "../shared/pipeline/runtime.js";

export async function relayOutboxTimer(_timer: Timer, context: InvocationContext): Promise<void> {
  const rt = runtime();
  const report = await relayPending(rt, rt.now());
  if (report.customers === 0) return;
  const line = `outbox relay: ${report.events} event(s) of ${report.customers} customer(s) sent${report.failed.length === 0 ? "" : `; failed for ${report.failed.join(", ")}`}`;
  if (report.failed.length > 0) context.warn(line);
  else context.log(line);
}

app.timer("relayOutboxTimer", { schedule: "0 * * * * *", runOnStartup: false, handler: relayOutboxTimer });
