/**
 * `npm run infra:check [repo root]`: compiles and lints infra/ with the real Bicep CLI and runs every
 * check. Prints one line per finding (where: [check] message); exits 1 on any finding.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";

import { CASES } from "./compile.js";
import { formatFinding } from "./findings.js";
import { checkInfra } from "./index.js";
import { BicepServer } from "./jsonrpc.js";
import { locateBicep, NoBicepCli, pinnedVersion } from "./locate.js";

const defaultRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const rootDir = path.resolve(process.argv[2] ?? defaultRoot);
const started = performance.now();

async function main(): Promise<number> {
  const cli = await locateBicep(rootDir);
  const server = BicepServer.start(cli.path);
  try {
    const version = await server.version();
    const findings = await checkInfra(server, { rootDir });
    for (const found of findings) console.error(formatFinding(found));
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const pinned = pinnedVersion(rootDir);
    const compiler = `Bicep CLI ${version} (${cli.source}${version === pinned ? "" : `; the pinned version is ${pinned}`})`;
    if (findings.length > 0) {
      console.error(`infra check: ${findings.length} finding(s); ${compiler}, ${seconds} s`);
      return 1;
    }
    console.log(
      `infra check: compiled, linted and every check passed for ${CASES.length} cases; ${compiler}, ${seconds} s`,
    );
    return 0;
  } finally {
    await server.close();
  }
}

process.exitCode = await main().catch((error: unknown) => {
  if (!(error instanceof NoBicepCli)) throw error;
  console.error(error.message);
  return 1;
});
