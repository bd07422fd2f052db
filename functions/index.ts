/** App-wide setup only; each function registers itself in its own file. */
import { app } from "@azure/functions";

import { closeServiceBus } from "../shared/messaging/sender.js";

app.setup({ enableHttpStream: false });

// The host calls this on shutdown: close the Service Bus connection instead of dropping it.
app.hook.appTerminate(async () => {
  await closeServiceBus();
});
