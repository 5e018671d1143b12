/**
 * The engine's Web Worker: one Session (src/web/session.ts) driven by the page's requests,
 * one reply per request (an exploration posts its progress first). User-written scenarios
 * run here only, never on a server.
 */
import { MUTANTS } from "../../src/linux/kernel/mutants.js";
import { SCENARIOS } from "../../src/scenarios/index.js";
import { compileScenario, SCENARIO_TEMPLATE, ScenarioSyntaxError } from "../../src/web/compile.js";
import { exploreSpec } from "../../src/web/explore.js";
import { Session } from "../../src/web/session.js";
import type { Snapshot } from "../../src/web/types.js";
import type { Reply, Request } from "./protocol.js";
import { replayReply } from "./worker/replay.js";
import { gotoLine, gotoTime } from "./worker/seek.js";
import { modelSources } from "./worker/sources.js";

let session: Session | null = null;

function current(): Session {
  if (session === null) throw new Error("no scenario loaded");
  return session;
}

const snapshot = (snapshot: Snapshot): Reply => ({ type: "snapshot", snapshot });
const post = (r: Reply) => self.postMessage(r);

async function handle(req: Request): Promise<Reply | null> {
  switch (req.type) {
    case "catalog":
      return {
        type: "catalog",
        catalog: {
          scenarios: SCENARIOS.map((s) => ({ name: s.name, description: s.description })),
          mutants: Object.entries(MUTANTS).map(([name, description]) => ({ name, description })),
          template: SCENARIO_TEMPLATE,
        },
      };
    case "compile":
      compileScenario(req.source);
      return { type: "compiled" };
    case "load":
      session = null; // a scenario that does not compile leaves nothing loaded, so nothing to run
      session = new Session(req.spec, modelSources());
      return snapshot(req.position === undefined ? session.snapshot() : session.goto(req.position));
    case "step":
      return snapshot(current().step(req.kind));
    case "back":
      return snapshot(current().back());
    case "goto":
      return snapshot(current().goto(req.step));
    case "gotoLine":
      return snapshot(gotoLine(current(), req.line));
    case "gotoTime":
      return snapshot(gotoTime(current(), req.time));
    case "run":
      return snapshot(current().run({ breakpoint: req.breakpoint, maxSteps: req.maxSteps }));
    case "source":
      return { type: "source", pid: req.pid, source: current().source(req.pid) };
    case "explore":
      await exploreSpec(current().spec, req, post);
      return null; // exploreSpec posted the result
    case "replay":
      return replayReply(req.replay);
  }
}

function errorReply(e: unknown): Reply {
  if (e instanceof ScenarioSyntaxError)
    return {
      type: "error",
      message: e.message,
      ...(e.line === null ? {} : { line: e.line }),
      ...(e.column === null ? {} : { column: e.column }),
    };
  return { type: "error", message: e instanceof Error ? e.message : String(e) };
}

self.onmessage = async (e: MessageEvent<Request>) => {
  try {
    const r = await handle(e.data);
    if (r !== null) post(r);
  } catch (err) {
    post(errorReply(err));
  }
};
