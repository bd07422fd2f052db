/**
 * Checks of the compiled template as a whole: nothing reads or carries a key (no ARM `list*()`
 * call, no key-bearing connection string), and main.bicep is azd's entry point (UPPER_SNAKE
 * outputs, a parameters file in step with its parameters; the scope and tags azd needs are rules).
 */
import { z } from "zod";

import type { CompiledInfra, Finding } from "./arm.js";
import { finding, stringsIn, TEMPLATE } from "./arm.js";

export const PARAMETERS_FILE = "infra/main.parameters.json";

/** Connection-string fields that carry a key or a signature. */
const KEY_FIELDS = ["accountkey=", "sharedaccesskey=", "sharedaccesssignature=", "sharedaccesskeyname="];

export function checkNoKeys({ template }: CompiledInfra): Finding[] {
  const strings = stringsIn(template);
  // listKeys, listConnectionStrings, listAccountSas, listSecrets, ...: every ARM list action returns secrets.
  const actions = new Set(
    strings
      .filter((text) => text.startsWith("["))
      .flatMap((text) => [...text.matchAll(/\b(list[A-Z]\w*)\s*\(/g)].map((match) => match[1])),
  );
  const fields = KEY_FIELDS.filter((field) => strings.some((text) => text.toLowerCase().includes(field)));
  return [
    ...[...actions].map(
      (action) =>
        `${action}() reads keys (list actions are not allowed): connect with the managed identity instead`,
    ),
    ...fields.map(
      (field) =>
        `a connection string with a key (${field.replace("=", "")}) is written: use an identity-based connection`,
    ),
  ].map((message) => finding("no-keys", TEMPLATE, message));
}

const parametersFileSchema = z.object({ parameters: z.record(z.string(), z.object({ value: z.unknown() })) });
const templateSchema = z.looseObject({
  parameters: z.record(z.string(), z.looseObject({ nullable: z.boolean().optional() })).default({}),
  outputs: z.record(z.string(), z.unknown()).default({}),
});

export function checkAzd(compiled: CompiledInfra): Finding[] {
  const { parameters, outputs } = templateSchema.parse(compiled.template);
  const findings = Object.keys(outputs)
    .filter((name) => !/^[A-Z][A-Z0-9_]*$/.test(name))
    .map((name) =>
      finding("azd", TEMPLATE, `output ${name} must be UPPER_SNAKE so azd stores it as an environment value`),
    );
  const text = compiled.readText(PARAMETERS_FILE);
  const file = parametersFileSchema.safeParse(text === undefined ? undefined : JSON.parse(text));
  if (!file.success)
    return [...findings, finding("azd", PARAMETERS_FILE, "missing, or not a deployment parameters file")];
  const given = file.data.parameters;
  const required = Object.entries(parameters).filter(
    ([, param]) => !("defaultValue" in param) && param.nullable !== true,
  );
  const problems = [
    ...required
      .filter(([name]) => !Object.hasOwn(given, name))
      .map(([name]) => `param ${name} has no default and no value here`),
    ...Object.keys(given)
      .filter((name) => !Object.hasOwn(parameters, name))
      .map((name) => `${name} is not a param of main.bicep`),
  ];
  return [...findings, ...problems.map((problem) => finding("azd", PARAMETERS_FILE, problem))];
}
