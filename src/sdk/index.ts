/**
 * The Kernel SDK (`autonomic/sdk`): what a kernel needs to be watched, rested and healed
 * by Autonomic without changing how it works (SPEC §6 "Kernel SDK").
 *
 * @example
 * import { KernelClient, basinFromText, instrument } from "autonomic/sdk";
 * const client = new KernelClient({ url: "http://127.0.0.1:7070", kernelId: "apollo_1", kernelName: "Apollo", autoRest: true });
 * const answer = instrument(llm.answer, client.calls); // times every call, counts its errors
 * client.report({ phi: 0.78, kappa_eff: 63.9, basin_coords: basinFromText(await answer(question)) });
 */
export type { ActionContext, ActionHandler } from "./action-runner.js";
export { basinFromEmbedding, basinFromText, type TextBasinOptions } from "./basin.js";
export { CallStats, type CallSummary } from "./call-stats.js";
export {
  KernelClient,
  type KernelClientEvents,
  type KernelClientOptions,
  type KernelClientStats,
} from "./client.js";
export { type SelfHealingOptions, type SelfHealingSetup, setupSelfHealing } from "./plugin.js";
export { AutonomicRequestError } from "./transport.js";
export type * from "./wire.js";
export { type CallEvent, type InstrumentOptions, instrument, monitorChain } from "./wrappers.js";
