/**
 * `npm run infra:check [repo root]`: compiles and lints infra/ with the real Bicep CLI and runs every
 * check. Prints one line per finding (where: [check] message); exits 1 on any finding.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";

import { CASES } from "./compile.js";
import { checkInfra } from "./index.js";
import { BicepServer } from "./jsonrpc.js";
import { locateBicep, NoBicepCli, pinnedVersion } from "./locate.js";

const rootDir = path.resolve(
  process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), "..", ".."),
);
const started = performance.now();

async function main(): Promise<number> {
  const cli = await locateBicep(rootDir);
  const server = BicepServer.start(cli.path);
  try {
    const [version, findings] = await Promise.all([server.version(), checkInfra(server, { rootDir })]);
    for (const { where, check, message } of findings) console.error(`${where}: [${check}] ${message}`);
    const pinned = pinnedVersion(rootDir);
    const compiler = `Bicep CLI ${version} (${cli.source}${version === pinned ? "" : `; the pinned version is ${pinned}`})`;
    const took = `${((performance.now() - started) / 1000).toFixed(1)} s`;
    if (findings.length > 0)
      console.error(`infra check: ${findings.length} finding(s); ${compiler}, ${took}`);
    else
      console.log(
        `infra check: compiled, linted and every check passed for ${CASES.length} cases; ${compiler}, ${took}`,
      );
    return findings.length > 0 ? 1 : 0;
  } finally {
    await server.close();
  }
}

process.exitCode = await main().catch((error: unknown) => {
  if (!(error instanceof NoBicepCli)) throw error;
  console.error(error.message);
  return 1;
});
