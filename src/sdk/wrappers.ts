/**
 * Non-invasive timing for a kernel's own work (SPEC §6 "Kernel SDK"): wrap a function or
 * a chain and its calls feed a CallStats, which the KernelClient drains into each
 * snapshot's error_rate and avg_latency_ms. The wrapped code is not changed: it receives
 * the same arguments and `this`, and its caller gets the same value or the very same error.
 */
import { CallStats, type CallSummary } from "./call-stats.js";

/**
 * One finished call, as told to an `onCall` listener.
 * @example { name: "answer", durationMs: 812.4, error: new Error("rate limited") }
 */
export interface CallEvent {
  name: string;
  durationMs: number;
  /** What the call threw; absent when it succeeded. */
  error?: unknown;
}

/**
 * @example { name: "llm.answer", onCall: (e) => log.debug(e), clock: () => fakeNow }
 */
export interface InstrumentOptions {
  /** Names the call in `onCall` events (default: the function's own name). */
  name?: string;
  /** Told about every finished call; whatever it throws is ignored, never the caller's problem. */
  onCall?: (event: CallEvent) => void;
  /** Milliseconds from any origin (default `performance.now`, monotonic). */
  clock?: () => number;
}

const defaultClock = (): number => performance.now();

/**
 * Wraps a function so each call is timed and its failures counted into `stats`.
 * The result is always async, even for a sync `fn`: a sync throw becomes a rejection.
 * @example
 * const answer = instrument(llm.answer.bind(llm), client.calls, { name: "answer" });
 * const reply = await answer(question); // same reply, now counted
 */
export function instrument<A extends unknown[], R, This = unknown>(
  fn: (this: This, ...args: A) => Promise<R> | R,
  stats: CallStats,
  options: InstrumentOptions = {},
): (this: This, ...args: A) => Promise<R> {
  const clock = options.clock ?? defaultClock;
  const onCall = options.onCall;
  const name = options.name ?? (fn.name || "anonymous");
  const instrumented = async function (this: This, ...args: A): Promise<R> {
    const start = clock();
    try {
      const result = await fn.apply(this, args);
      const durationMs = clock() - start;
      stats.record(durationMs, false);
      if (onCall) tell(onCall, { name, durationMs });
      return result;
    } catch (error) {
      const durationMs = clock() - start;
      stats.record(durationMs, true);
      if (onCall) tell(onCall, { name, durationMs, error });
      throw error;
    }
  };
  // Stack traces and logs that print a function's name keep showing the original one.
  Object.defineProperty(instrumented, "name", { value: fn.name, configurable: true });
  return instrumented;
}

/** A listener's own failure must not turn the kernel's successful call into a failed one. */
function tell(onCall: (event: CallEvent) => void, event: CallEvent): void {
  try {
    onCall(event);
  } catch {
    // Deliberately ignored: see above.
  }
}

/**
 * What a LangChain.js-style runnable must offer: `invoke`. Its other members
 * (`batch`, `stream`, `pipe`, …) are passed through untouched.
 * @example const chain: RunnableLike<string, string> = prompt.pipe(model).pipe(parser);
 */
export interface RunnableLike<I = unknown, O = unknown> {
  invoke(input: I, config?: unknown): Promise<O> | O;
}

/**
 * One step of a chain given as an array: a runnable-like object (optionally named) or a
 * plain function of the previous step's output.
 * @example [{ name: "retrieve", invoke: retrieve }, async function answer(docs) { … }]
 */
export type ChainStep =
  | { name?: string; invoke(input: never, config?: unknown): unknown }
  | ((input: never) => unknown);

/**
 * Adds per-step figures to whatever the chain was.
 * @example chain.stepStats() // { retrieve: { calls: 3, errors: 0, … }, generate: { … } }
 */
export interface ChainMonitor {
  /** Live summary of each step since its last drain, by step name; empty for a single runnable. */
  stepStats(): Record<string, CallSummary>;
}

/**
 * A monitored array of steps: invoke runs them in order.
 * @example const answer: MonitoredSteps = monitorChain([retrieve, generate], stats);
 */
export interface MonitoredSteps extends ChainMonitor {
  invoke(input: unknown, config?: unknown): Promise<unknown>;
}

/**
 * A monitored runnable: the same object, with a timed, async `invoke`.
 * @example const chain: MonitoredRunnable<typeof runnable> = monitorChain(runnable, stats);
 */
export type MonitoredRunnable<T extends RunnableLike<never, unknown>> = Omit<T, "invoke"> &
  ChainMonitor & {
    invoke(...args: Parameters<T["invoke"]>): Promise<Awaited<ReturnType<T["invoke"]>>>;
  };

