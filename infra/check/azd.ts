/**
 * main.bicep is azd's entry point: subscription scope, UPPER_SNAKE outputs, a parameters file in
 * step with the parameters, and the tags azd finds the resource group and the app by.
 */
import { z } from "zod";

import type { CompiledInfra } from "./arm.js";
import { describeResource, ofType, valueAt } from "./arm.js";
import { INFRA_DIR } from "./compile.js";
import type { Finding } from "./findings.js";
import { finding } from "./findings.js";
import { TEMPLATE } from "./keys.js";

export const PARAMETERS_FILE = `${INFRA_DIR}/main.parameters.json`;
/** The service name in azure.yaml; azd deploys to the function app tagged with it. */
export const AZD_SERVICE_NAME = "api";

const parametersFileSchema = z.object({
  parameters: z.record(z.string(), z.object({ value: z.unknown() })),
});

const templateSchema = z.looseObject({
  $schema: z.string(),
  parameters: z
    .record(
      z.string(),
      z.looseObject({ defaultValue: z.unknown().optional(), nullable: z.boolean().optional() }),
    )
    .default({}),
  outputs: z.record(z.string(), z.unknown()).default({}),
});

function tagFindings(compiled: CompiledInfra): Finding[] {
  return compiled.deployments.flatMap((deployment) => [
    ...ofType(deployment, "Microsoft.Resources/resourceGroups")
      .filter((group) => typeof valueAt(group, ["tags", "azd-env-name"]) !== "string")
      .map((group) => finding("azd", describeResource(deployment, group), "must carry the azd-env-name tag")),
    ...(ofType(deployment, "Microsoft.Web/sites").some(
      (site) => valueAt(site, ["tags", "azd-service-name"]) === AZD_SERVICE_NAME,
    )
      ? []
      : [
          finding(
            "azd",
            deployment.name,
            `no function app carries the tag azd-service-name: '${AZD_SERVICE_NAME}' (azure.yaml's service), so azd deploy cannot find it`,
          ),
        ]),
  ]);
}

export function checkAzdEntryPoint(compiled: CompiledInfra): Finding[] {
  const template = templateSchema.parse(compiled.template);
  const findings = tagFindings(compiled);
  if (!template.$schema.includes("subscriptionDeploymentTemplate")) {
    findings.push(
      finding("azd", TEMPLATE, "targetScope must be 'subscription' (main.bicep creates the resource group)"),
    );
  }
  for (const name of Object.keys(template.outputs)) {
    if (!/^[A-Z][A-Z0-9_]*$/.test(name)) {
      findings.push(
        finding(
          "azd",
          TEMPLATE,
          `output ${name} must be UPPER_SNAKE so azd stores it as an environment value`,
        ),
      );
    }
  }
  const text = compiled.readText(PARAMETERS_FILE);
  const parsed = text === undefined ? undefined : parametersFileSchema.safeParse(JSON.parse(text));
  if (parsed?.success !== true)
    return [...findings, finding("azd", PARAMETERS_FILE, "missing, or not a deployment parameters file")];
  for (const [name, declaration] of Object.entries(template.parameters)) {
    const optional = Object.hasOwn(declaration, "defaultValue") || declaration.nullable === true;
    if (!optional && !Object.hasOwn(parsed.data.parameters, name)) {
      findings.push(finding("azd", PARAMETERS_FILE, `param ${name} has no default and no value here`));
    }
  }
  for (const name of Object.keys(parsed.data.parameters)) {
    if (!Object.hasOwn(template.parameters, name))
      findings.push(finding("azd", PARAMETERS_FILE, `${name} is not a param of main.bicep`));
  }
  return findings;
}
