/**
 * `npm run docs:config`: writes docs/configuration-reference.md from the config schema.
 */
import { writeFileSync } from "node:fs";
import { CONFIG_REFERENCE_PATH, renderConfigReference, undescribedKeys } from "./config-reference.js";

const missing = undescribedKeys();
if (missing.length > 0) {
  process.stderr.write(
    `config keys without a description (add .describe() in src/core/config.ts):\n  ${missing.join("\n  ")}\n`,
  );
  process.exit(1);
}
writeFileSync(CONFIG_REFERENCE_PATH, renderConfigReference());
process.stdout.write(`wrote ${CONFIG_REFERENCE_PATH}\n`);
