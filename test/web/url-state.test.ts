/** The page's URL: a link opens the same run at the same position (web/src/url-state.ts). */
import { describe, expect, it } from "vitest";
import { DEFAULT_SPEC, decodeSource, encodeSource, formatUrl, parseUrl } from "../../web/src/url-state.js";

describe("the URL state", () => {
  it("writes scenario, era, CPUs, seed, step and task, and reads them back", () => {
    const s = { spec: { scenario: "fork", era: "6.19", cpus: 4, seed: 7 }, step: 2003, task: 39 };
    const url = formatUrl(s);
    expect(url).toBe("?scenario=fork&era=6.19&cpus=4&seed=7&step=2003&task=39");
    expect(parseUrl(url)).toEqual(s);
  });

  it("carries a custom scenario's source, any text", () => {
    const source = '// ünïcode ✓\nexport default { name: "x", description: "+/=" };\n';
    const s = { spec: { scenario: "custom", source, era: "6.19", cpus: 2, seed: 1 }, step: null, task: null };
    const url = formatUrl(s);
    expect(new URLSearchParams(url).get("source")).toMatch(/^[\w-]+$/); // base64url: nothing to escape
    expect(parseUrl(url)).toEqual(s);
    expect(decodeSource(encodeSource(source))).toBe(source);
  });

  it("takes the defaults for what is missing or malformed", () => {
    expect(parseUrl("")).toEqual({ spec: DEFAULT_SPEC, step: null, task: null });
    expect(parseUrl("?cpus=0&seed=-1&step=x&task=1.5")).toEqual({ spec: DEFAULT_SPEC, step: null, task: null });
    expect(parseUrl("?cpus=65").spec.cpus).toBe(DEFAULT_SPEC.cpus);
    // A custom scenario without a readable source gets none (the page gives it the template).
    expect(parseUrl("?scenario=custom&source=%%%").spec.source).toBeUndefined();
  });
});
