/**
 * The visualizer's entry: start the engine's worker, ask it what it can run, draw the page
 * the URL describes (what it names that the engine does not know takes its default, with a notice).
 */
import { render } from "preact";
import { ERA_NAMES } from "../../src/linux/eras/profiles.js";
import { App } from "./app.js";
import { EngineWorker } from "./engine-client.js";
import { knownSpec, parseUrl } from "./url-state.js";
import "./styles.css";

/** A request the engine has not answered in this long is given up and its worker replaced. */
const ENGINE_TIMEOUT_MS = 15_000;

const engine = new EngineWorker(ENGINE_TIMEOUT_MS);
const root = document.getElementById("app") as HTMLElement;
const reply = await engine.request({ type: "catalog" });
if (reply.type === "catalog") {
  const { catalog } = reply;
  const parsed = parseUrl(location.search);
  const { spec, notices } = knownSpec(parsed.spec, {
    scenarios: catalog.scenarios.map((s) => s.name),
    eras: ERA_NAMES,
    mutants: catalog.mutants.map((m) => m.name),
  });
  if (spec.scenario === "custom") spec.source ??= catalog.template;
  root.replaceChildren();
  render(<App engine={engine} catalog={catalog} initial={{ ...parsed, spec }} notices={notices} />, root);
} else root.textContent = `The engine did not start: ${reply.type === "error" ? reply.message : reply.type}`;
