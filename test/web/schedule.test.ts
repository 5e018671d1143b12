/** Explorer schedules in the main views (web/src/schedule.ts): a replay file's run, the bar's note, the plain run. */
import { describe, expect, it } from "vitest";
import { formatReplay, makeReplay } from "../../src/explore/replay.js";
import { picksScript, runSchedule } from "../../src/explore/schedule.js";
import { isSchedule, plainSpec, replaySpec, scheduleNote } from "../../web/src/schedule.js";

describe("an explorer schedule in the views", () => {
  it("is the run of a replay file: its target and picks, era 6.19", () => {
    const target = { scenario: "kthread-creator-killed-any", cpus: 2, seed: 1, mutant: "wake-before-queue" };
    const picks: [number, number][] = [[0, 1]];
    const { outcome } = runSchedule(target, picksScript(new Map(picks)));
    const file = formatReplay(makeReplay(target, picks, outcome, "test"));
    expect(replaySpec(file)).toEqual({ ...target, era: "6.19", picks });
  });

  it("runs on the release the exploration modeled (kernel in the target), and refuses an unknown one", () => {
    const target = { scenario: "kthread-creator-killed-any", cpus: 2, seed: 1, mutant: "wake-before-queue" };
    const picks: [number, number][] = [[0, 1]];
    const { outcome } = runSchedule(target, picksScript(new Map(picks)));
    const file = JSON.parse(formatReplay(makeReplay(target, picks, outcome, "test")));
    file.target.kernel = "3.13";
    expect(replaySpec(JSON.stringify(file))).toEqual({ ...target, era: "3.13", picks });
    file.target.kernel = "9.99";
    expect(() => replaySpec(JSON.stringify(file))).toThrow(/^target\.kernel: expected one of .*got "9\.99"/);
  });

  it("refuses what is not a replay file, naming the field, as tasklab replay does", () => {
    expect(() => replaySpec("{}")).toThrow("not a tasklab replay file");
    const target = { scenario: "kthread-creator-killed-any", cpus: 2, seed: 1, mutant: "wake-before-queue" };
    const picks: [number, number][] = [[0, 1]];
    const { outcome } = runSchedule(target, picksScript(new Map(picks)));
    const good = JSON.parse(formatReplay(makeReplay(target, picks, outcome, "test")));
    expect(() => replaySpec(JSON.stringify({ ...good, picks: [[1]] }))).toThrow(/^picks\[0\]: /);
    expect(() => replaySpec(JSON.stringify({ ...good, target: { ...target, cpus: "2" } }))).toThrow(/^target\.cpus: /);
    expect(() => replaySpec(JSON.stringify({ ...good, target: { ...target, scenario: "/etc/x.ts" } }))).toThrow(
      /^target\.scenario: '\/etc\/x\.ts': an absolute path is refused/,
    );
  });

  it("is noted in the scenario bar, and the plain run is the same without mutant and picks", () => {
    const plain = { scenario: "kthread-creator-killed-any", cpus: 2, seed: 1, era: "6.19" };
    const spec = {
      ...plain,
      mutant: "split-xchg",
      picks: [
        [52, 1],
        [56, 1],
      ] as [number, number][],
    };
    expect(scheduleNote(spec)).toBe("explorer schedule: mutant split-xchg, 2 deviations");
    expect(scheduleNote({ ...plain, mutant: null, picks: [[0, 1]] })).toBe("explorer schedule: 1 deviation");
    expect(scheduleNote({ ...plain, mutant: "unkillable-wait" })).toBe(
      "explorer schedule: mutant unkillable-wait, no deviations",
    );
    expect(scheduleNote({ ...plain, mutant: null })).toBeNull();
    expect(isSchedule(plain)).toBe(false);
    expect(plainSpec(spec)).toEqual(plain);
    expect(scheduleNote(plainSpec(spec))).toBeNull();
  });
});
