/**
 * The compiled infrastructure as the checks see it: the ARM JSON template `bicep build` makes of
 * main.bicep, and per check case (a .bicepparam file) the resources that template would deploy,
 * with modules, loops and conditions expanded by the CLI.
 */
import { z } from "zod";

export const resourceSchema = z.looseObject({
  id: z.string(),
  type: z.string(),
  name: z.string(),
});

export type ArmResource = z.infer<typeof resourceSchema>;

export const snapshotSchema = z.object({ predictedResources: z.array(resourceSchema) });

/** The resources one case deploys. */
export interface Deployment {
  /** The case's name, e.g. `private network`. */
  readonly name: string;
  /** Whether the case turns the private network on (vnetEnabled). */
  readonly privateNetwork: boolean;
  readonly resources: readonly ArmResource[];
}

export interface CompiledInfra {
  /** The ARM JSON template of main.bicep (modules inlined as nested deployments). */
  readonly template: Readonly<Record<string, unknown>>;
  readonly deployments: readonly Deployment[];
  /** A repo-relative file's text as compiled (overrides applied), or undefined when absent. */
  readText(file: string): string | undefined;
}

/** The value at `path` below `value`, or undefined. */
export function valueAt(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== "object" || current === null || !Object.hasOwn(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

export function ofType(deployment: Deployment, type: string): ArmResource[] {
  return deployment.resources.filter((resource) => resource.type.toLowerCase() === type.toLowerCase());
}

/** Where a finding about a resource points: the case, the type and the resource's own name. */
export function describeResource(deployment: Deployment, resource: ArmResource): string {
  return `${deployment.name}: ${resource.type} ${resource.name}`;
}

/** Every string anywhere below `value` (keys excluded). */
export function stringsIn(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (typeof value === "object" && value !== null) return Object.values(value).flatMap(stringsIn);
  return [];
}

const EXTENSION_ID = /^\[extensionResourceId\('([^']+)'/;
const EXTENSION_SEGMENT = /\/providers\/Microsoft\.(Authorization|Insights)\/[^/]+\/[^/]+$/;

/**
 * The resource an extension resource (a role assignment, a diagnostic setting) applies to. Its id is
 * `<scope>/providers/<type>/<name>`, or an unevaluated `[extensionResourceId('<scope>', ...)]`
 * where the name needs a value known only at deployment (a principal id).
 */
export function extensionScope(resource: ArmResource): string | undefined {
  const unevaluated = EXTENSION_ID.exec(resource.id)?.[1];
  if (unevaluated !== undefined) return unevaluated;
  return EXTENSION_SEGMENT.test(resource.id) ? resource.id.replace(EXTENSION_SEGMENT, "") : undefined;
}

/**
 * The resource type of a resource id: `/subscriptions/s/resourceGroups/g/providers/Microsoft.Storage/
 * storageAccounts/a/blobServices/default` is `Microsoft.Storage/storageAccounts/blobServices`.
 */
export function typeOfId(id: string): string | undefined {
  const index = id.lastIndexOf("/providers/");
  if (index < 0)
    return /\/resourceGroups\/[^/]+$/i.test(id) ? "Microsoft.Resources/resourceGroups" : undefined;
  const [namespace, ...rest] = id.slice(index + "/providers/".length).split("/");
  if (namespace === undefined) return undefined;
  const types = rest.filter((_segment, position) => position % 2 === 0);
  return [namespace, ...types].join("/");
}
