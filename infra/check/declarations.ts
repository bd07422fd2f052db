/**
 * Declarations: every parameter and output described, no secure parameter with a default or in an
 * output, every file a template names exists (no registry module, which cannot be checked offline),
 * and the azd entry point's shape (subscription scope, UPPER_SNAKE outputs, a parameters file that
 * matches its parameters).
 */
import { z } from "zod";

import type { Node } from "web-tree-sitter";

import type { Finding } from "./findings.js";
import { findingAt, findingInFile, lineOf } from "./findings.js";
import type { BicepFile, InfraProject } from "./project.js";
import { INFRA_DIR, resolveFrom } from "./project.js";
import { declaredResources, followVariables } from "./query.js";
import {
  callArguments,
  callName,
  children,
  descendants,
  moduleDeclarations,
  outputDeclarations,
  parameterDeclarations,
  property,
  stringValue,
} from "./syntax.js";
import type { Decorator, ParameterDeclaration } from "./syntax.js";

export const MAIN_FILE = `${INFRA_DIR}/main.bicep`;
export const PARAMETERS_FILE = `${INFRA_DIR}/main.parameters.json`;
/** The service name in azure.yaml; azd deploys to the function app tagged with it. */
export const AZD_SERVICE_NAME = "api";

function hasDescription(decorators: readonly Decorator[]): boolean {
  return decorators.some((decorator) => {
    const text = decorator.args[0] === undefined ? undefined : stringValue(decorator.args[0]);
    return decorator.name === "description" && text !== undefined && text.trim().length > 0;
  });
}

/** Every `param` and `output` in every file carries a non-empty `@description`. */
export function checkDescriptions(project: InfraProject): Finding[] {
  return project.files.flatMap((file) => [
    ...parameterDeclarations(file.root)
      .filter((parameter) => !hasDescription(parameter.decorators))
      .map((parameter) =>
        findingAt("descriptions", file.path, parameter.node, `param ${parameter.name} has no @description`),
      ),
    ...outputDeclarations(file.root)
      .filter((output) => !hasDescription(output.decorators))
      .map((output) =>
        findingAt("descriptions", file.path, output.node, `output ${output.name} has no @description`),
      ),
  ]);
}

function isSecure(parameter: ParameterDeclaration): boolean {
  const typeName = parameter.typeNode?.text ?? "";
  return (
    parameter.decorators.some((decorator) => decorator.name === "secure") ||
    /^secure(String|Object)$/.test(typeName)
  );
}

/** No secure parameter has a default value, and none is passed through to an output. */
export function checkSecureParameters(project: InfraProject): Finding[] {
  return project.files.flatMap((file) => {
    const secure = parameterDeclarations(file.root).filter(isSecure);
    const secureNames = new Set(secure.map((parameter) => parameter.name));
    const withDefault = secure
      .filter((parameter) => parameter.defaultValue !== undefined)
      .map((parameter) =>
        findingAt(
          "secure-params",
          file.path,
          parameter.defaultValue ?? parameter.node,
          `secure param ${parameter.name} must not have a default value (it would sit in the template)`,
        ),
      );
    const inOutputs = outputDeclarations(file.root).flatMap((output) =>
      output.value === undefined
        ? []
        : descendants(output.value)
            .filter((node) => node.type === "identifier" && secureNames.has(node.text))
            .map((node) =>
              findingAt(
                "secure-params",
                file.path,
                node,
                `output ${output.name} exposes secure param ${node.text}`,
              ),
            ),
    );
    return [...withDefault, ...inOutputs];
  });
}

const LOADERS = new Set(["loadJsonContent", "loadTextContent", "loadYamlContent", "loadFileAsBase64"]);

/** Local modules and loaded files exist; registry modules and inline nested deployments are refused. */
export function checkReferences(project: InfraProject): Finding[] {
  return project.files.flatMap((file) => {
    const modules = moduleDeclarations(file.root).flatMap((module): Finding[] => {
      if (/^(br|ts)[:/]/.test(module.path)) {
        return [
          findingAt(
            "references",
            file.path,
            module.pathNode,
            `module ${module.symbol} comes from a registry (${module.path}), which cannot be restored or checked offline: use a local module`,
          ),
        ];
      }
      const target = resolveFrom(file.path, module.path);
      return project.files.some((candidate) => candidate.path === target)
        ? []
        : [
            findingAt(
              "references",
              file.path,
              module.pathNode,
              `module ${module.symbol} points at ${target}, which does not exist`,
            ),
          ];
    });
    const loads = descendants(file.root).flatMap((node): Finding[] => {
      const name = callName(node);
      if (name === undefined || !LOADERS.has(name)) return [];
      const pathArg = callArguments(node)[0];
      const written = pathArg === undefined ? undefined : stringValue(pathArg);
      if (written === undefined)
        return [findingAt("references", file.path, node, `${name}() needs a literal path`)];
      const target = resolveFrom(file.path, written);
      return project.readText(target) === undefined
        ? [
            findingAt(
              "references",
              file.path,
              node,
              `${name}('${written}') reads ${target}, which does not exist`,
            ),
          ]
        : [];
    });
    const nested = declaredResources(project, "Microsoft.Resources/deployments")
      .filter((located) => located.file.path === file.path)
      .map(({ resource }) =>
        findingAt(
          "references",
          file.path,
          resource.node,
          `${resource.symbol} is an inline nested deployment, whose resources this check cannot see: use a local module`,
        ),
      );
    return [...modules, ...loads, ...nested];
  });
}

