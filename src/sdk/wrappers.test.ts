import { describe, expect, it } from "vitest";
import { CallStats } from "./call-stats.js";
import { type CallEvent, instrument, monitorChain } from "./wrappers.js";

/** A clock that moves `stepMs` forward each time it is read, so every timed call lasts exactly `stepMs`. */
function tickingClock(stepMs: number): () => number {
  let now = 1000;
  return () => {
    now += stepMs;
    return now;
  };
}

/** Shaped like a LangChain.js Runnable: batch and the default stream go through this.invoke. */
class UppercaseRunnable {
  readonly lc_namespace = ["test"];
  received: unknown[] = [];
  async invoke(input: string, config?: { tag?: string }): Promise<string> {
    this.received.push(config);
    if (input === "fail") throw new Error(`refused ${input}`);
    return input.toUpperCase();
  }
  async batch(inputs: string[]): Promise<string[]> {
    return Promise.all(inputs.map((input) => this.invoke(input)));
  }
  async *stream(input: string): AsyncGenerator<string> {
    yield await this.invoke(input);
  }
  pipe(next: (s: string) => string): { invoke(input: string): Promise<string> } {
    return { invoke: async (input: string) => next(await this.invoke(input)) };
  }
  getName(): string {
    return "Uppercase";
  }
}

describe("instrument", () => {
  it("passes the same arguments through and returns the same value", async () => {
    const stats = new CallStats();
    const seen: unknown[] = [];
    const payload = { answer: 42 };
    const wrapped = instrument(async (a: number, b: string) => {
      seen.push(a, b);
      return payload;
    }, stats);
    await expect(wrapped(7, "x")).resolves.toBe(payload);
    expect(seen).toEqual([7, "x"]);
    expect(stats.summary()).toMatchObject({ calls: 1, errors: 0 });
  });

  it("rethrows the very same error and counts the call as failed", async () => {
    const stats = new CallStats();
    const failure = new TypeError("model unavailable");
    const wrapped = instrument(async () => {
      throw failure;
    }, stats);
    await expect(wrapped()).rejects.toBe(failure);
    expect(stats.summary()).toMatchObject({ calls: 1, errors: 1, error_rate: 1 });
  });

  it("turns a sync function's throw into a rejection with the same error", async () => {
    const stats = new CallStats();
    const failure = new RangeError("sync");
    const wrapped = instrument((n: number): number => {
      if (n < 0) throw failure;
      return n * 2;
    }, stats);
    await expect(wrapped(4)).resolves.toBe(8);
    await expect(wrapped(-1)).rejects.toBe(failure);
    expect(stats.summary()).toMatchObject({ calls: 2, errors: 1, error_rate: 0.5 });
  });

  it("keeps `this` when the wrapped function is used as a method", async () => {
    const stats = new CallStats();
    const model = {
      temperature: 0.2,
      generate: instrument(function (this: { temperature: number }, prompt: string) {
        return `${prompt}@${this.temperature}`;
      }, stats),
    };
    await expect(model.generate("hi")).resolves.toBe("hi@0.2");
  });

  it("measures each call with the injected clock", async () => {
    const stats = new CallStats();
    const wrapped = instrument(async () => "ok", stats, { clock: tickingClock(25) });
    await wrapped();
    await wrapped();
    expect(stats.summary()).toEqual({ calls: 2, errors: 0, error_rate: 0, avg_latency_ms: 25 });
  });

  it("measures with a monotonic default clock, never a negative duration", async () => {
    const stats = new CallStats();
    await instrument(async () => new Promise((resolve) => setTimeout(resolve, 2)), stats)();
    const { avg_latency_ms } = stats.summary();
    expect(Number.isFinite(avg_latency_ms)).toBe(true);
    expect(avg_latency_ms).toBeGreaterThan(0);
  });

  it("tells onCall the name, duration and error of each call", async () => {
    const events: CallEvent[] = [];
    const failure = new Error("nope");
    async function answer(q: string): Promise<string> {
      if (q === "bad") throw failure;
      return q;
    }
    const stats = new CallStats();
    const wrapped = instrument(answer, stats, { clock: tickingClock(5), onCall: (e) => events.push(e) });
    await wrapped("good");
    await wrapped("bad").catch(() => undefined);
    expect(events).toEqual([
      { name: "answer", durationMs: 5 },
      { name: "answer", durationMs: 5, error: failure },
    ]);
    expect(wrapped.name).toBe("answer");
  });

  it("ignores a listener that throws, so a broken logger cannot fail the kernel's call", async () => {
    const stats = new CallStats();
    const wrapped = instrument(async () => "still fine", stats, {
      name: "answer",
      onCall: () => {
        throw new Error("logger down");
      },
    });
    await expect(wrapped()).resolves.toBe("still fine");
    expect(stats.summary()).toMatchObject({ calls: 1, errors: 0 });
  });
});

