/**
 * Driving self-healing over HTTP in end-to-end tests: kernels that report snapshots and
 * answer the actions their directives carry, operator calls with a token and an actor, and
 * polling for what happens in the background (a kernel's answer moves a patch after the
 * reply to it has been sent).
 *
 * @example
 * const http = healingHttp(server.url);
 * await http.reportMany("apollo_1", SLOW, 12);
 * const dry = await http.nextAction("apollo_1", SLOW, { dry_run: true });
 * await http.answer(dry.action_id, { ok: true, predicted: { phi: 0.75, kappa_eff: 64.21 } });
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";

export interface Reply {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: replies are checked field by field
  body: any;
}

export interface CallOptions {
  token?: string;
  actor?: string;
}

/** An action as a directive carries it. */
export interface WireAction {
  action_id: string;
  patch_id: string | null;
  type: string;
  params: Record<string, unknown>;
  dry_run: boolean;
}

/** κ at κ*, Φ inside the healthy band [0.65, 0.85]: nothing to heal. */
export const HEALTHY = { phi: 0.75, kappa_eff: 64.21 };
/** Latency over the 2000 ms warning: the performance strategy's enable_cache. */
export const SLOW = { ...HEALTHY, avg_latency_ms: 3500 };
/** Errors over the 5 % critical: the error spike strategy's rollback_config. */
export const ERRORS = { ...HEALTHY, error_rate: 0.15 };

/** Polls `read` until `accept` holds, every `everyMs`; throws with the last value after `timeoutMs`. */
export async function eventually<T>(
  read: () => Promise<T>,
  accept: (value: T) => boolean,
  what: string,
  { timeoutMs = 20_000, everyMs = 100 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (accept(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`${what}: not within ${timeoutMs} ms; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** Writes a JSON config file for `serve --config` into `dir`. */
export function configFile(dir: string, name: string, config: object): string {
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify(config));
  return path;
}

export function healingHttp(url: string, defaults: CallOptions = {}) {
  async function call(
    method: string,
    path: string,
    body?: unknown,
    options: CallOptions = {},
  ): Promise<Reply> {
    const { token, actor } = { ...defaults, ...options };
    const headers: Record<string, string> = {};
    if (body !== undefined) headers["content-type"] = "application/json";
    if (token) headers.authorization = `Bearer ${token}`;
    if (actor) headers["x-autonomic-actor"] = actor;
    const response = await fetch(`${url}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // metrics, or a reply that is not JSON (which an assertion then shows)
    }
    return { status: response.status, body: parsed };
  }

  const get = (path: string, options?: CallOptions) => call("GET", path, undefined, options);
  const post = (path: string, body?: unknown, options?: CallOptions) => call("POST", path, body, options);

  /** One snapshot; resolves with the actions its reply's directive carries. */
  async function report(kernelId: string, metrics: object): Promise<WireAction[]> {
    const reply = await post("/api/self-healing/snapshot", { kernel_id: kernelId, ...metrics });
    if (reply.status !== 200) throw new Error(`snapshot refused: ${JSON.stringify(reply.body)}`);
    return reply.body.directive.actions;
  }

  async function reportMany(kernelId: string, metrics: object, count: number): Promise<void> {
    for (let i = 0; i < count; i++) await report(kernelId, metrics);
  }

  /** Keeps reporting `metrics` until the directive carries an action matching `match`. */
  async function nextAction(
    kernelId: string,
    metrics: object,
    match: Partial<WireAction>,
    options: { timeoutMs?: number; everyMs?: number } = {},
  ): Promise<WireAction> {
    const matches = (a: WireAction) =>
      Object.entries(match).every(([key, value]) => a[key as keyof WireAction] === value);
    const actions = await eventually(
      () => report(kernelId, metrics),
      (list) => list.some(matches),
      `an action ${JSON.stringify(match)} for ${kernelId}`,
      options,
    );
    return actions.find(matches) as WireAction;
  }

  async function answer(actionId: string, result: unknown): Promise<void> {
    const reply = await post(`/api/self-healing/actions/${actionId}/result`, result);
    if (reply.status !== 200) throw new Error(`answer refused: ${JSON.stringify(reply.body)}`);
  }

  async function patch(patchId: string) {
    const reply = await get(`/api/self-healing/patches/${patchId}`);
    if (reply.status !== 200) throw new Error(`patch ${patchId}: ${JSON.stringify(reply.body)}`);
    return reply.body.patch;
  }

  /** Waits until the patch is in `state` (kernel answers move patches in the background). */
  const patchIn = (patchId: string, state: string, options?: { timeoutMs?: number }) =>
    eventually(
      () => patch(patchId),
      (p) => p.state === state,
      `patch ${patchId} ${state}`,
      options,
    );

  /** Forces the phase up to `phase`, one recorded reason per step. */
  async function forcePhase(phase: number, options?: CallOptions): Promise<void> {
    for (;;) {
      const now = (await get("/api/self-healing/phase")).body.phase.phase;
      if (now >= phase) return;
      const reply = await post(
        "/api/self-healing/phase/advance",
        { force: true, reason: `end-to-end test starts in phase ${phase}` },
        options,
      );
      if (reply.status !== 200) throw new Error(`advance refused: ${JSON.stringify(reply.body)}`);
    }
  }

  return { call, get, post, report, reportMany, nextAction, answer, patch, patchIn, forcePhase };
}