const parametersFileSchema = z.object({
  parameters: z.record(z.string(), z.object({ value: z.unknown() })),
});

/** Whether a tags expression (an object, or e.g. `union(tags, {...})`) sets `tag` to the literal `value`. */
function setsTag(file: BicepFile, tags: Node | undefined, tag: string, value?: string): boolean {
  if (tags === undefined) return false;
  return [tags, ...descendants(tags)].some((node) => {
    const object = followVariables(file, node);
    const tagValue = property(object, tag);
    return tagValue !== undefined && (value === undefined || stringValue(tagValue) === value);
  });
}

/** azd finds the resource group by azd-env-name and the app by azd-service-name. */
function azdTagFindings(project: InfraProject): Finding[] {
  const findings: Finding[] = [];
  for (const { file, resource } of declaredResources(project, "Microsoft.Resources/resourceGroups")) {
    if (!setsTag(file, property(resource.body, "tags"), "azd-env-name")) {
      findings.push(
        findingAt("azd", file.path, resource.node, `${resource.symbol} must carry the azd-env-name tag`),
      );
    }
  }
  const sites = declaredResources(project, "Microsoft.Web/sites");
  if (
    !sites.some(({ file, resource }) =>
      setsTag(file, property(resource.body, "tags"), "azd-service-name", AZD_SERVICE_NAME),
    )
  ) {
    findings.push(
      findingInFile(
        "azd",
        INFRA_DIR,
        0,
        `no function app carries the tag azd-service-name: '${AZD_SERVICE_NAME}' (azure.yaml's service), so azd deploy cannot find it`,
      ),
    );
  }
  return findings;
}

/** main.bicep is azd's entry point: subscription scope, UPPER_SNAKE outputs, parameters file in step, azd tags. */
export function checkAzdEntryPoint(project: InfraProject): Finding[] {
  const main = project.files.find((file) => file.path === MAIN_FILE);
  if (main === undefined) return [findingInFile("azd", MAIN_FILE, 0, `${MAIN_FILE} is missing`)];
  const findings: Finding[] = azdTagFindings(project);

  const scope = children(main.root).find((node) => node.type === "target_scope_assignment");
  const scopeValue = scope === undefined ? undefined : children(scope).find((node) => node.type === "string");
  if (scopeValue === undefined || stringValue(scopeValue) !== "subscription") {
    findings.push(
      findingAt(
        "azd",
        main.path,
        scope ?? main.root,
        "targetScope must be 'subscription' (main.bicep creates the resource group)",
      ),
    );
  }
  for (const output of outputDeclarations(main.root)) {
    if (!/^[A-Z][A-Z0-9_]*$/.test(output.name)) {
      findings.push(
        findingAt(
          "azd",
          main.path,
          output.node,
          `output ${output.name} must be UPPER_SNAKE so azd stores it as an environment value`,
        ),
      );
    }
  }

  const text = project.readText(PARAMETERS_FILE);
  if (text === undefined)
    return [...findings, findingInFile("azd", PARAMETERS_FILE, 0, `${PARAMETERS_FILE} is missing`)];
  let parsed: z.infer<typeof parametersFileSchema>;
  try {
    parsed = parametersFileSchema.parse(JSON.parse(text));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return [
      ...findings,
      findingInFile("azd", PARAMETERS_FILE, 1, `not a deployment parameters file: ${reason}`),
    ];
  }
  const declared = parameterDeclarations(main.root);
  const declaredNames = new Set(declared.map((parameter) => parameter.name));
  for (const parameter of declared) {
    if (parameter.defaultValue === undefined && !Object.hasOwn(parsed.parameters, parameter.name)) {
      findings.push(
        findingInFile(
          "azd",
          PARAMETERS_FILE,
          1,
          `param ${parameter.name} has no default and no value in ${PARAMETERS_FILE}`,
        ),
      );
    }
  }
  for (const name of Object.keys(parsed.parameters)) {
    if (!declaredNames.has(name)) {
      findings.push(
        findingInFile(
          "azd",
          PARAMETERS_FILE,
          lineOf(text, `"${name}"`),
          `${name} is not a param of ${MAIN_FILE}`,
        ),
      );
    }
  }
  return findings;
}
