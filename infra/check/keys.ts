/** Nothing may read or carry a key: no ARM `list*()` call (listKeys and friends), no key-bearing connection string. */
import type { CompiledInfra, Finding } from "./arm.js";
import { finding, stringsIn } from "./arm.js";
import { TEMPLATE } from "./compile.js";

/** Connection-string fields that carry a key or a signature. */
const KEY_FIELDS = ["accountkey=", "sharedaccesskey=", "sharedaccesssignature=", "sharedaccesskeyname="];

export function checkNoKeys(compiled: CompiledInfra): Finding[] {
  const strings = stringsIn(compiled.template);
  // listKeys, listConnectionStrings, listAccountSas, listSecrets, ...: every ARM list action returns secrets.
  const actions = strings
    .filter((text) => text.startsWith("["))
    .flatMap((text) => [...text.matchAll(/\b(list[A-Z]\w*)\s*\(/g)]);
  const fields = KEY_FIELDS.filter((field) => strings.some((text) => text.toLowerCase().includes(field)));
  return [
    ...new Set(
      actions.map(
        (match) =>
          `${match[1]}() reads keys (list actions are not allowed): connect with the managed identity instead`,
      ),
    ),
    ...fields.map(
      (field) =>
        `a connection string with a key (${field.replace("=", "")}) is written: use an identity-based connection`,
    ),
  ].map((message) => finding("no-keys", TEMPLATE, message));
}
