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
    expect(queue.stats()).toEqual({ groups: 2, writes: 4 });
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
