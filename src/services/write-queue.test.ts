import { describe, expect, it } from "vitest";
import { WriteQueue } from "./write-queue.js";

/** A queue whose commits wait until the test releases them, recording each group. */
function gatedQueue(maxGroup = 100) {
  const groups: string[][] = [];
  const gates: Array<() => void> = [];
  let failNext: Error | null = null;
  const recovered: string[][] = [];
  const queue = new WriteQueue<string>({
    maxGroup,
    commit: async (changes) => {
      groups.push([...changes]);
      await new Promise<void>((release) => gates.push(release));
      if (failNext) {
        const err = failNext;
        failNext = null;
        throw err;
      }
    },
    recover: async (err, changes) => {
      recovered.push([...changes]);
      return new Error(`store: ${(err as Error).message}`);
    },
  });
  /** Lets the commit in flight finish, and the queue take its next turn. */
  const release = async () => {
    await turn();
    gates.shift()?.();
    await turn();
    await turn();
  };
  return { queue, groups, release, recovered, failWith: (e: Error) => (failNext = e) };
}

const write = (name: string) => () => ({ value: name, change: name });
const turn = () => new Promise((r) => setImmediate(r));

describe("group commit", () => {
  it("commits a lone write at once, on the next turn of the event loop, without waiting for company", async () => {
    const { queue, groups, release } = gatedQueue();
    const answer = queue.submit(write("a"));
    await new Promise((r) => setImmediate(r));
    expect(groups).toEqual([["a"]]);
    await release();
    await expect(answer).resolves.toBe("a");
  });

  it("puts writes that arrive during a commit into the next transaction, in arrival order", async () => {
    const { queue, groups, release } = gatedQueue();
    const first = queue.submit(write("a"));
    await new Promise((r) => setImmediate(r));
    const answers = [first, ...["b", "c", "d"].map((n) => queue.submit(write(n)))];
    expect(groups).toEqual([["a"]]);
    await release();
    expect(groups).toEqual([["a"], ["b", "c", "d"]]);
    await release();
    expect(await Promise.all(answers)).toEqual(["a", "b", "c", "d"]);
    expect(queue.stats()).toEqual({ groups: 2, writes: 4, overlapped: 0 });
  });

  it("answers no write before the transaction holding it has committed", async () => {
    const { queue, release } = gatedQueue();
    let answered = false;
    void queue.submit(write("a")).then(() => (answered = true));
    await new Promise((r) => setImmediate(r));
    expect(answered).toBe(false);
    await release();
    expect(answered).toBe(true);
  });

  it("fails a refused write alone, with its own error, and commits the others", async () => {
    const { queue, groups, release } = gatedQueue();
    // Submitted in one turn of the event loop, the three share a group.
    const first = queue.submit(write("a"));
    const refused = queue
      .submit(() => {
        throw new Error("phi: must be ≤ 1");
      })
      .catch((err: Error) => err);
    const after = queue.submit(write("c"));
    await release();
    expect(await refused).toMatchObject({ message: "phi: must be ≤ 1" });
    expect(await Promise.all([first, after])).toEqual(["a", "c"]);
    expect(groups).toEqual([["a", "c"]]);
  });

  it("fails every write of a failed group with the store's error, after recovering", async () => {
    const { queue, release, recovered, failWith } = gatedQueue();
    const first = queue.submit(write("a"));
    await turn();
    const b = queue.submit(write("b")).catch((err: Error) => err);
    const c = queue.submit(write("c")).catch((err: Error) => err);
    await release();
    failWith(new Error("database or disk is full"));
    await release();
    await first;
    expect(await b).toMatchObject({ message: "store: database or disk is full" });
    expect(await c).toMatchObject({ message: "store: database or disk is full" });
    expect(recovered).toEqual([["b", "c"]]);
  });

  it("holds at most maxGroup writes in a transaction", async () => {
    const { queue, groups, release } = gatedQueue(2);
    const answers = ["a", "b", "c", "d", "e"].map((n) => queue.submit(write(n)));
    for (let i = 0; i < 3; i++) await release();
    await Promise.all(answers);
    expect(groups).toEqual([["a", "b"], ["c", "d"], ["e"]]);
  });

  it("ends a group at a write that must be last, keeping the order of the rest", async () => {
    const { queue, groups, release } = gatedQueue();
    const answers = [
      queue.submit(write("a")),
      queue.submit(write("b")),
      queue.submit(() => ({ value: "cycle", change: "cycle", last: true })),
      queue.submit(write("d")),
    ];
    for (let i = 0; i < 2; i++) await release();
    await Promise.all(answers);
    expect(groups).toEqual([["a", "b", "cycle"], ["d"]]);
  });

  it("answers a write that stores nothing in its turn, after the writes before it commit", async () => {
    const { queue, release } = gatedQueue();
    const order: string[] = [];
    const a = queue.submit(write("a")).then((v) => order.push(v));
    const b = queue.submit(write("b")).then((v) => order.push(v));
    const read = queue.submit(() => ({ value: "nothing", change: null })).then((v) => order.push(v));
    await release();
    await Promise.all([a, b, read]);
    expect(order).toEqual(["a", "b", "nothing"]);
  });
});

/**
 * A queue allowing two commits in flight; a change "k:x" writes key k, a change without a
 * colon has no keys and commits alone. Each commit waits until the test releases it by name.
 */
