import { fileURLToPath } from "node:url";

/**
 * The registry shipped with Autonomic (registry/pantheon.yaml at the package root).
 * src/ and dist/ sit at the same depth, so one relative path serves both.
 */
export function defaultRegistryPath(): string {
  return fileURLToPath(new URL("../../../registry/pantheon.yaml", import.meta.url));
}
