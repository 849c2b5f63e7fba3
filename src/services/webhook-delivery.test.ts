import { describe, expect, it } from "vitest";
import { parseRetryAfterSeconds, retryDelayMs } from "./webhook-delivery.js";

const backoff = { initialBackoffMs: 500, maxBackoffMs: 30_000 };

describe("webhook retry timing", () => {
  it("doubles the wait after each failed attempt until the cap", () => {
    const waits = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => retryDelayMs(n, { retryAfterMs: null }, backoff));
    expect(waits).toEqual([500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
  });

  it("waits as long as Retry-After says, even beyond the backoff cap", () => {
    expect(retryDelayMs(1, { retryAfterMs: 120_000 }, backoff)).toBe(120_000);
  });

  it("reads Retry-After in seconds and ignores the HTTP-date form and garbage", () => {
    expect(parseRetryAfterSeconds("7")).toBe(7000);
    expect(parseRetryAfterSeconds(" 1.5 ")).toBe(1500);
    expect(parseRetryAfterSeconds("Wed, 21 Oct 2026 07:28:00 GMT")).toBeNull();
    expect(parseRetryAfterSeconds("-3")).toBeNull();
    expect(parseRetryAfterSeconds(null)).toBeNull();
  });
});
