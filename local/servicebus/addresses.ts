/** Link addresses and token audiences, read the way Service Bus reads them (case-insensitive). */

export type Address =
  | { readonly kind: "cbs" }
  | {
      readonly kind: "entity";
      readonly queue: string;
      readonly deadLetter: boolean;
      readonly management: boolean;
    }
  | { readonly kind: "unsupported"; readonly reason: string };

/** The path of an address or audience, without scheme and host: `sb://host:5672/q/$management` → `q/$management`. */
export function addressPath(address: string): string {
  const match = /^[a-z][a-z0-9+.-]*:\/\/[^/]*(.*)$/i.exec(address);
  const path = match ? (match[1] ?? "") : address;
  return path.replace(/^\/+|\/+$/g, "");
}

/** An entity's full address as Service Bus names it in errors: `sb://<host>/<path>`. */
export function entityUri(hostname: string, address: string): string {
  return `sb://${hostname}/${addressPath(address)}`;
}

/** Topics and subscriptions are read as entity paths too: none is declared, so none is found. */
export function parseAddress(address: string): Address {
  const path = addressPath(address);
  if (path.toLowerCase() === "$cbs") return { kind: "cbs" };
  const segments = path.split("/");
  const lowered = segments.map((segment) => segment.toLowerCase());
  if (lowered.includes("$transfer")) {
    return { kind: "unsupported", reason: "transfer dead-letter queues are not supported by this emulator" };
  }
  let management = false;
  let deadLetter = false;
  if (lowered.at(-1) === "$management") {
    management = true;
    segments.pop();
    lowered.pop();
  }
  if (lowered.at(-1) === "$deadletterqueue") {
    deadLetter = true;
    segments.pop();
  }
  return { kind: "entity", queue: segments.join("/"), deadLetter, management };
}

/** Whether a claim granted for `claimPath` covers `path`: the same entity, or anything below it. */
export function claimCovers(claimPath: string, path: string): boolean {
  const claim = claimPath.toLowerCase();
  const target = path.toLowerCase();
  return claim === "" || target === claim || target.startsWith(`${claim}/`);
}
