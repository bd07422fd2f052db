/** Nothing may read or carry a key: no `list*()` calls (listKeys and friends), no key-bearing connection strings. */
import type { Finding } from "./findings.js";
import { findingAt } from "./findings.js";
import type { InfraProject } from "./project.js";
import { callName, descendants, stringFragments } from "./syntax.js";

/** listKeys, listConnectionStrings, listAccountSas, listSecrets, ...: every ARM list action returns secrets. */
const LIST_ACTION = /^list[A-Z]/;

/** Connection-string fields that carry a key or a signature. */
const KEY_FIELDS = ["accountkey=", "sharedaccesskey=", "sharedaccesssignature=", "sharedaccesskeyname="];

export function checkNoKeys(project: InfraProject): Finding[] {
  return project.files.flatMap((file) =>
    descendants(file.root).flatMap((node): Finding[] => {
      const name = callName(node);
      if (name !== undefined && LIST_ACTION.test(name)) {
        return [
          findingAt(
            "no-keys",
            file.path,
            node,
            `${name}() reads keys (listKeys and the other list actions are not allowed): connect with the managed identity instead`,
          ),
        ];
      }
      const text = stringFragments(node)?.join("").toLowerCase();
      const field = text === undefined ? undefined : KEY_FIELDS.find((candidate) => text.includes(candidate));
      return field === undefined
        ? []
        : [
            findingAt(
              "no-keys",
              file.path,
              node,
              `a connection string with a key (${field.replace("=", "")}) is written here: use an identity-based connection`,
            ),
          ];
    }),
  );
}
