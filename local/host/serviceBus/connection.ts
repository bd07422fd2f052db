/**
 * A Service Bus client from a trigger's `connection` setting, resolved as the host resolves it:
 * `<connection>` holds a connection string, or `<connection>__fullyQualifiedNamespace` names the
 * namespace for an identity-based connection (DefaultAzureCredential, with
 * `<connection>__clientId` selecting a user-assigned identity).
 */
import { DefaultAzureCredential } from "@azure/identity";
import { RetryMode, ServiceBusClient, type ServiceBusClientOptions } from "@azure/service-bus";
import type { ServiceBusClientRetry } from "../hostJson.js";

export class ServiceBusConnectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ServiceBusConnectionError";
  }
}

export function createServiceBusClient(
  connection: string,
  lookupSetting: (name: string) => string | undefined,
  retry: ServiceBusClientRetry,
): ServiceBusClient {
  const options: ServiceBusClientOptions = {
    retryOptions: {
      mode: retry.mode === "fixed" ? RetryMode.Fixed : RetryMode.Exponential,
      maxRetries: retry.maxRetries,
      retryDelayInMs: retry.delayMs,
      maxRetryDelayInMs: retry.maxDelayMs,
      timeoutInMs: retry.tryTimeoutMs,
    },
  };
  const connectionString = nonEmpty(lookupSetting(connection));
  if (connectionString !== undefined) {
    if (!/(^|;)\s*Endpoint\s*=/i.test(connectionString)) {
      throw new ServiceBusConnectionError(
        `The app setting "${connection}" is not a Service Bus connection string (Endpoint=sb://...;...).`,
      );
    }
    return new ServiceBusClient(connectionString, options);
  }
  const namespace = nonEmpty(lookupSetting(`${connection}__fullyQualifiedNamespace`));
  if (namespace !== undefined) {
    const clientId = nonEmpty(lookupSetting(`${connection}__clientId`));
    const credential = new DefaultAzureCredential(
      clientId === undefined ? {} : { managedIdentityClientId: clientId },
    );
    return new ServiceBusClient(namespace, credential, options);
  }
  throw new ServiceBusConnectionError(
    `The Service Bus connection "${connection}" is not configured: set the app setting "${connection}" (a connection string) or "${connection}__fullyQualifiedNamespace" (identity-based).`,
  );
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}
