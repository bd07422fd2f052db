/**
 * The benchmarks that run compiled code (the deployment bundle in dist/deploy, the local host in
 * dist/local) build it first when it is absent, so `tsx bench/run.ts <name>` works from a fresh
 * checkout; `npm run bench` builds anyway, so its figures are of the current sources.
 */
import { spawn } from "node:child_process";
import { access } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(fileURLToPath(new URL("../..", import.meta.url)));
const BUILT = [
  path.join(ROOT, "dist", "deploy", "package.json"),
  path.join(ROOT, "dist", "local", "host", "cli.js"),
  path.join(ROOT, "dist", "local", "host", "loadFunctionApp.js"),
];

export async function ensureBuilt(): Promise<void> {
  const present = await Promise.all(
    BUILT.map((file) =>
      access(file).then(
        () => true,
        () => false,
      ),
    ),
  );
  if (present.every(Boolean)) return;
  process.stderr.write("bench: dist/ is incomplete, running npm run build\n");
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn("npm", ["run", "--silent", "build"], {
      cwd: ROOT,
      stdio: ["ignore", "inherit", "inherit"],
    });
    child.once("error", reject);
    child.once("exit", (exit) => {
      resolve(exit ?? 1);
    });
  });
  if (code !== 0) throw new Error(`npm run build exited ${code}`);
}
