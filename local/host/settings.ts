/**
 * App settings as `func start` provides them: `local.settings.json` `Values` fill in what the real
 * environment does not set (the environment wins), and `%NAME%` placeholders in trigger options
 * are resolved from the result.
 */
import { readFile } from "node:fs/promises";
import { z } from "zod";
import { errorMessage } from "../../shared/errors.js";

const localSettingsSchema = z.looseObject({
  IsEncrypted: z.boolean().optional(),
  Values: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  Host: z
    .looseObject({
      LocalHttpPort: z.union([z.number().int(), z.string().regex(/^\d+$/).transform(Number)]),
    })
    .partial()
    .optional(),
});

export interface LocalSettings {
  values: Record<string, string>;
  localHttpPort: number | undefined;
}

export class SettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SettingsError";
  }
}

/** Reads a Core Tools `local.settings.json`; undefined when the file does not exist. */
export async function readLocalSettings(filePath: string): Promise<LocalSettings | undefined> {
  let text: string;
  try {
    text = await readFile(filePath, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new SettingsError(`${filePath} cannot be read: ${errorMessage(error)}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new SettingsError(`${filePath} is not JSON: ${errorMessage(error)}`);
  }
  return parseLocalSettings(raw, filePath);
}

export function parseLocalSettings(raw: unknown, source = "local.settings.json"): LocalSettings {
  const parsed = localSettingsSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`,
    );
    throw new SettingsError(`Invalid ${source}:\n  - ${problems.join("\n  - ")}`);
  }
  if (parsed.data.IsEncrypted === true) {
    throw new SettingsError(
      `${source} is encrypted (IsEncrypted: true); the local host cannot decrypt it. Run "func settings decrypt" or write the values in clear text.`,
    );
  }
  const values = Object.fromEntries(
    Object.entries(parsed.data.Values ?? {}).map(([name, value]) => [name, String(value)]),
  );
  return { values, localHttpPort: parsed.data.Host?.LocalHttpPort };
}

/**
 * Writes settings into an environment: `defaults` only where the name is unset, `overrides`
 * always. Returns a function that puts the environment back as it was.
 */
export function applySettings(
  env: NodeJS.ProcessEnv,
  defaults: Readonly<Record<string, string>>,
  overrides: Readonly<Record<string, string>> = {},
): () => void {
  const previous = new Map<string, string | undefined>();
  const set = (name: string, value: string): void => {
    if (!previous.has(name)) previous.set(name, env[name]);
    env[name] = value;
  };
  for (const [name, value] of Object.entries(defaults)) {
    if (env[name] === undefined) set(name, value);
  }
  for (const [name, value] of Object.entries(overrides)) set(name, value);
  return () => {
    for (const [name, value] of previous) {
      if (value === undefined) Reflect.deleteProperty(env, name);
      else env[name] = value;
    }
  };
}

/**
 * Replaces every `%NAME%` with the setting's value. A missing or empty setting is an error that
 * names the setting and where it was used.
 */
export function resolvePlaceholders(
  value: string,
  lookup: (name: string) => string | undefined,
  usedBy: string,
): string {
  return value.replace(/%([^%\s]+)%/g, (_placeholder, name: string) => {
    const resolved = lookup(name);
    if (resolved === undefined || resolved === "") {
      throw new SettingsError(
        `${usedBy} uses %${name}%, but the app setting "${name}" is not set (environment or local.settings.json Values).`,
      );
    }
    return resolved;
  });
}
