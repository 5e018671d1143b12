#!/usr/bin/env bash
# The package as a user gets it (run by .ci/run; alone: bash test/package/check.sh): `npm pack`,
# the tarball installed into a fresh project without dev dependencies, and there: the README's
# library example with plain node, the `tasklab` command (run, ps, explore, serve), a user's
# TypeScript scenario file and its errors, a type-check of a TypeScript consumer against the
# shipped .d.ts, and which modules a start loads (no tsx, no Babel unless asked for).
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tasklab-package.XXXXXX")
SERVER=
cleanup() {
  if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() {
  echo "package check: $*" >&2
  exit 1
}
# expect NAME PATTERN FILE: the file must match the (extended) regular expression.
expect() {
  grep -Eq -- "$2" "$3" || { cat "$3" >&2; fail "$1: no line matching /$2/"; }
}

echo "== npm pack"
TARBALL=$(npm pack --silent --pack-destination "$WORK" | tail -1)
tar -tzf "$WORK/$TARBALL" | sed 's#^package/##' | sort >"$WORK/files.txt"
for f in bin/tasklab.js dist/index.js dist/index.d.ts dist/cli/main.js dist/cli/main.js.map dist/build/built.json \
  web/dist/index.html src/index.ts; do
  grep -qx "$f" "$WORK/files.txt" || fail "the tarball has no $f"
done
if grep -Eq '^(test|bench|docs|examples|node_modules)/|^src/web/|^dist/web/|^src/build/build\.mjs$' "$WORK/files.txt"; then
  fail "the tarball holds files a user does not need: $(grep -E '^(test|bench|docs|examples|node_modules)/|^src/web/|^dist/web/' "$WORK/files.txt" | head -3 | tr '\n' ' ')"
fi
echo "$(wc -l <"$WORK/files.txt") files, $(du -k "$WORK/$TARBALL" | cut -f1) KB packed"

echo "== npm install (no dev dependencies) into a fresh project"
mkdir "$WORK/project"
cd "$WORK/project"
echo '{ "name": "consumer", "private": true, "type": "module" }' >package.json
npm install --omit=dev --no-audit --no-fund --loglevel=error "$WORK/$TARBALL" >/dev/null
for dev in vite vitest typescript @biomejs/biome preact codemirror sucrase; do
  [ ! -e "node_modules/$dev" ] || fail "a dev dependency was installed: $dev"
done
BIN=node_modules/.bin/tasklab

echo "== the README's library example, plain node"
cp "$REPO/examples/library.mjs" library.mjs
node library.mjs >out.txt
expect "library.mjs" '^[0-9]+ trace lines, [0-9]+ kernel threads, 0 problems$' out.txt

echo "== tasklab run, ps, scenarios"
$BIN scenarios >out.txt
expect "scenarios" '^kthread-run ' out.txt
$BIN run kthread-run >out.txt
expect "run" 'task_newtask: pid=[0-9]+ comm=my_kthread/0 clone_flags=800700' out.txt
$BIN ps kthread-run >out.txt
expect "ps" 'PID +PPID +STAT' out.txt
expect "ps" ' kthreadd$' out.txt

echo "== saved states: the package saves one on the way and continues from it, byte for byte"
$BIN run kthread-run --save-state-at 3ms booted.state >saving.txt
$BIN run kthread-run >whole.txt
cmp -s saving.txt whole.txt || fail "run --save-state-at changed the run's output"
head -c 40 booted.state | grep -q '^{"format":"tasklab-state","version":1,' || fail "booted.state is no state file"
$BIN run --from-state booted.state >continued.txt
cmp -s continued.txt whole.txt || fail "run --from-state is not the uninterrupted run"
$BIN ps --from-state booted.state >out.txt
expect "ps --from-state" ' kthreadd$' out.txt

# The debugger's list reads the shipped src/ (the compiled code has no TypeScript in it).
$BIN debug kthread-run --ex "list kthreadd" >out.txt
expect "debug list" '^[0-9]+ +export const kthreadd = kfunc\(function\* kthreadd\(_unused: unknown\) \{$' out.txt

echo "== a user's TypeScript scenario file (tsx, loaded for it)"
cp "$REPO/test/package/scenario.ts" scenario.ts
$BIN run scenario.ts >out.txt 2>err.txt
expect "run scenario.ts" 'task_newtask: pid=[0-9]+ comm=checker ' out.txt
expect "run scenario.ts" 'kthread_stop returned 7' err.txt
printf 'export default {\n  name: "x"\n  description: "y" };\n' >broken.ts
status=0
$BIN run broken.ts 2>err.txt || status=$?
[ "$status" = 2 ] || fail "run broken.ts: exit $status, not 2"
expect "run broken.ts" "^tasklab: $PWD/broken\\.ts:3:3: syntax error: Expected \"\\}\" but found \"description\"\$" err.txt
[ "$(wc -l <err.txt)" = 1 ] || fail "run broken.ts: more than one line: $(cat err.txt)"

echo "== tasklab explore (pool workers from dist/)"
$BIN explore scenario.ts --preemptions 1 --workers 2 >out.txt
expect "explore" '^no violation$' out.txt
# A user's file is not compiled into frames by the package: its machine mid-run is not data,
# so dfs keeps no checkpoints (above) and the stateful search says why in one line.
status=0
$BIN explore scenario.ts --stateful 2>err.txt >/dev/null || status=$?
[ "$status" = 2 ] || fail "explore --stateful scenario.ts: exit $status, not 2"
expect "explore --stateful" "^tasklab: the stateful search needs to copy and hash" err.txt
[ "$(wc -l <err.txt)" = 1 ] || fail "explore --stateful: more than one line: $(cat err.txt)"

echo "== tasklab serve, on loopback"
$BIN serve --port 0 >serve.txt 2>&1 &
SERVER=$!
for _ in $(seq 100); do
  grep -q "http://127.0.0.1:" serve.txt && break
  sleep 0.1
done
URL=$(grep -Eo 'http://127\.0\.0\.1:[0-9]+/' serve.txt) || fail "serve printed no address: $(cat serve.txt)"
node -e 'const r = await fetch(process.argv[1]); const t = await r.text();
  if (r.status !== 200 || !t.includes("<script")) { console.error(r.status, t.slice(0, 200)); process.exit(1); }' "$URL" ||
  fail "serve did not answer with the visualizer"
kill "$SERVER"
wait "$SERVER" 2>/dev/null || true
SERVER=

# Without web/dist (and no Vite to build it: a dev dependency) serve says so in one line.
mv node_modules/tasklab/web/dist site-moved
status=0
timeout 60 $BIN serve --port 0 >/dev/null 2>err.txt || status=$?
mv site-moved node_modules/tasklab/web/dist
[ "$status" = 2 ] || fail "serve without web/dist: exit $status, not 2"
expect "serve without web/dist" '^tasklab: cannot build the visualizer into .*: Vite is not installed' err.txt

echo "== the visualizer's static site, from a sub-path of another server"
if [ -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
  # playwright-core is the repository's (a dev dependency): it drives the browser, not the package.
  node "$REPO/test/package/site.mjs" "$PWD/node_modules/tasklab/web/dist" || fail "the site does not work from a sub-path"
else
  echo "(no chromium: skipped)"
fi

echo "== what a start loads"
# A resolve hook that notes every module loaded (a file per process: workers run their own).
cat >trace-loads.mjs <<'EOF'
import { register } from "node:module";
register(
  "data:text/javascript," +
    encodeURIComponent(`import { appendFileSync } from "node:fs";
export async function resolve(s, c, next) {
  const r = await next(s, c);
  appendFileSync(${JSON.stringify(process.env.LOADS)}, r.url + "\\n");
  return r;
}`),
);
EOF
loads() { # loads FILE COMMAND...: the modules the command loads, into FILE
  local file=$1
  shift
  : >"$file"
  LOADS=$PWD/$file node --import ./trace-loads.mjs "$@" >/dev/null 2>&1 || true
}
loads scenarios.loads node_modules/tasklab/bin/tasklab.js scenarios
loads run.loads node_modules/tasklab/bin/tasklab.js run kthread-run
loads ts.loads node_modules/tasklab/bin/tasklab.js run scenario.ts
for f in scenarios run; do
  ! grep -Eq '/node_modules/(tsx|@babel|esbuild)/' $f.loads || fail "tasklab $f loaded tsx or Babel at start"
  grep -q '/node_modules/tasklab/dist/cli/main.js' $f.loads || fail "tasklab $f: the hook saw nothing"
done
grep -q '/node_modules/tsx/' ts.loads || fail "a .ts scenario file did not load tsx"
! grep -q '/node_modules/@babel/' ts.loads || fail "a .ts scenario file loaded Babel"
# TASKLAB_RUNTIME=frames on a generators build: the frames hook compiles the chunks as they
# load (it and Babel load in Node's hooks thread, which the trace does not see: what it
# compiled is in its cache, inside the installed package), and the run is the same.
if grep -q '"generators"' node_modules/tasklab/dist/build/built.json; then
  $BIN run kthread-run >plain.txt
  TASKLAB_RUNTIME=frames $BIN run kthread-run >frames.txt
  cmp plain.txt frames.txt || fail "TASKLAB_RUNTIME=frames: another trace"
  ls node_modules/tasklab/node_modules/.cache/tasklab-frames/*.js >/dev/null 2>&1 ||
    fail "TASKLAB_RUNTIME=frames on a generators build compiled nothing"
fi
echo "modules loaded: scenarios $(wc -l <scenarios.loads), run kthread-run $(wc -l <run.loads), run scenario.ts $(wc -l <ts.loads)"

echo "== a TypeScript consumer, type-checked against the shipped .d.ts"
cp "$REPO/test/package/consumer.ts" "$REPO/test/package/tsconfig.json" .
cp "$REPO/examples/library.ts" library.ts
# A Node project has Node's types (@types/node): the repository's.
node "$REPO/node_modules/typescript/bin/tsc" -p tsconfig.json --typeRoots "$REPO/node_modules/@types" --types node ||
  fail "the consumer does not type-check"
echo "== the other runtime, compiled in (the repository's dist/, rebuilt after)"
built=$(node -p 'require("./node_modules/tasklab/dist/build/built.json").runtime')
other=$([ "$built" = generators ] && echo frames || echo generators)
$BIN run kthread-run --tracer function_graph >graph.txt
cd "$REPO"
TASKLAB_RUNTIME=$other npm run --silent build
node bin/tasklab.js run kthread-run --tracer function_graph >"$WORK/project/graph-$other.txt"
cmp "$WORK/project/graph.txt" "$WORK/project/graph-$other.txt" || fail "the $other build's function_graph trace differs from the $built build's"
status=0
TASKLAB_RUNTIME=$built node bin/tasklab.js run kthread-run >/dev/null 2>"$WORK/project/err.txt" || status=$?
# A build is bundled: TASKLAB_RUNTIME naming the runtime it was not built with is one line, exit 2.
[ "$status" = 2 ] || fail "TASKLAB_RUNTIME=$built on a $other build: exit $status, not 2"
expect "TASKLAB_RUNTIME=$built" "^tasklab: TASKLAB_RUNTIME=$built: this build of tasklab has the model " "$WORK/project/err.txt"
npm run --silent build
echo "package check: passed"
