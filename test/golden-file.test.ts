/** expectGolden itself: only UPDATE_GOLDEN=1 rewrites a golden file, and it says which. */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";
import { expectGolden } from "./golden-file.js";

const dir = mkdtempSync(join(tmpdir(), "tasklab-golden-"));

/** A golden file holding "old\n", and a spy on what expectGolden prints. */
function setup(name: string) {
  const path = join(dir, name);
  writeFileSync(path, "old\n");
  const log = vi.spyOn(console, "log").mockImplementation(() => {});
  return { path, url: pathToFileURL(path), log };
}

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe("expectGolden", () => {
  it.each(["0", "false", "true", "yes", "", " 1", "01"])(
    "with UPDATE_GOLDEN=%j fails on a difference and leaves the file alone",
    (value) => {
      vi.stubEnv("UPDATE_GOLDEN", value);
      const { path, url, log } = setup(`v${JSON.stringify(value)}.txt`);
      expect(() => expectGolden(url, "new\n")).toThrow(/line 1/);
      expect(readFileSync(path, "utf8")).toBe("old\n");
      expect(log).not.toHaveBeenCalled();
    },
  );

  it("with UPDATE_GOLDEN=1 rewrites a file that differs and prints its path; one that matches is left alone", () => {
    vi.stubEnv("UPDATE_GOLDEN", "1");
    const { path, url, log } = setup("one.txt");
    expectGolden(url, "new\n");
    expect(readFileSync(path, "utf8")).toBe("new\n");
    expect(log.mock.calls).toEqual([[`UPDATE_GOLDEN=1: rewrote ${path}`]]);
    expectGolden(url, "new\n");
    expect(log).toHaveBeenCalledTimes(1);
  });

  it("without UPDATE_GOLDEN, a missing file is a failure that says how to write it", () => {
    vi.stubEnv("UPDATE_GOLDEN", undefined);
    expect(() => expectGolden(pathToFileURL(join(dir, "missing.txt")), "x\n")).toThrow(
      /no golden file .*missing\.txt: write it with UPDATE_GOLDEN=1/,
    );
  });
});