function overlappingQueue() {
  const started: string[][] = [];
  const committed: string[][] = [];
  const recovered: string[][] = [];
  const gates = new Map<string, { release: () => void; fail: (e: Error) => void }>();
  const queue = new WriteQueue<string>({
    maxGroup: 100,
    maxInFlight: 2,
    keysOf: (change) => (change.includes(":") ? [change.split(":")[0] as string] : null),
    commit: async (changes) => {
      started.push([...changes]);
      await new Promise<void>((release, fail) => gates.set(changes.join(","), { release, fail }));
      committed.push([...changes]);
    },
    recover: async (err, changes) => {
      recovered.push([...changes]);
      return new Error(`store: ${(err as Error).message}`);
    },
  });
  const settle = async () => {
    for (let i = 0; i < 5; i++) await turn();
  };
  const gate = (name: string) => {
    const g = gates.get(name);
    if (!g) throw new Error(`no commit in flight for ${name}; started: ${JSON.stringify(started)}`);
    return g;
  };
  return { queue, started, committed, recovered, settle, gate };
}

describe("commits in flight side by side", () => {
  it("starts a group on other kernels while an earlier commit is still in flight", async () => {
    const { queue, started, committed, settle, gate } = overlappingQueue();
    const a = queue.submit(write("a:1"));
    await settle();
    const b = queue.submit(write("b:1"));
    await settle();
    expect(started).toEqual([["a:1"], ["b:1"]]);
    // The later one may finish first: its kernels are not the earlier one's.
    gate("b:1").release();
    await expect(b).resolves.toBe("b:1");
    gate("a:1").release();
    await expect(a).resolves.toBe("a:1");
    expect(committed).toEqual([["b:1"], ["a:1"]]);
    expect(queue.stats()).toMatchObject({ groups: 2, overlapped: 1 });
  });

  it("holds a group that touches a kernel in flight until that commit lands, so per kernel order is kept", async () => {
    const { queue, started, committed, settle, gate } = overlappingQueue();
    const first = queue.submit(write("a:1"));
    await settle();
    const second = queue.submit(write("a:2"));
    await settle();
    expect(started).toEqual([["a:1"]]);
    gate("a:1").release();
    await settle();
    expect(started).toEqual([["a:1"], ["a:2"]]);
    gate("a:2").release();
    expect(await Promise.all([first, second])).toEqual(["a:1", "a:2"]);
    expect(committed).toEqual([["a:1"], ["a:2"]]);
  });

  it("commits a change without keys alone, after everything before it", async () => {
    const { queue, started, settle, gate } = overlappingQueue();
    const a = queue.submit(write("a:1"));
    await settle();
    const rest = queue.submit(write("rest"));
    await settle();
    expect(started).toEqual([["a:1"]]);
    gate("a:1").release();
    await settle();
    expect(started).toEqual([["a:1"], ["rest"]]);
    const b = queue.submit(write("b:1"));
    await settle();
    expect(started).toEqual([["a:1"], ["rest"]]);
    gate("rest").release();
    await settle();
    gate("b:1").release();
    expect(await Promise.all([a, rest, b])).toEqual(["a:1", "rest", "b:1"]);
  });

  it("fails, uncommitted, a later write applied on the kernel of a failed commit", async () => {
    const { queue, started, committed, recovered, settle, gate } = overlappingQueue();
    const a1 = queue.submit(write("a:1")).catch((err: Error) => err);
    await settle();
    // Applied to memory on top of a:1, and waiting for a:1's commit to land.
    const a2 = queue.submit(write("a:2")).catch((err: Error) => err);
    await settle();
    expect(started).toEqual([["a:1"]]);
    gate("a:1").fail(new Error("disk full"));
    expect(await a1).toMatchObject({ message: "store: disk full" });
    expect(await a2).toMatchObject({ message: "store: disk full" });
    expect(recovered).toEqual([["a:1", "a:2"]]);
    expect(committed).toEqual([]);
    expect(started).toEqual([["a:1"]]);
  });

  it("recovers from a failed commit only once the commits beside it have landed", async () => {
    const { queue, committed, recovered, settle, gate } = overlappingQueue();
    const a1 = queue.submit(write("a:1")).catch((err: Error) => err);
    await settle();
    const b1 = queue.submit(write("b:1"));
    await settle();
    gate("a:1").fail(new Error("disk full"));
    await settle();
    expect(recovered).toEqual([]);
    gate("b:1").release();
    await expect(b1).resolves.toBe("b:1");
    expect(await a1).toMatchObject({ message: "store: disk full" });
    expect(recovered).toEqual([["a:1"]]);
    expect(committed).toEqual([["b:1"]]);
    // Recovered, the queue commits again.
    const a2 = queue.submit(write("a:2"));
    await settle();
    gate("a:2").release();
    await expect(a2).resolves.toBe("a:2");
  });

  it("keeps at most maxInFlight commits in flight", async () => {
    const { queue, started, settle, gate } = overlappingQueue();
    const answers: Promise<string>[] = [];
    for (const name of ["a:1", "b:1", "c:1"]) {
      answers.push(queue.submit(write(name)));
      await settle();
    }
    expect(started).toEqual([["a:1"], ["b:1"]]);
    gate("a:1").release();
    await settle();
    expect(started).toEqual([["a:1"], ["b:1"], ["c:1"]]);
    gate("b:1").release();
    gate("c:1").release();
    expect(await Promise.all(answers)).toEqual(["a:1", "b:1", "c:1"]);
  });
});
