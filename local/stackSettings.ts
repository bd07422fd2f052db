/**
 * Which local services the stack must start and which app settings it hands the host. Pure: the
 * environment and the local development keys go in, a plan comes out. A service whose connection is
 * already set (real Azure, the official emulators) is used as it is and not started.
 */
import { loadConfig, SETTING_NAMES } from "../shared/config.js";
import { keySetting, type DevKeys } from "./devKeys.js";

export type SettingsSource = Readonly<Record<string, string | undefined>>;

export interface StackPlan {
  /** Start Azurite's Table service: neither TABLES_CONNECTION nor TABLES_ENDPOINT is set. */
  readonly startTables: boolean;
  /** Start the Service Bus emulator: no ServiceBusConnection of either kind is set. */
  readonly startServiceBus: boolean;
  /**
   * Start the local Partner Center and point `live` mode at it: neither PARTNER_CENTER_MODE nor
   * PARTNER_CENTER_ENDPOINT is set (setting either says where Partner Center is, or that it is not used).
   */
  readonly startPartnerCenter: boolean;
  /** The first of OPERATOR_KEYS: what the printed curl and the demo sign with. */
  readonly operatorKey: { readonly id: string; readonly secret: string };
  /** Whether that key is the stack's own development key (OPERATOR_KEYS unset). */
  readonly ownOperatorKey: boolean;
  /** Every app setting for the host except the connections of the services still to start. */
  readonly settings: Readonly<Record<string, string>>;
}

export interface LocalIdentity {
  /** TRUSTED_TOKEN_ISSUERS for the development identity provider. */
  readonly issuerTemplate: string;
  /** CUSTOMER_TOKEN_AUDIENCE its tokens carry by default. */
  readonly audience: string;
}

// Stand-ins used only to validate the other settings before the services exist.
const PLACEHOLDER_CONNECTIONS = {
  TABLES_CONNECTION: "UseDevelopmentStorage=true",
  ServiceBusConnection: "Endpoint=sb://127.0.0.1;UseDevelopmentEmulator=true;",
};

/** Plans the stack; throws ConfigError naming every bad setting before anything is started. */
export function planStack(source: SettingsSource, devKeys: DevKeys, identity: LocalIdentity): StackPlan {
  const given = Object.fromEntries(
    SETTING_NAMES.flatMap((name) => {
      const value = source[name];
      return value === undefined || value.trim() === "" ? [] : [[name, value] as const];
    }),
  );
  const startTables = given.TABLES_CONNECTION === undefined && given.TABLES_ENDPOINT === undefined;
  const startServiceBus =
    given.ServiceBusConnection === undefined &&
    given.ServiceBusConnection__fullyQualifiedNamespace === undefined;
  const startPartnerCenter =
    given.PARTNER_CENTER_MODE === undefined && given.PARTNER_CENTER_ENDPOINT === undefined;
  const settings: Record<string, string> = {
    ...given,
    OPERATOR_KEYS: given.OPERATOR_KEYS ?? keySetting(devKeys.operatorKey),
    PARTNER_KEY_MASTER: given.PARTNER_KEY_MASTER ?? keySetting(devKeys.partnerKeyMaster),
    CUSTOMER_TOKEN_AUDIENCE: given.CUSTOMER_TOKEN_AUDIENCE ?? identity.audience,
    // Only a local stack trusts the development identity provider.
    TRUSTED_TOKEN_ISSUERS: given.TRUSTED_TOKEN_ISSUERS ?? identity.issuerTemplate,
    // Only a local stack delivers webhooks to loopback (a receiver on this machine).
    WEBHOOK_ALLOW_PRIVATE_TARGETS: given.WEBHOOK_ALLOW_PRIVATE_TARGETS ?? "true",
  };
  const config = loadConfig({
    ...settings,
    ...(startTables ? { TABLES_CONNECTION: PLACEHOLDER_CONNECTIONS.TABLES_CONNECTION } : {}),
    ...(startServiceBus ? { ServiceBusConnection: PLACEHOLDER_CONNECTIONS.ServiceBusConnection } : {}),
  });
  // Written out, not left to the app's defaults: the timer trigger may name %SWEEP_SCHEDULE%.
  settings.INVITATION_TTL_DAYS = String(config.INVITATION_TTL_DAYS);
  settings.SWEEP_SCHEDULE = config.SWEEP_SCHEDULE;
  const [operatorKey] = config.OPERATOR_KEYS;
  if (operatorKey === undefined) throw new Error("OPERATOR_KEYS holds no key");
  return {
    startTables,
    startServiceBus,
    startPartnerCenter,
    operatorKey,
    ownOperatorKey: given.OPERATOR_KEYS === undefined,
    settings,
  };
}

/** The plan's settings plus the connections of the services the stack started. */
export function wireSettings(
  plan: StackPlan,
  started: {
    readonly tablesConnection?: string;
    readonly serviceBusConnection?: string;
    readonly partnerCenter?: LocalPartnerCenterSettings;
  },
): Record<string, string> {
  const wired: Record<string, string> = { ...plan.settings };
  if (plan.startTables) {
    if (started.tablesConnection === undefined) throw new Error("Azurite was planned but not started");
    wired.TABLES_CONNECTION = started.tablesConnection;
  }
  if (plan.startServiceBus) {
    if (started.serviceBusConnection === undefined) {
      throw new Error("The Service Bus emulator was planned but not started");
    }
    wired.ServiceBusConnection = started.serviceBusConnection;
  }
  if (plan.startPartnerCenter) {
    if (started.partnerCenter === undefined)
      throw new Error("The local Partner Center was planned but not started");
    Object.assign(wired, partnerCenterSettings(started.partnerCenter));
  }
  // Fail here, naming the setting, rather than in the first function that reads it.
  loadConfig(wired);
  return wired;
}

export interface LocalPartnerCenterSettings {
  readonly url: string;
  readonly subject: string;
  /** Where partners' Partner Center secrets are kept locally (standing in for Key Vault). */
  readonly secretsFile: string;
}

/** `live` mode against the local Partner Center: its API, Graph, token endpoint and signing certificate. */
export function partnerCenterSettings(partnerCenter: LocalPartnerCenterSettings): Record<string, string> {
  return {
    PARTNER_CENTER_MODE: "live",
    PARTNER_CENTER_ENDPOINT: partnerCenter.url,
    GRAPH_ENDPOINT: partnerCenter.url,
    PARTNER_CENTER_TOKEN_ENDPOINT: `${partnerCenter.url}/{tenantid}/oauth2/v2.0/token`,
    PARTNER_CENTER_CERTIFICATE_ORIGINS: partnerCenter.url,
    PARTNER_CENTER_CERTIFICATE_SUBJECT: partnerCenter.subject,
    PARTNER_CENTER_SECRETS_FILE: partnerCenter.secretsFile,
  };
}
