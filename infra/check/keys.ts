/** Nothing may read or carry a key: no ARM `list*()` call (listKeys and friends), no key-bearing connection string. */
import type { CompiledInfra } from "./arm.js";
import { stringsIn } from "./arm.js";
import type { Finding } from "./findings.js";
import { finding } from "./findings.js";
import { MAIN_FILE } from "./compile.js";

/** listKeys, listConnectionStrings, listAccountSas, listSecrets, ...: every ARM list action returns secrets. */
const LIST_ACTION = /\b(list[A-Z]\w*)\s*\(/g;

/** Connection-string fields that carry a key or a signature. */
const KEY_FIELDS = ["accountkey=", "sharedaccesskey=", "sharedaccesssignature=", "sharedaccesskeyname="];

/** Where template findings point: the template as a whole (it has no line of the Bicep source). */
export const TEMPLATE = `${MAIN_FILE} (compiled)`;

export function checkNoKeys(compiled: CompiledInfra): Finding[] {
  const strings = stringsIn(compiled.template);
  const actions = new Set(
    strings
      .filter((text) => text.startsWith("["))
      .flatMap((text) => [...text.matchAll(LIST_ACTION)].map((match) => match[1])),
  );
  const fields = new Set(
    strings.flatMap((text) => KEY_FIELDS.filter((field) => text.toLowerCase().includes(field))),
  );
  return [
    ...[...actions].map((name) =>
      finding(
        "no-keys",
        TEMPLATE,
        `${name}() reads keys (list actions are not allowed): connect with the managed identity instead`,
      ),
    ),
    ...[...fields].map((field) =>
      finding(
        "no-keys",
        TEMPLATE,
        `a connection string with a key (${field.replace("=", "")}) is written: use an identity-based connection`,
      ),
    ),
  ];
}
