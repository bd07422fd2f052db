/**
 * The private network (vnetEnabled): where a case turns it on, Storage (blob, table, queue), Service
 * Bus and Key Vault are each reached through private endpoints registered in private DNS zones
 * linked to the network. (Public access off and VNet integration are rules.ts rules.)
 */
import type { CompiledInfra, Deployment, Finding } from "./arm.js";
import { at, finding, ofType, valueAt } from "./arm.js";

/** Each resource type that must be private, and the group ids its private endpoints must reach. */
const PRIVATE_TYPES: Readonly<Record<string, readonly string[]>> = {
  "Microsoft.Storage/storageAccounts": ["blob", "table", "queue"],
  "Microsoft.ServiceBus/namespaces": ["namespace"],
  "Microsoft.KeyVault/vaults": ["vault"],
};

const arrayAt = (value: unknown, path: string): unknown[] => {
  const found = valueAt(value, path);
  return Array.isArray(found) ? found : [];
};

function privateFindings(deployment: Deployment): Finding[] {
  const endpoints = ofType(deployment, "Microsoft.Network/privateEndpoints");
  const registered = new Set(
    ofType(deployment, "Microsoft.Network/privateEndpoints/privateDnsZoneGroups")
      .filter((group) =>
        arrayAt(group, "properties.privateDnsZoneConfigs").some(
          (config) => typeof valueAt(config, "properties.privateDnsZoneId") === "string",
        ),
      )
      .map((group) => group.name.slice(0, group.name.lastIndexOf("/"))),
  );
  const zones = ofType(deployment, "Microsoft.Network/privateDnsZones").length;
  const links = ofType(deployment, "Microsoft.Network/privateDnsZones/virtualNetworkLinks").length;
  const findings =
    zones === 0 || links < zones
      ? [
          finding(
            "network",
            deployment.name,
            `every private DNS zone must be linked to the virtual network (${zones} zones, ${links} links)`,
          ),
        ]
      : [];
  for (const [type, groupIds] of Object.entries(PRIVATE_TYPES)) {
    for (const resource of ofType(deployment, type)) {
      for (const groupId of groupIds) {
        const endpoint = endpoints.find((candidate) =>
          arrayAt(candidate, "properties.privateLinkServiceConnections").some(
            (connection) =>
              valueAt(connection, "properties.privateLinkServiceId") === resource.id &&
              JSON.stringify(valueAt(connection, "properties.groupIds")) === JSON.stringify([groupId]),
          ),
        );
        if (endpoint === undefined)
          findings.push(
            finding("network", at(deployment, resource), `no private endpoint reaches its ${groupId}`),
          );
        else if (!registered.has(endpoint.name))
          findings.push(
            finding(
              "network",
              at(deployment, endpoint),
              `is registered in no private DNS zone, so ${groupId} still resolves to the public address`,
            ),
          );
      }
    }
  }
  return findings;
}

export function checkNetwork(compiled: CompiledInfra): Finding[] {
  return compiled.deployments.filter((deployment) => deployment.privateNetwork).flatMap(privateFindings);
}
