/** The page's URL: a link opens the same run at the same position (web/src/url-state.ts). */
import { describe, expect, it } from "vitest";
import {
  DEFAULT_SPEC,
  decodeSource,
  encodeSource,
  formatPicks,
  formatUrl,
  knownSpec,
  parsePicks,
  parseUrl,
} from "../../web/src/url-state.js";

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
    expect(parseUrl("?cpus=1024").spec.cpus).toBe(1024);
    expect(parseUrl("?cpus=1025").spec.cpus).toBe(DEFAULT_SPEC.cpus);
    // A custom scenario without a readable source gets none (the page gives it the template).
    expect(parseUrl("?scenario=custom&source=%%%").spec.source).toBeUndefined();
  });

  it("carries an explorer schedule: its mutant and picks", () => {
    const spec = {
      scenario: "kthread-creator-killed-any",
      era: "6.19",
      cpus: 2,
      seed: 1,
      mutant: "split-xchg",
      picks: [
        [52, 1],
        [56, 1],
      ] as [number, number][],
    };
    const url = formatUrl({ spec, step: 400, task: 1 });
    expect(url).toBe(
      "?scenario=kthread-creator-killed-any&era=6.19&cpus=2&seed=1&mutant=split-xchg&picks=52.1,56.1&step=400&task=1",
    );
    expect(parseUrl(url)).toEqual({ spec, step: 400, task: 1 });
    // No deviation (the explorer's default run) is not the plain run: "picks=" stays.
    const none = { ...spec, mutant: null, picks: [] };
    expect(formatUrl({ spec: none, step: null, task: null })).toMatch(/&picks=$/);
    expect(parseUrl(formatUrl({ spec: none, step: null, task: null })).spec).toEqual({ ...none, mutant: undefined });
    expect(formatUrl({ spec: DEFAULT_SPEC, step: null, task: null })).not.toMatch(/mutant|picks/);
  });

  it("drops a malformed mutant or picks, and both for a custom scenario", () => {
    const spec = (q: string) => parseUrl(`?scenario=fork${q}`).spec;
    expect(spec("&mutant=&picks=1.2.3")).toEqual({ ...DEFAULT_SPEC, scenario: "fork" });
    expect(spec("&mutant=Bad Name&picks=52.1,x")).toEqual({ ...DEFAULT_SPEC, scenario: "fork", mutant: "Bad Name" });
    expect(spec("&mutant=split-xchg&picks=52.1,,56.1").picks).toBeUndefined();
    expect(spec("&picks=-1.0").picks).toBeUndefined();
    expect(spec("&picks=1.99999").picks).toBeUndefined();
    expect(spec("&picks=52.1%2C56.1").picks).toEqual([
      [52, 1],
      [56, 1],
    ]);
    const custom = parseUrl("?scenario=custom&mutant=split-xchg&picks=1.1").spec;
    expect(custom.mutant).toBeUndefined();
    expect(custom.picks).toBeUndefined();
    expect(parsePicks("")).toEqual([]);
    expect(
      parsePicks(
        formatPicks([
          [3, 0],
          [9, 2],
        ]),
      ),
    ).toEqual([
      [3, 0],
      [9, 2],
    ]);
  });

  it("replaces a scenario, era or mutant the engine does not know by its default, with a notice", () => {
    const known = { scenarios: ["fork", "kthread-run"], eras: ["6.19", "3.13"], mutants: ["split-xchg"] };
    const good = { ...DEFAULT_SPEC, scenario: "fork", era: "3.13", mutant: "split-xchg" };
    expect(knownSpec(good, known)).toEqual({ spec: good, notices: [] });
    expect(knownSpec({ ...DEFAULT_SPEC, scenario: "custom", source: "x" }, known).notices).toEqual([]);
    const bad = parseUrl("?scenario=nope&era=9.99&mutant=Bad Name&cpus=4").spec;
    expect(knownSpec(bad, known)).toEqual({
      spec: { ...DEFAULT_SPEC, cpus: 4 },
      notices: [
        'no scenario named "nope": showing kthread-run',
        'no kernel era "9.99": showing 6.19',
        'no mutant named "Bad Name": showing the real protocol',
      ],
    });
  });
});
