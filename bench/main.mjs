// `npm run bench`'s entry: run.ts is imported rather than started as the main module, which the
// load hooks (tsx, then the frames transform) would otherwise see twice.
await import("./run.ts");
