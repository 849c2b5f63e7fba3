/**
 * The top functions of a V8 CPU profile (`node --cpu-prof`) by self time: each sample's
 * time goes to the function on top of the stack; one function's nodes are summed across
 * call paths. Positions in a build with source maps (dist/, after `npm run build`) are
 * mapped back to the source file and line; paths are shown relative to the working
 * directory. Percentages are of all sampled time; the idle share is printed apart.
 *
 *   node --import tsx bench/profile-top.ts <file.cpuprofile> [N=20] [--json]
 *
 * @example
 * node --import tsx bench/write-path.ts --built --backends sqlite --routes fatigue --cpu-prof /tmp/prof
 * node --import tsx bench/profile-top.ts /tmp/prof/CPU.*.cpuprofile 10
 */
import { existsSync, readFileSync } from "node:fs";
import { SourceMap } from "node:module";
import { dirname, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

interface CallFrame {
  functionName: string;
  url: string;
  /** 0-based. */
  lineNumber: number;
  /** 0-based. */
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  /** Microseconds since the previous sample (the first since startTime). */
  timeDeltas: number[];
}

export interface FunctionSelfTime {
  function: string;
  /** path:line (1-based), mapped to the source where a source map is found. */
  location: string;
  /** For a function without a location (native, or V8's own): its most frequent caller. */
  via?: string;
  self_ms: number;
  self_pct: number;
}

export interface ProfileSummary {
  sampled_ms: number;
  idle_pct: number;
  gc_pct: number;
  top: FunctionSelfTime[];
}

const maps = new Map<string, SourceMap | null>();

/** The source map beside a built file (`x.js.map`, or its sourceMappingURL), if any. */
function sourceMapOf(file: string): SourceMap | null {
  let map = maps.get(file);
  if (map !== undefined) return map;
  map = null;
  try {
    const text = readFileSync(file, "utf8");
    const named = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(text)?.[1];
    const mapFile =
      named && !named.startsWith("data:")
        ? resolve(dirname(file), named)
        : existsSync(`${file}.map`)
          ? `${file}.map`
          : null;
    if (mapFile) map = new SourceMap(JSON.parse(readFileSync(mapFile, "utf8")));
  } catch {
    map = null;
  }
  maps.set(file, map);
  return map;
}

/** "src/services/rest-service.ts:120" for a frame, mapped through a source map when there is one. */
function locate(frame: CallFrame, cwd: string): string {
  if (frame.url === "") return "";
  let file: string;
  try {
    file = frame.url.startsWith("file:") ? fileURLToPath(frame.url) : frame.url;
  } catch {
    return frame.url;
  }
  let line = frame.lineNumber + 1;
  if (file.startsWith("/") && !file.includes("/node_modules/")) {
    const entry = sourceMapOf(file)?.findEntry(frame.lineNumber, frame.columnNumber) as
      | { originalSource?: string; originalLine?: number }
      | undefined;
    if (entry?.originalSource !== undefined && entry.originalLine !== undefined) {
      const source = entry.originalSource.startsWith("file:")
        ? fileURLToPath(entry.originalSource)
        : resolve(dirname(file), entry.originalSource);
      file = source;
      line = entry.originalLine + 1;
    }
  }
  const shown = file.startsWith("/") ? relative(cwd, file) : file;
  return `${shown.replace(/^(\.\.\/)+.*?node_modules\//, "node_modules/")}:${line}`;
}

export function summarise(profile: CpuProfile, top: number, cwd = process.cwd()): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfMicros = new Map<number, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const delta = Math.max(0, profile.timeDeltas[i] ?? 0);
    selfMicros.set(id, (selfMicros.get(id) ?? 0) + delta);
    total += delta;
  });
  const parentOf = new Map<number, ProfileNode>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node);
  const keyOf = (frame: CallFrame) =>
    `${frame.functionName}\0${frame.url}\0${frame.lineNumber}\0${frame.columnNumber}`;
  const byFunction = new Map<
    string,
    { frame: CallFrame; micros: number; callers: Map<string, { frame: CallFrame; micros: number }> }
  >();
  for (const [id, micros] of selfMicros) {
    const frame = (byId.get(id) as ProfileNode).callFrame;
    const key = keyOf(frame);
    let entry = byFunction.get(key);
    if (!entry) {
      entry = { frame, micros: 0, callers: new Map() };
      byFunction.set(key, entry);
    }
    entry.micros += micros;
    const parent = parentOf.get(id)?.callFrame;
    if (frame.url === "" && parent && parent.functionName !== "(root)") {
      const caller = entry.callers.get(keyOf(parent));
      if (caller) caller.micros += micros;
      else entry.callers.set(keyOf(parent), { frame: parent, micros });
    }
  }
  const via = (callers: Map<string, { frame: CallFrame; micros: number }>) => {
    const top = [...callers.values()].sort((a, b) => b.micros - a.micros)[0];
    return top ? { via: `${top.frame.functionName || "(anonymous)"} ${locate(top.frame, cwd)}`.trim() } : {};
  };
  const share = (micros: number) => (total === 0 ? 0 : Number(((100 * micros) / total).toFixed(2)));
  const named = (name: string) =>
    [...byFunction.values()].filter((e) => e.frame.functionName === name).reduce((s, e) => s + e.micros, 0);
  const ranked = [...byFunction.values()].sort((a, b) => b.micros - a.micros).slice(0, top);
  return {
    sampled_ms: Number((total / 1000).toFixed(1)),
    idle_pct: share(named("(idle)")),
    gc_pct: share(named("(garbage collector)")),
    top: ranked.map((e) => ({
      function: e.frame.functionName || "(anonymous)",
      location: locate(e.frame, cwd),
      ...(e.frame.url === "" ? via(e.callers) : {}),
      self_ms: Number((e.micros / 1000).toFixed(1)),
      self_pct: share(e.micros),
    })),
  };
}

function main(argv: string[]): void {
  const json = argv.includes("--json");
  const [file, count] = argv.filter((a) => a !== "--json");
  if (!file) {
    process.stderr.write("usage: profile-top.ts <file.cpuprofile> [N=20] [--json]\n");
    process.exit(2);
  }
  const n = Number(count ?? 20);
  if (!Number.isInteger(n) || n < 1) throw new Error("N must be a positive integer");
  const summary = summarise(JSON.parse(readFileSync(file, "utf8")) as CpuProfile, n);
  if (json) {
    process.stdout.write(`${JSON.stringify({ profile: file, ...summary })}\n`);
    return;
  }
  process.stdout.write(
    `${file}: ${summary.sampled_ms} ms sampled, idle ${summary.idle_pct} %, GC ${summary.gc_pct} %\n`,
  );
  const width = Math.max(...summary.top.map((t) => t.function.length), 8);
  summary.top.forEach((t, i) => {
    process.stdout.write(
      `${String(i + 1).padStart(3)}  ${t.self_pct.toFixed(2).padStart(6)} %  ${t.self_ms.toFixed(1).padStart(9)} ms  ${t.function.padEnd(width)}  ${t.location || (t.via ? `via ${t.via}` : "")}\n`,
    );
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url))
  main(process.argv.slice(2));