/**
 * Times a chain. Given a runnable, each `invoke` is timed and counted into `stats`;
 * every other member is passed through, called on the monitored object, so a `batch`
 * or default `stream` that goes through `this.invoke` (as LangChain's do) is counted
 * per input. Given an array of steps, `invoke` runs them in order, feeding each output
 * to the next, and records each step in its own stats (see `stepStats`) as well as the
 * whole run in `stats`. Object steps receive `invoke`'s config too; function steps
 * receive only the input.
 * @example
 * const chain = monitorChain([{ name: "retrieve", invoke: retrieve }, generate], client.calls);
 * await chain.invoke("what is Φ?");
 * chain.stepStats().retrieve.avg_latency_ms;
 */
export function monitorChain(
  steps: readonly ChainStep[],
  stats: CallStats,
  options?: InstrumentOptions,
): MonitoredSteps;
export function monitorChain<T extends RunnableLike<never, unknown>>(
  chain: T,
  stats: CallStats,
  options?: InstrumentOptions,
): MonitoredRunnable<T>;
export function monitorChain(
  chain: readonly ChainStep[] | RunnableLike<never, unknown>,
  stats: CallStats,
  options: InstrumentOptions = {},
): MonitoredSteps | MonitoredRunnable<RunnableLike<never, unknown>> {
  if (Array.isArray(chain)) return monitorSteps(chain as readonly ChainStep[], stats, options);
  return monitorRunnable(chain as RunnableLike<never, unknown>, stats, options);
}

function monitorRunnable<T extends RunnableLike<never, unknown>>(
  target: T,
  stats: CallStats,
  options: InstrumentOptions,
): MonitoredRunnable<T> {
  if (typeof target?.invoke !== "function")
    throw new TypeError("monitorChain: the chain needs an invoke method");
  const name = options.name ?? runnableName(target) ?? "chain";
  // The original invoke runs on the original object, so its private state stays reachable.
  const invoke = instrument((...args: unknown[]) => Reflect.apply(target.invoke, target, args), stats, {
    ...options,
    name,
  });
  const stepStats = (): Record<string, CallSummary> => ({});
  const own = Object.getOwnPropertyDescriptor(target, "invoke");
  if (own && !own.configurable && !own.writable) {
    // A proxy may not report another value for a frozen property, so a frozen chain is
    // extended by delegation instead: the same members, inherited.
    return Object.create(target, { invoke: { value: invoke }, stepStats: { value: stepStats } });
  }
  return new Proxy(target, {
    get(object, property, receiver) {
      if (property === "invoke") return invoke;
      if (property === "stepStats") return stepStats;
      return Reflect.get(object, property, receiver);
    },
  }) as unknown as MonitoredRunnable<T>;
}

function monitorSteps(
  steps: readonly ChainStep[],
  stats: CallStats,
  options: InstrumentOptions,
): MonitoredSteps {
  const chainName = options.name ?? "chain";
  const perStep = new Map<string, CallStats>();
  const timedSteps = steps.map((step, index) => {
    const stepName = uniqueName(stepNameOf(step, index), index, perStep);
    const stepStats = new CallStats();
    perStep.set(stepName, stepStats);
    const run =
      typeof step === "function"
        ? (input: unknown) => (step as (input: unknown) => unknown)(input)
        : (input: unknown, config: unknown) =>
            (step as { invoke(input: unknown, config?: unknown): unknown }).invoke(input, config);
    return instrument(run, stepStats, { ...options, name: `${chainName}/${stepName}` });
  });
  const invoke = instrument(
    async (input: unknown, config?: unknown): Promise<unknown> => {
      let value = input;
      for (const step of timedSteps) value = await step(value, config);
      return value;
    },
    stats,
    { ...options, name: chainName },
  );
  return {
    invoke,
    stepStats() {
      const out: Record<string, CallSummary> = {};
      for (const [stepName, stepStats] of perStep) out[stepName] = stepStats.summary();
      return out;
    },
  };
}

function stepNameOf(step: ChainStep, index: number): string {
  if (typeof step === "function") return step.name || `step_${index}`;
  if (typeof step?.invoke !== "function")
    throw new TypeError(`monitorChain: step ${index} needs an invoke method`);
  return step.name || runnableName(step) || `step_${index}`;
}

/** Two steps of the same name would merge their figures; the later one gets a number appended. */
function uniqueName(name: string, index: number, taken: ReadonlyMap<string, unknown>): string {
  let unique = name;
  for (let suffix = index; taken.has(unique); suffix++) unique = `${name}_${suffix}`;
  return unique;
}

/** LangChain runnables name themselves through `getName()`. */
function runnableName(runnable: object): string | undefined {
  const getName = (runnable as { getName?: unknown }).getName;
  if (typeof getName !== "function") return undefined;
  const name: unknown = getName.call(runnable);
  return typeof name === "string" && name !== "" ? name : undefined;
}
