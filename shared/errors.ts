/** Anything thrown, as text for a log line or a problem document: normalised here, once. */
export function errorMessage(error: unknown, options: { firstLine?: boolean } = {}): string {
  const message = error instanceof Error ? error.message : String(error);
  return options.firstLine === true ? (message.split("\n")[0] ?? "") : message;
}
