/**
 * `npm run infra:check [repo root]`: parses every Bicep file under infra/ and runs every check.
 * Prints one line per finding (file:line:col: [check] message); exits 1 on any finding.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";

import { checkInfra, formatFinding } from "./index.js";

const defaultRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const rootDir = path.resolve(process.argv[2] ?? defaultRoot);

const { files, findings } = await checkInfra({ rootDir });
for (const finding of findings) console.error(formatFinding(finding));
if (files.length === 0) {
  console.error(`no .bicep files found under ${path.join(rootDir, "infra")}`);
  process.exitCode = 1;
} else if (findings.length > 0) {
  console.error(`infra check: ${findings.length} finding(s) in ${files.length} Bicep file(s)`);
  process.exitCode = 1;
} else {
  console.log(`infra check: ${files.length} Bicep file(s) parsed, every check passed`);
}
