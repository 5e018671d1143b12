/** tasklab's version, as package.json says (test/state/state.test.ts keeps them equal): saved states carry it. */
export const TASKLAB_VERSION = "0.1.0";
