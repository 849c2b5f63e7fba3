/**
 * The configuration reference (docs/configuration-reference.md), generated from the config
 * schema itself: every key with its type (bounds included), default and description, so the
 * page cannot fall behind the schema. `npm run docs:config` writes it; a test regenerates it
 * in memory and fails when the two differ, or when a key has no description.
 */
import { z } from "zod";
import { configSchema, DEFAULT_CONFIG } from "../core/config.js";
import { ENVIRONMENT } from "./load-config.js";

export const CONFIG_REFERENCE_PATH = "docs/configuration-reference.md";

interface JsonSchema {
  type?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  anyOf?: JsonSchema[];
  enum?: unknown[];
  items?: JsonSchema;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
}

/** One row of the reference: a leaf key. */
export interface ConfigKey {
  key: string;
  type: string;
  default: unknown;
  description: string;
}

/** A section of the reference: a top-level key and its leaves. */
interface Section {
  key: string;
  description: string;
  keys: ConfigKey[];
}

/** A type in words, bounds included: "number, 0 ≤ x ≤ 1", "string or null". */
export function typeOf(schema: JsonSchema): string {
  if (schema.anyOf) return schema.anyOf.map(typeOf).join(" or ");
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(" | ");
  const type = schema.type ?? "any";
  if (type === "number" || type === "integer") {
    const low =
      schema.exclusiveMinimum !== undefined
        ? { op: "<", flip: ">", value: bound(schema.exclusiveMinimum) }
        : schema.minimum !== undefined
          ? { op: "≤", flip: "≥", value: bound(schema.minimum) }
          : null;
    const high =
      schema.exclusiveMaximum !== undefined
        ? { op: "<", value: bound(schema.exclusiveMaximum) }
        : schema.maximum !== undefined
          ? { op: "≤", value: bound(schema.maximum) }
          : null;
    if (low && high) return `${type}, ${low.value} ${low.op} x ${high.op} ${high.value}`;
    if (low) return `${type} ${low.flip} ${low.value}`;
    if (high) return `${type} ${high.op} ${high.value}`;
    return type;
  }
  if (type === "string") {
    if (schema.format === "uri") return "URL";
    const sizes = [
      schema.minLength !== undefined && schema.minLength > 1 ? `≥ ${schema.minLength} characters` : "",
      schema.maxLength !== undefined ? `≤ ${schema.maxLength} characters` : "",
    ].filter(Boolean);
    return sizes.length ? `string (${sizes.join(", ")})` : "string";
  }
  if (type === "array") return `list of ${schema.items ? typeOf(schema.items) : "any"}`;
  if (type === "null") return "null";
  return type;
}

/** π and friends as they are written in the schema's messages. */
function bound(value: number): string {
  if (value === Math.PI) return "π";
  return String(value);
}

function valueAt(path: string[]): unknown {
  let node: unknown = DEFAULT_CONFIG;
  for (const part of path) node = (node as Record<string, unknown> | null)?.[part];
  return node;
}

const envFor = (key: string): string[] =>
  Object.entries(ENVIRONMENT)
    .filter(([, target]) => target.key === key)
    .map(([name]) => name);

/** Every leaf key under `schema`, depth first, in the schema's order. */
function leaves(schema: JsonSchema, path: string[], inherited: string): ConfigKey[] {
  if (schema.properties)
    return Object.entries(schema.properties).flatMap(([name, child]) =>
      leaves(child, [...path, name], schema.description ?? ""),
    );
  const key = path.join(".");
  const env = envFor(key);
  // A leaf of a per-cycle-type group ("For SLEEP.") reads with its group's words.
  const own = schema.description ?? "";
  const description = /^For [A-Z]+\.$/.test(own) ? `${inherited} ${own}` : own;
  return [
    {
      key,
      type: typeOf(schema),
      default: valueAt(path),
      description: env.length
        ? `${description} Environment: ${env.map((e) => `\`${e}\``).join(", ")}.`
        : description,
    },
  ];
}

export function configSections(): Section[] {
  const root = z.toJSONSchema(configSchema, { io: "input", unrepresentable: "any" }) as JsonSchema;
  return Object.entries(root.properties ?? {}).map(([name, schema]) => ({
    key: name,
    description: schema.properties ? (schema.description ?? "") : "",
    keys: leaves(schema, [name], ""),
  }));
}

/** Leaf keys without a description: the test fails on any. */
export function undescribedKeys(): string[] {
  return configSections()
    .flatMap((s) => s.keys)
    .filter((k) => k.description.trim() === "")
    .map((k) => k.key);
}

const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");
const defaultCell = (value: unknown) =>
  value === undefined ? "" : `\`${JSON.stringify(value).replace(/\|/g, "\\|")}\``;

export function renderConfigReference(): string {
  const sections = configSections();
  const lines = [
    "# Configuration reference",
    "",
    "<!-- Generated from the config schema (src/core/config.ts) by `npm run docs:config`; do not edit by hand. -->",
    "",
    "Every key Autonomic reads, with its type, default and meaning. Set keys in a YAML or JSON file passed",
    "with `--config`; a few also from the environment (named in the description) and from command-line",
    "flags. Later layers win: defaults, file, environment, flags. A bad value stops start-up with an error",
    "naming the key and where it came from. How to choose values: [configuration](configuration.md).",
    "",
    "| Section | Keys |",
    "| --- | --- |",
    ...sections.map((s) => `| [\`${s.key}\`](#${s.key.toLowerCase()}) | ${s.keys.length} |`),
  ];
  for (const section of sections) {
    lines.push("", `## ${section.key}`, "");
    if (section.description) lines.push(section.description, "");
    lines.push("| Key | Type | Default | Description |", "| --- | --- | --- | --- |");
    for (const k of section.keys)
      lines.push(`| \`${k.key}\` | ${cell(k.type)} | ${defaultCell(k.default)} | ${cell(k.description)} |`);
  }
  return `${lines.join("\n")}\n`;
}
