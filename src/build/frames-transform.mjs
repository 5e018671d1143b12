// The frames transform: compiles each `kfunc(function* name(...) {...})` of a module (its
// JavaScript, after type stripping) into a frame class that src/sim/frames.ts runs. The
// call becomes `kfunc(function* name(...) {...}, ($rt, $self) => class name extends
// $rt.CompiledFrame {...}, "name")`: the original generator stays (its text is what the
// debugger's `list` shows), the factory gives the frame class, and the name is the
// registration's (no Function.name). docs/ARCHITECTURE.md, "Compiled frames", shows one
// function and what it compiles to.
//
// A frame keeps every local as a field (`$f.x`), `pc` says which `case` of `step` resumes,
// and each `yield*` is a direct call through `$call` that returns the callee's result or
// SUSPEND (then `step` returns SUSPEND with `pc` saved). Constructs the model uses are
// lowered: if/loops/switch/labels across a yield, for-of (the iterator is a field), yields
// inside expressions (earlier operands saved in temporaries), destructuring, default and
// rest parameters. Anything else in a body that yields is refused with the file, line and
// construct named. This file finds the kfuncs, checks them and makes their locals fields;
// frames-lower.mjs turns the statements into the frame class.
import babel from "@babel/core";
import { originalPositionFor, TraceMap } from "@jridgewell/trace-mapping";
import { Compiler, field, hasYield, seq } from "./frames-lower.mjs";

const { types: t } = babel;

/** Names a frame already uses for itself: a local with one of these names gets a `$`. */
const RESERVED = new Set(["pc", "args", "parent", "top", "fn", "step", "next", "throw", "return", "constructor"]);

export class FramesTransformError extends Error {}

/**
 * Compiles the kfuncs of one module; returns the new code and its source map, or null when
 * the module has none. `filename` names the file in errors and in the source map.
 */
export function transformFrames(code, filename) {
  if (!code.includes("kfunc(")) return null;
  let found = 0;
  const plugin = () => ({
    visitor: {
      CallExpression(path) {
        if (!isKfuncCall(path.node)) return;
        found++;
        compileKfunc(path);
      },
    },
  });
  let out;
  try {
    out = babel.transformSync(code, {
      filename,
      babelrc: false,
      configFile: false,
      sourceType: "module",
      inputSourceMap: true,
      sourceMaps: true,
      compact: false,
      retainLines: false,
      plugins: [plugin],
    });
  } catch (err) {
    if (err instanceof FramesTransformError)
      throw new FramesTransformError(`${filename}:${sourceLine(code, err.loc)}: ${err.what}`);
    throw err;
  }
  if (found === 0 || out === null) return null;
  return { code: out.code, map: out.map };
}

function isKfuncCall(node) {
  return (
    t.isIdentifier(node.callee, { name: "kfunc" }) &&
    node.arguments.length === 1 &&
    generatorOf(node.arguments[0]) !== null
  );
}

/**
 * The generator of a kfunc's argument and the name it registers: `function* name(...) {}`,
 * or the same wrapped as a bundler keeps names, `__name(function* name2(...) {}, "name")`.
 */
function generatorOf(arg) {
  if (t.isFunctionExpression(arg, { generator: true }) && arg.id !== null)
    return { path: "arguments.0", name: arg.id.name };
  if (
    t.isCallExpression(arg) &&
    t.isIdentifier(arg.callee, { name: "__name" }) &&
    arg.arguments.length === 2 &&
    t.isFunctionExpression(arg.arguments[0], { generator: true }) &&
    t.isStringLiteral(arg.arguments[1])
  )
    return { path: "arguments.0.arguments.0", name: arg.arguments[1].value };
  return null;
}

/** "line:column" in the original source (through the input's inline source map, if any). */
function sourceLine(code, loc) {
  if (loc === undefined) return "?";
  const m = /\/\/# sourceMappingURL=data:application\/json;(?:charset=utf-8;)?base64,([A-Za-z0-9+/=]+)\s*$/.exec(code);
  if (m !== null) {
    const p = originalPositionFor(new TraceMap(Buffer.from(m[1], "base64").toString()), {
      line: loc.line,
      column: loc.column,
    });
    if (p.line !== null) return `${p.line}:${p.column + 1}`;
  }
  return `${loc.line}:${loc.column + 1}`;
}

function refuse(node, fnName, what) {
  const err = new FramesTransformError(`kfunc ${fnName}: cannot compile ${what}`);
  // Babel rewrites the message of an error thrown in a plugin: the parts are kept apart.
  err.what = `kfunc ${fnName}: cannot compile ${what}`;
  err.loc = node?.loc?.start;
  throw err;
}

