/**
 * The private network (vnetEnabled): where a case turns it on, Storage (blob, table, queue), Service
 * Bus and Key Vault are each reached through private endpoints registered in private DNS zones
 * linked to the network. (Public access off and VNet integration are rules in rules.ts.)
 */
import { arrayAt, at, ofType, perDeployment, valueAt } from "./arm.js";

/** Each resource type that must be private, and the group ids its private endpoints must reach. */
const PRIVATE_TYPES: Readonly<Record<string, readonly string[]>> = {
  "Microsoft.Storage/storageAccounts": ["blob", "table", "queue"],
  "Microsoft.ServiceBus/namespaces": ["namespace"],
  "Microsoft.KeyVault/vaults": ["vault"],
};

export const checkNetwork = perDeployment("network", function* (deployment) {
  if (!deployment.privateNetwork) return;
  const zones = ofType(deployment, "Microsoft.Network/privateDnsZones").length;
  const links = ofType(deployment, "Microsoft.Network/privateDnsZones/virtualNetworkLinks").length;
  if (zones === 0 || links < zones)
    yield [
      deployment.name,
      `every private DNS zone must be linked to the virtual network (${zones} zones, ${links} links)`,
    ];
  const registered = ofType(deployment, "Microsoft.Network/privateEndpoints/privateDnsZoneGroups")
    .filter((group) =>
      arrayAt(group, "properties.privateDnsZoneConfigs").some(
        (config) => valueAt(config, "properties.privateDnsZoneId") !== undefined,
      ),
    )
    .map((group) => group.name.slice(0, group.name.lastIndexOf("/")));
  const endpoints = ofType(deployment, "Microsoft.Network/privateEndpoints");
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
          yield [at(deployment, resource), `no private endpoint reaches its ${groupId}`];
        else if (!registered.includes(endpoint.name))
          yield [
            at(deployment, endpoint),
            `is registered in no private DNS zone, so ${groupId} still resolves to the public address`,
          ];
      }
    }
  }
});
