/** The Service Bus emulator in a process of its own; answers "stats" with its stats(). */
import { z } from "zod";

import { startServiceBusEmulator } from "../../local/servicebus/index.js";
import { serveParent } from "../lib/child.js";

const emulator = await startServiceBusEmulator({ port: 0 });
serveParent(async (request) => {
  z.literal("stats").parse(request);
  return Promise.resolve(emulator.stats());
});
process.send?.({ connectionString: emulator.connectionString });
