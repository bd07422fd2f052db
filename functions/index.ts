/** App-wide setup only; each function registers itself in its own file. */
import { app } from "@azure/functions";

import { startTelemetry } from "../shared/telemetry/start.js";
import { traceInvocations } from "../shared/telemetry/tracing.js";

app.setup({ enableHttpStream: false });

// One span per invocation, registered before any instrumentation's hook; exporters only if asked.
traceInvocations();
await startTelemetry(process.env);

// The host calls this on shutdown: close the Service Bus connection instead of dropping it. The
// sender is imported here, not above, so a cold start does not read it (and its message schemas).
app.hook.appTerminate(async () => {
  const { closeServiceBus } = await import("../shared/messaging/sender.js");
  await closeServiceBus();
});
