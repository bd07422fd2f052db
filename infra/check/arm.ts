/**
 * The compiled infrastructure as the checks see it: the ARM JSON of main.bicep and, per check case,
 * the resources it deploys (modules, loops and conditions expanded by the CLI); and what a check
 * reports about it.
 */

/** Where (a file:line:col, a file, or `<case>: <type> <name>`) and what is wrong, found by `check`. */
export interface Finding {
  readonly check: string;
  readonly where: string;
  readonly message: string;
}

export function finding(check: string, where: string, message: string): Finding {
  return { check, where, message };
}

/** Where findings about the template as a whole point (the compiled JSON has no Bicep line). */
export const TEMPLATE = "infra/main.bicep (compiled)";

export interface ArmResource {
  readonly id: string;
  readonly type: string;
  readonly name: string;
  readonly [key: string]: unknown;
}

export interface Deployment {
  /** The case's name, e.g. `private network`. */
  readonly name: string;
  /** Whether the case turns the private network on (vnetEnabled). */
  readonly privateNetwork: boolean;
  readonly resources: readonly ArmResource[];
}

export interface CompiledInfra {
  /** The ARM JSON template of main.bicep. */
  readonly template: Readonly<Record<string, unknown>>;
  readonly deployments: readonly Deployment[];
  /** A repo-relative file's text as compiled (overrides applied), or undefined when absent. */
  readText(file: string): string | undefined;
}

export type Check = (compiled: CompiledInfra) => Finding[];

/** What a check yields: where, and what is wrong. */
export type Found = readonly [where: string, message: string];

/** A check written as a generator over one deployment (the compiled infra at hand). */
export function perDeployment(
  check: string,
  find: (deployment: Deployment, compiled: CompiledInfra) => Iterable<Found>,
): Check {
  return (compiled) =>
    compiled.deployments.flatMap((deployment) =>
      Array.from(find(deployment, compiled), ([where, message]) => finding(check, where, message)),
    );
}

/** `list` as an array, or empty when it is not one. */
export function arrayAt(value: unknown, path: string): unknown[] {
  const found = valueAt(value, path);
  return Array.isArray(found) ? found : [];
}

/** The value at a dotted path (`properties.siteConfig.ftpsState`) below `value`, or undefined. */
export function valueAt(value: unknown, path: string): unknown {
  let current = value;
  for (const key of path.split(".")) {
    if (typeof current !== "object" || current === null || !Object.hasOwn(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

export function ofType(deployment: Deployment, type: string): ArmResource[] {
  return deployment.resources.filter((resource) => resource.type.toLowerCase() === type.toLowerCase());
}

/** Where a finding about a resource points: the case, the type and the resource's own name. */
export function at(deployment: Deployment, resource: ArmResource): string {
  return `${deployment.name}: ${resource.type} ${resource.name}`;
}

/** `sb/relationship-requests` → `relationship-requests`: a child resource's own name. */
export function ownName(resourceName: string): string {
  return resourceName.slice(resourceName.lastIndexOf("/") + 1);
}

export function show(value: unknown): string {
  if (value === undefined) return "absent";
  return typeof value === "string" ? `'${value}'` : JSON.stringify(value);
}

/** Every string anywhere below `value` (keys excluded). */
export function stringsIn(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (typeof value !== "object" || value === null) return [];
  return Object.values(value).flatMap(stringsIn);
}

/**
 * The resource an extension resource (a role assignment, a diagnostic setting) applies to: its id is
 * `<scope>/providers/<type>/<name>`, or `[extensionResourceId('<scope>', ...)]` when the name is
 * known only at deployment (a principal id).
 */
export function extensionScope(resource: ArmResource): string | undefined {
  const unevaluated = /^\[extensionResourceId\('([^']+)'/.exec(resource.id)?.[1];
  const segment = /\/providers\/Microsoft\.(Authorization|Insights)\/[^/]+\/[^/]+$/;
  return unevaluated ?? (segment.test(resource.id) ? resource.id.replace(segment, "") : undefined);
}

/** `/subscriptions/s/resourceGroups/g/providers/Microsoft.Storage/storageAccounts/a/blobServices/default` → `Microsoft.Storage/storageAccounts/blobServices`. */
export function typeOfId(id: string): string | undefined {
  const index = id.lastIndexOf("/providers/");
  if (index < 0)
    return /\/resourceGroups\/[^/]+$/i.test(id) ? "Microsoft.Resources/resourceGroups" : undefined;
  const [namespace, ...rest] = id.slice(index + "/providers/".length).split("/");
  return [namespace, ...rest.filter((_segment, position) => position % 2 === 0)].join("/");
}
