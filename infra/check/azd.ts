/**
 * main.bicep is azd's entry point: UPPER_SNAKE outputs and a parameters file in step with its
 * parameters (the scope and the tags azd needs are rules.ts rules).
 */
import { z } from "zod";

import type { CompiledInfra, Finding } from "./arm.js";
import { finding } from "./arm.js";
import { TEMPLATE } from "./compile.js";

export const PARAMETERS_FILE = "infra/main.parameters.json";

const parametersFileSchema = z.object({ parameters: z.record(z.string(), z.object({ value: z.unknown() })) });
const templateSchema = z.looseObject({
  parameters: z.record(z.string(), z.looseObject({ nullable: z.boolean().optional() })).default({}),
  outputs: z.record(z.string(), z.unknown()).default({}),
});

export function checkAzd(compiled: CompiledInfra): Finding[] {
  const template = templateSchema.parse(compiled.template);
  const findings = Object.keys(template.outputs)
    .filter((name) => !/^[A-Z][A-Z0-9_]*$/.test(name))
    .map((name) =>
      finding("azd", TEMPLATE, `output ${name} must be UPPER_SNAKE so azd stores it as an environment value`),
    );
  const text = compiled.readText(PARAMETERS_FILE);
  const parsed = parametersFileSchema.safeParse(text === undefined ? undefined : JSON.parse(text));
  if (!parsed.success)
    return [...findings, finding("azd", PARAMETERS_FILE, "missing, or not a deployment parameters file")];
  const given = parsed.data.parameters;
  const problems = [
    ...Object.entries(template.parameters)
      .filter(
        ([name, param]) =>
          !("defaultValue" in param) && param.nullable !== true && !Object.hasOwn(given, name),
      )
      .map(([name]) => `param ${name} has no default and no value here`),
    ...Object.keys(given)
      .filter((name) => !Object.hasOwn(template.parameters, name))
      .map((name) => `${name} is not a param of main.bicep`),
  ];
  return [...findings, ...problems.map((message) => finding("azd", PARAMETERS_FILE, message))];
}
