/**
 * Connects a partner to the local Partner Center as an operator connects a real one: the partner's
 * tenant registered there with the webhook URL to post to, its app secret and consented refresh token
 * put where the service reads secrets locally (the secrets file standing in for Key Vault), and the
 * link — tenant, app id, the secrets' names, never the secrets — to store on the partner record.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";

import type { PartnerCenterLink } from "../../shared/domain/index.js";
import { partnerCenterControl } from "./controls.js";

export interface LocalPartnerLink {
  readonly link: PartnerCenterLink;
  readonly tenantId: string;
}

export async function linkLocalPartner(options: {
  /** The local Partner Center's base URL. */
  readonly partnerCenterUrl: string;
  /** PARTNER_CENTER_SECRETS_FILE. */
  readonly secretsFile: string;
  readonly partnerId: string;
  /** Where the local Partner Center posts this partner's events. */
  readonly webhookUrl: string;
  /** Default: `<partnerId>-tenant`. */
  readonly tenantId?: string;
}): Promise<LocalPartnerLink> {
  const tenantId = options.tenantId ?? `${options.partnerId}-tenant`;
  const tenant = await partnerCenterControl<{
    applicationId: string;
    applicationSecret: string;
    refreshToken: string;
  }>(options.partnerCenterUrl, "partners", { tenantId, webhookUrl: options.webhookUrl });
  const link: PartnerCenterLink = {
    tenantId,
    applicationId: tenant.applicationId,
    refreshTokenSecret: `pc-refresh-${safeName(options.partnerId)}`,
    applicationSecret: `pc-app-${safeName(options.partnerId)}`,
  };
  await mkdir(path.dirname(options.secretsFile), { recursive: true });
  const secrets = await readFile(options.secretsFile, "utf8").then(
    (text) => JSON.parse(text) as Record<string, string>,
    () => ({}),
  );
  await writeFile(
    options.secretsFile,
    JSON.stringify(
      {
        ...secrets,
        [link.refreshTokenSecret]: tenant.refreshToken,
        [link.applicationSecret]: tenant.applicationSecret,
      },
      null,
      2,
    ),
    { mode: 0o600 },
  );
  return { link, tenantId };
}

/** A Key Vault secret name holds letters, digits and '-' only. */
function safeName(partnerId: string): string {
  return partnerId.replace(/[^A-Za-z0-9-]/g, "-");
}
