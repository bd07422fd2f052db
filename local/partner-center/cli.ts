/** `npm run partner-center -- --port P [--host H] [--subject CN]`: the local Partner Center until Ctrl-C. */
import { parseArgs } from "node:util";

import { LOCAL_PARTNER_CENTER_PORT, startLocalPartnerCenter } from "./index.js";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: String(LOCAL_PARTNER_CENTER_PORT) },
    host: { type: "string" },
    subject: { type: "string" },
  },
});
const partnerCenter = await startLocalPartnerCenter({
  port: Number(values.port),
  ...(values.host === undefined ? {} : { host: values.host }),
  ...(values.subject === undefined ? {} : { subject: values.subject }),
});
process.stdout.write(
  `local Partner Center on ${partnerCenter.url}\n` +
    `  PARTNER_CENTER_ENDPOINT=${partnerCenter.url} GRAPH_ENDPOINT=${partnerCenter.url}\n` +
    `  PARTNER_CENTER_TOKEN_ENDPOINT=${partnerCenter.url}/{tenantid}/oauth2/v2.0/token\n` +
    `  PARTNER_CENTER_CERTIFICATE_ORIGINS=${partnerCenter.url} PARTNER_CENTER_CERTIFICATE_SUBJECT=${partnerCenter.subject}\n`,
);
const stop = () => void partnerCenter.close().then(() => process.exit(0));
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
