/** The visualizer's entry: start the engine's worker, ask it what it can run, draw the page the URL describes. */
import { render } from "preact";
import { App } from "./app.js";
import { EngineWorker } from "./engine-client.js";
import { parseUrl } from "./url-state.js";
import "./styles.css";

/** A request the engine has not answered in this long is given up and its worker replaced. */
const ENGINE_TIMEOUT_MS = 15_000;

const engine = new EngineWorker(ENGINE_TIMEOUT_MS);
const root = document.getElementById("app") as HTMLElement;
const reply = await engine.request({ type: "catalog" });
if (reply.type === "catalog") {
  const initial = parseUrl(location.search);
  if (initial.spec.scenario === "custom") initial.spec.source ??= reply.catalog.template;
  root.replaceChildren();
  render(<App engine={engine} catalog={reply.catalog} initial={initial} />, root);
} else root.textContent = `The engine did not start: ${reply.type === "error" ? reply.message : reply.type}`;
