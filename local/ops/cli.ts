/** `npm run ops -- …`: see commands.ts and the README's runbook. */
import { errorMessage } from "../../shared/errors.js";
import { runOps } from "./commands.js";

runOps(process.argv.slice(2), {
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${errorMessage(error)}\n`);
    process.exitCode = 1;
  },
);
