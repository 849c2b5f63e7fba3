/**
 * The params file maps kernel_id → params object. A patch merges its params into one
 * kernel's entry and leaves everything else as a human wrote it: YAML keeps its comments,
 * key order and styles (edited through the `yaml` Document API, not re-dumped; the one
 * visible change is that a comment on a kernel's own key line moves to the line below,
 * which is how the yaml package round-trips it); JSON is written as
 * JSON.stringify(…, null, 2), the format this module creates.
 */
import { type Document, isMap, isScalar, parseDocument } from "yaml";
import { ParamsFileError } from "./git-patch-errors.js";
import type { ParamValue } from "./params-change.js";

export type ParamsFileFormat = "yaml" | "json";

/**
 * The format a params file is written in, from its extension.
 *
 * @example
 * paramsFileFormat("kernels/params.yml"); // "yaml"
 */
export function paramsFileFormat(fileName: string): ParamsFileFormat {
  if (/\.ya?ml$/i.test(fileName)) return "yaml";
  if (/\.json$/i.test(fileName)) return "json";
  throw new ParamsFileError(fileName, "must end in .yaml, .yml or .json");
}

/**
 * Returns the new text of the params file with `params` merged into `kernelId`'s entry.
 * `source` null means the file does not exist yet.
 *
 * @example
 * mergeKernelParams("# tuned by hand\napollo:\n  step: 0.3\n", "params.yaml", "apollo", { step: 0.2 });
 * // "# tuned by hand\napollo:\n  step: 0.2\n"
 */
export function mergeKernelParams(
  source: string | null,
  fileName: string,
  kernelId: string,
  params: Record<string, ParamValue>,
): string {
  return paramsFileFormat(fileName) === "yaml"
    ? mergeYaml(source ?? "", fileName, kernelId, params)
    : mergeJson(source ?? "", fileName, kernelId, params);
}

function mergeYaml(source: string, fileName: string, kernelId: string, params: Record<string, ParamValue>) {
  const doc: Document = parseDocument(source);
  if (doc.errors.length > 0) throw new ParamsFileError(fileName, `not valid YAML: ${doc.errors[0]?.message}`);
  // An empty file (or one holding only comments) parses to no contents or a null scalar.
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) {
    doc.contents = doc.createNode({});
  }
  if (!isMap(doc.contents)) throw new ParamsFileError(fileName, "must map kernel_id → params object");
  const entry = doc.get(kernelId, true);
  if (entry !== undefined && !isMap(entry) && !(isScalar(entry) && entry.value === null)) {
    throw new ParamsFileError(fileName, `the entry for ${kernelId} is not a mapping`);
  }
  if (entry === undefined || isScalar(entry)) doc.set(kernelId, doc.createNode({}));
  for (const [key, value] of Object.entries(params)) doc.setIn([kernelId, key], value);
  // lineWidth 0: never fold a long string a human wrote onto several lines.
  return doc.toString({ lineWidth: 0 });
}

function mergeJson(source: string, fileName: string, kernelId: string, params: Record<string, ParamValue>) {
  let parsed: unknown = {};
  if (source.trim() !== "") {
    try {
      parsed = JSON.parse(source);
    } catch (err) {
      throw new ParamsFileError(fileName, `not valid JSON: ${(err as Error).message}`);
    }
  }
  if (!isPlainObject(parsed)) throw new ParamsFileError(fileName, "must map kernel_id → params object");
  const existing = Object.hasOwn(parsed, kernelId) ? (parsed[kernelId] ?? {}) : {};
  if (!isPlainObject(existing))
    throw new ParamsFileError(fileName, `the entry for ${kernelId} is not a mapping`);
  // Object.fromEntries defines own properties, so a kernel or param named "__proto__"
  // is data, not a prototype change.
  const entry = Object.fromEntries([...Object.entries(existing), ...Object.entries(params)]);
  const merged = Object.fromEntries([...Object.entries(parsed), [kernelId, entry]]);
  return `${JSON.stringify(merged, null, 2)}\n`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
