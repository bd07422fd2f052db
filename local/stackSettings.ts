/**
 * Which local services the stack must start and which app settings it hands the host. Pure: the
 * environment goes in, a plan comes out. A service whose connection is already set (real Azure,
 * the official emulators) is used as it is and not started.
 */
import { ConfigError, SETTING_NAMES, loadConfig } from "../shared/config.js";

/**
 * The webhook secret when WEBHOOK_SECRETS is unset. Public on purpose: it signs requests to a
 * service on this machine only, the way Azurite's well-known account key does.
 */
export const DEV_WEBHOOK_SECRET = "local-development-webhook-secret";

export type SettingsSource = Readonly<Record<string, string | undefined>>;

export interface StackPlan {
  /** Start Azurite's Table service: neither TABLES_CONNECTION nor TABLES_ENDPOINT is set. */
  readonly startTables: boolean;
  /** Start the Service Bus emulator: no ServiceBusConnection of either kind is set. */
  readonly startServiceBus: boolean;
  /** The first webhook secret: what the printed curl and the demo sign with. */
  readonly webhookSecret: string;
  /** Every app setting for the host except the connections of the services still to start. */
  readonly settings: Readonly<Record<string, string>>;
}

// Stand-ins used only to validate the other settings before the services exist.
const PLACEHOLDER_CONNECTIONS = {
  TABLES_CONNECTION: "UseDevelopmentStorage=true",
  ServiceBusConnection: "Endpoint=sb://127.0.0.1;UseDevelopmentEmulator=true;",
};

/** Plans the stack; throws ConfigError naming every bad setting before anything is started. */
export function planStack(source: SettingsSource): StackPlan {
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
  const settings: Record<string, string> = {
    ...given,
    WEBHOOK_SECRETS: given.WEBHOOK_SECRETS ?? DEV_WEBHOOK_SECRET,
  };
  const config = loadConfig({
    ...settings,
    ...(startTables ? { TABLES_CONNECTION: PLACEHOLDER_CONNECTIONS.TABLES_CONNECTION } : {}),
    ...(startServiceBus ? { ServiceBusConnection: PLACEHOLDER_CONNECTIONS.ServiceBusConnection } : {}),
  });
  const webhookSecret = config.WEBHOOK_SECRETS[0];
  if (webhookSecret === undefined) throw new ConfigError(["WEBHOOK_SECRETS: no secret"]);
  // Written out, not left to the app's defaults: the timer trigger may name %SWEEP_SCHEDULE%.
  settings.INVITATION_TTL_DAYS = String(config.INVITATION_TTL_DAYS);
  settings.SWEEP_SCHEDULE = config.SWEEP_SCHEDULE;
  return { startTables, startServiceBus, webhookSecret, settings };
}

/** The plan's settings plus the connections of the services the stack started. */
export function wireSettings(
  plan: StackPlan,
  started: { readonly tablesConnection?: string; readonly serviceBusConnection?: string },
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
  // Fail here, naming the setting, rather than in the first function that reads it.
  loadConfig(wired);
  return wired;
}
