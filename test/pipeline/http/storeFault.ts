/** A crash between a Partner Center call and the table write that records it, made in this process. */
import { ReferenceCache } from "../../../shared/pipeline/referenceCache.js";
import { runtime, setRuntimeForTests } from "../../../shared/pipeline/runtime.js";
import { FaultInjector } from "../../drills/faults.js";
import { testTableStore } from "../../setup/tables.js";

/**
 * Runs `run` while the runtime's table store fails (before sending) the first request whose body
 * contains `needle` (or, given a test, whose body it holds for), then puts the runtime's own store
 * back. Answers how many requests it failed.
 */
export async function withTableWriteFault(
  fileUrl: string,
  needle: string | ((body: string) => boolean),
  run: () => Promise<void>,
): Promise<number> {
  const faults = new FaultInjector();
  const store = testTableStore(fileUrl, { policies: [faults.policy] });
  const live = runtime();
  setRuntimeForTests({ store, reference: new ReferenceCache(store) });
  try {
    faults.arm({
      timing: "before-sending",
      matches: (request) =>
        typeof request.body === "string" &&
        (typeof needle === "string" ? request.body.includes(needle) : needle(request.body)),
    });
    await run();
    return faults.fired.length;
  } finally {
    setRuntimeForTests({ store: live.store, reference: live.reference });
  }
}
