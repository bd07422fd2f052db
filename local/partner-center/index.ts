/** The local Partner Center: the server, how a partner is connected to it, and where a running stack says it is. */
import { readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";

import { z } from "zod";

export {
  acceptInPartnerCenter,
  partnerCenterControl,
  partnerCenterOrders,
  partnerCenterRequests,
} from "./controls.js";
export { linkLocalPartner, type LocalPartnerLink } from "./link.js";
export { startLocalPartnerCenter, type LocalPartnerCenter } from "./server.js";

/** The port `npm start` runs it on (the tests pick free ones). */
export const LOCAL_PARTNER_CENTER_PORT = 7074;

const stateSchema = z.strictObject({
  url: z.url(),
  subject: z.string().min(1),
  secretsFile: z.string().min(1),
});
export type LocalPartnerCenterState = z.infer<typeof stateSchema>;

const STATE_FILE = "partner-center.json";

/** Writes where a running stack's local Partner Center is; the returned function removes it again. */
export async function writePartnerCenterState(
  stateDir: string,
  state: LocalPartnerCenterState,
): Promise<() => Promise<void>> {
  const file = path.join(stateDir, STATE_FILE);
  await writeFile(file, JSON.stringify(state, null, 2));
  return () => rm(file, { force: true });
}

/** The local Partner Center of a running stack using `stateDir`, if one is running. */
export async function readPartnerCenterState(stateDir: string): Promise<LocalPartnerCenterState | undefined> {
  const text = await readFile(path.join(stateDir, STATE_FILE), "utf8").catch(() => undefined);
  return text === undefined ? undefined : stateSchema.parse(JSON.parse(text));
}
