/**
 * The private network (vnetEnabled): where a case turns it on, the function app integrates with a
 * subnet, and Storage (blob, table, queue), Service Bus and Key Vault are reached only through
 * private endpoints registered in private DNS zones, with public network access disabled on each.
 */
import type { CompiledInfra, Deployment } from "./arm.js";
import { describeResource, ofType, valueAt } from "./arm.js";
import type { Finding } from "./findings.js";
import { finding } from "./findings.js";
import { show } from "./security.js";

/** Each resource type that must be private, and the group ids its private endpoints must reach. */
export const PRIVATE_TYPES: Readonly<Record<string, readonly string[]>> = {
  "Microsoft.Storage/storageAccounts": ["blob", "table", "queue"],
  "Microsoft.ServiceBus/namespaces": ["namespace"],
  "Microsoft.KeyVault/vaults": ["vault"],
};

const ENDPOINT_TYPE = "Microsoft.Network/privateEndpoints";
const ZONE_GROUP_TYPE = "Microsoft.Network/privateEndpoints/privateDnsZoneGroups";

function privateFindings(deployment: Deployment): Finding[] {
  const findings: Finding[] = [];
  const endpoints = ofType(deployment, ENDPOINT_TYPE);
  const zoneGroups = new Set(
    ofType(deployment, ZONE_GROUP_TYPE)
      .filter((group) => {
        const configs = valueAt(group, ["properties", "privateDnsZoneConfigs"]);
        return (
          Array.isArray(configs) &&
          configs.some((config) => typeof valueAt(config, ["properties", "privateDnsZoneId"]) === "string")
        );
      })
      .map((group) => group.name.slice(0, group.name.lastIndexOf("/"))),
  );
  const zoneCount = ofType(deployment, "Microsoft.Network/privateDnsZones").length;
  const linkCount = ofType(deployment, "Microsoft.Network/privateDnsZones/virtualNetworkLinks").length;
  if (zoneCount === 0 || linkCount < zoneCount) {
    findings.push(
      finding(
        "network",
        deployment.name,
        `every private DNS zone must be linked to the virtual network (${zoneCount} zones, ${linkCount} links)`,
      ),
    );
  }

  for (const [type, groupIds] of Object.entries(PRIVATE_TYPES)) {
    for (const resource of ofType(deployment, type)) {
      const where = describeResource(deployment, resource);
      const access = valueAt(resource, ["properties", "publicNetworkAccess"]);
      if (access !== "Disabled") {
        findings.push(
          finding(
            "network",
            where,
            `properties.publicNetworkAccess must be 'Disabled' on the private network, found ${show(access)}`,
          ),
        );
      }
      for (const groupId of groupIds) {
        const endpoint = endpoints.find((candidate) => {
          const connections = valueAt(candidate, ["properties", "privateLinkServiceConnections"]);
          return (
            Array.isArray(connections) &&
            connections.some(
              (connection) =>
                valueAt(connection, ["properties", "privateLinkServiceId"]) === resource.id &&
                JSON.stringify(valueAt(connection, ["properties", "groupIds"])) === JSON.stringify([groupId]),
            )
          );
        });
        if (endpoint === undefined)
          findings.push(finding("network", where, `no private endpoint reaches its ${groupId}`));
        else if (!zoneGroups.has(endpoint.name)) {
          findings.push(
            finding(
              "network",
              describeResource(deployment, endpoint),
              `is registered in no private DNS zone, so ${groupId} still resolves to the public address`,
            ),
          );
        }
      }
    }
  }
  for (const site of ofType(deployment, "Microsoft.Web/sites")) {
    if (typeof valueAt(site, ["properties", "virtualNetworkSubnetId"]) !== "string") {
      findings.push(
        finding(
          "network",
          describeResource(deployment, site),
          "properties.virtualNetworkSubnetId must name the app's subnet (VNet integration)",
        ),
      );
    }
  }
  return findings;
}

export function checkNetwork(compiled: CompiledInfra): Finding[] {
  return compiled.deployments.filter((deployment) => deployment.privateNetwork).flatMap(privateFindings);
}