describe("monitorChain over a runnable", () => {
  it("times and counts each invoke and returns the runnable's own result", async () => {
    const stats = new CallStats();
    const chain = monitorChain(new UppercaseRunnable(), stats, { clock: tickingClock(40) });
    await expect(chain.invoke("hello")).resolves.toBe("HELLO");
    await expect(chain.invoke("again")).resolves.toBe("AGAIN");
    expect(stats.summary()).toEqual({ calls: 2, errors: 0, error_rate: 0, avg_latency_ms: 40 });
    expect(chain.stepStats()).toEqual({});
  });

  it("passes the config through and rethrows the runnable's own error", async () => {
    const stats = new CallStats();
    const runnable = new UppercaseRunnable();
    const chain = monitorChain(runnable, stats);
    await chain.invoke("a", { tag: "t1" });
    const rejection = await chain.invoke("fail").catch((error: unknown) => error);
    expect(rejection).toBeInstanceOf(Error);
    expect((rejection as Error).message).toBe("refused fail");
    expect(runnable.received).toEqual([{ tag: "t1" }, undefined]);
    expect(stats.summary()).toMatchObject({ calls: 2, errors: 1 });
  });

  it("keeps batch, stream, pipe and other members working, counting the invokes they make", async () => {
    const stats = new CallStats();
    const runnable = new UppercaseRunnable();
    const chain = monitorChain(runnable, stats, { onCall: () => undefined });
    await expect(chain.batch(["a", "b", "c"])).resolves.toEqual(["A", "B", "C"]);
    const streamed: string[] = [];
    for await (const chunk of chain.stream("s")) streamed.push(chunk);
    expect(streamed).toEqual(["S"]);
    await expect(chain.pipe((s) => `${s}!`).invoke("p")).resolves.toBe("P!");
    expect(chain.lc_namespace).toEqual(["test"]);
    expect(chain).toBeInstanceOf(UppercaseRunnable);
    expect(stats.calls).toBe(5);
  });

  it("names the runnable's calls after its getName() unless told otherwise", async () => {
    const names: string[] = [];
    const stats = new CallStats();
    await monitorChain(new UppercaseRunnable(), stats, { onCall: (e) => names.push(e.name) }).invoke("x");
    await monitorChain({ invoke: (s: string) => s }, stats, { onCall: (e) => names.push(e.name) }).invoke(
      "y",
    );
    expect(names).toEqual(["Uppercase", "chain"]);
  });

  it("monitors a frozen runnable too", async () => {
    const stats = new CallStats();
    const frozen = Object.freeze({ invoke: async (n: number) => n + 1, label: "frozen" });
    const chain = monitorChain(frozen, stats);
    await expect(chain.invoke(1)).resolves.toBe(2);
    expect(chain.label).toBe("frozen");
    expect(stats.calls).toBe(1);
  });

  it("refuses something that cannot be invoked", () => {
    expect(() => monitorChain({} as never, new CallStats())).toThrow(/invoke/);
  });
});

describe("monitorChain over an array of steps", () => {
  it("runs the steps in order, feeding each output to the next", async () => {
    const stats = new CallStats();
    const chain = monitorChain(
      [
        { name: "split", invoke: async (text: string) => text.split(" ") },
        async function count(words: string[]) {
          return words.length;
        },
        (n: number) => n * 10,
      ],
      stats,
    );
    await expect(chain.invoke("three little words")).resolves.toBe(30);
  });

  it("records each step in its own stats and the whole run in the chain's", async () => {
    const stats = new CallStats();
    const chain = monitorChain(
      [
        { name: "retrieve", invoke: async (q: string) => [q] },
        async function generate(docs: string[]) {
          return docs.join();
        },
      ],
      stats,
      { clock: tickingClock(10) },
    );
    await chain.invoke("q1");
    await chain.invoke("q2");
    // Clock reads: run start, retrieve start/end, generate start/end, run end → 10 per step, 50 per run.
    expect(chain.stepStats()).toEqual({
      retrieve: { calls: 2, errors: 0, error_rate: 0, avg_latency_ms: 10 },
      generate: { calls: 2, errors: 0, error_rate: 0, avg_latency_ms: 10 },
    });
    expect(stats.summary()).toEqual({ calls: 2, errors: 0, error_rate: 0, avg_latency_ms: 50 });
  });

  it("stops at a failing step, counts it there and in the chain, and rethrows its error", async () => {
    const stats = new CallStats();
    const failure = new Error("retriever down");
    let generated = 0;
    const chain = monitorChain(
      [
        {
          name: "retrieve",
          invoke: async () => {
            throw failure;
          },
        },
        {
          name: "generate",
          invoke: async () => {
            generated += 1;
          },
        },
      ],
      stats,
    );
    await expect(chain.invoke("q")).rejects.toBe(failure);
    expect(generated).toBe(0);
    expect(chain.stepStats().retrieve).toMatchObject({ calls: 1, errors: 1 });
    expect(chain.stepStats().generate).toMatchObject({ calls: 0, errors: 0 });
    expect(stats.summary()).toMatchObject({ calls: 1, errors: 1 });
  });

  it("gives object steps the config and function steps only the input", async () => {
    const seen: unknown[][] = [];
    const chain = monitorChain(
      [
        {
          invoke: (input: string, config?: unknown) => {
            seen.push([input, config]);
            return input;
          },
        },
        (...args: unknown[]) => {
          seen.push(args);
          return "done";
        },
      ],
      new CallStats(),
    );
    await chain.invoke("in", { runName: "r" });
    expect(seen).toEqual([["in", { runName: "r" }], ["in"]]);
  });

  it("names unnamed steps by position and keeps steps of the same name apart", async () => {
    const chain = monitorChain(
      [
        { name: "llm", invoke: (s: string) => s },
        (s: string) => s,
        { name: "llm", invoke: (s: string) => s },
      ],
      new CallStats(),
    );
    await chain.invoke("x");
    expect(Object.keys(chain.stepStats())).toEqual(["llm", "step_1", "llm_2"]);
  });

  it("names a LangChain runnable step after its getName()", async () => {
    const chain = monitorChain([new UppercaseRunnable()], new CallStats());
    await expect(chain.invoke("x")).resolves.toBe("X");
    expect(chain.stepStats().Uppercase).toMatchObject({ calls: 1 });
  });
});
