import { describe, expect, it } from "vitest";
import { eventTypes } from "./live-feed.js";

describe("reading the event stream", () => {
  it("finds the event type of each event and skips comments and data", () => {
    expect(eventTypes('event: rest_started\ndata: {"kernel_id":"apollo_1"}')).toEqual(["rest_started"]);
    expect(eventTypes(": heartbeat")).toEqual([]);
    expect(eventTypes(": autonomic event stream")).toEqual([]);
  });
});
