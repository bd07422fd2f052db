/**
 * MS-RequestIds fixed by what they are for, so every retry of one Partner Center call carries the
 * same id and Partner Center answers what the first one made (MIG-1 orders, MC-6 / MC-3 transfers).
 */
import { createHash } from "node:crypto";

/** A UUID from a purpose and the ids it is fixed by (RFC 9562 layout, version 8, the RFC variant). */
export function fixedRequestId(purpose: string, ...ids: readonly string[]): string {
  const hex = createHash("sha256")
    .update([purpose, ...ids].join("\u0000"))
    .digest("hex");
  const variant = ((parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