/** Replaces `kfunc(function* name(...) {...})` at `path` with its compiled form. */
function compileKfunc(path) {
  const { path: at, name } = generatorOf(path.node.arguments[0]);
  const original = t.cloneNode(path.node.arguments[0], true, false);
  const fnPath = path.get(at);
  const fail = (node, what) => refuse(node, name, what);
  checkSubset(fnPath, fail);
  // Inside the body its own name is the generator itself (not the kfunc): the factory's `$self`.
  fnPath.scope.rename(fnPath.node.id.name, "$self");
  const fields = localsToFields(fnPath);
  const [params, ...body] = fnPath.node.body.body;
  const c = new Compiler(fields, fail);
  c.compileParams(params.expression.left.elements);
  c.lowerAll(body);
  const klass = c.frameClass(name);
  path.node.arguments = [
    original,
    t.arrowFunctionExpression([t.identifier("$rt"), t.identifier("$self")], klass),
    t.stringLiteral(name),
  ];
  path.skip();
}

/** Refuses what the transform does not handle, before anything changes. */
function checkSubset(fnPath, fail) {
  fnPath.traverse({
    Function(p) {
      if (p.isArrowFunctionExpression()) return;
      if (p.isFunctionDeclaration()) fail(p.node, "a function declaration inside the body");
      p.skip();
    },
    ThisExpression(p) {
      if (p.getFunctionParent() === fnPath || p.getFunctionParent()?.isArrowFunctionExpression())
        fail(p.node, "`this`");
    },
    Identifier(p) {
      if (p.node.name === "arguments" && p.isReferencedIdentifier()) fail(p.node, "`arguments`");
      if (p.node.name.startsWith("$"))
        fail(p.node, `the identifier ${p.node.name} (names starting with $ are the transform's)`);
    },
    TryStatement(p) {
      if (hasYield(p.node)) fail(p.node, "a try statement with a yield inside");
    },
    ForInStatement(p) {
      if (hasYield(p.node)) fail(p.node, "a for-in loop with a yield inside");
    },
    AwaitExpression(p) {
      fail(p.node, "await");
    },
  });
}

/**
 * Every local of the generator (parameters, var/let/const of any block, loop variables)
 * becomes a field: a unique field name per binding, references rewritten to `$f.field`,
 * declarations to assignments. Nested arrow functions keep their own locals and see the
 * generator's through `$f`. Returns the field names.
 */
function localsToFields(fnPath) {
  const fields = [];
  const used = new Set();
  const fieldOf = new Map();
  const scopes = new Set();
  const collect = (scope) => {
    if (scopes.has(scope)) return;
    scopes.add(scope);
    for (const [n, b] of Object.entries(scope.bindings)) {
      if (b.kind === "local") continue; // the function expression's own name
      let f = RESERVED.has(n) ? `${n}$` : n;
      for (let i = 2; used.has(f); i++) f = `${n}$${i}`;
      used.add(f);
      fields.push(f);
      fieldOf.set(b, f);
    }
  };
  collect(fnPath.scope);
  fnPath.traverse({
    Scopable(p) {
      if (p.isFunction()) return;
      if (p.scope.getFunctionParent() === fnPath.scope) collect(p.scope);
    },
    Function(p) {
      p.skip();
    },
  });
  // Rename each binding to a marker, so every position that names it (shorthand properties,
  // patterns, updates, loop heads) is found by Babel's renamer; then markers become fields.
  for (const [b, f] of fieldOf) b.scope.rename(b.identifier.name, `$L$${f}`);
  // The parameters become the first statement, `[params] = $args`, so they are rewritten too.
  const node = fnPath.node;
  node.body.body.unshift(
    t.expressionStatement(t.assignmentExpression("=", t.arrayPattern(node.params), t.identifier("$args"))),
  );
  node.params = [];
  fnPath.traverse({
    VariableDeclaration(p) {
      if (p.getFunctionParent() !== fnPath) return;
      const assigns = [];
      for (const d of p.node.declarations) {
        if (d.init !== null) assigns.push(t.assignmentExpression("=", d.id, d.init));
        else if (p.node.kind !== "var") assigns.push(t.assignmentExpression("=", d.id, t.identifier("undefined")));
      }
      const parent = p.parentPath;
      if ((parent.isForOfStatement() || parent.isForInStatement()) && p.key === "left") {
        p.replaceWith(p.node.declarations[0].id);
      } else if (parent.isForStatement() && p.key === "init") {
        p.replaceWith(assigns.length === 0 ? t.identifier("undefined") : seq(assigns));
      } else if (assigns.length === 0) p.remove();
      else p.replaceWith(t.expressionStatement(seq(assigns)));
    },
  });
  fnPath.traverse({
    Identifier(p) {
      const n = p.node.name;
      if (!n.startsWith("$L$")) return;
      const parent = p.parent;
      if ((t.isObjectProperty(parent) || t.isObjectMethod(parent)) && parent.key === p.node && !parent.computed) return;
      if (
        (t.isMemberExpression(parent) || t.isOptionalMemberExpression(parent)) &&
        parent.property === p.node &&
        !parent.computed
      )
        return;
      p.replaceWith(field(n.slice(3)));
      p.skip();
    },
  });
  return fields;
}
