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
// Size: the checks of what a body may do, each with the message naming the construct, are here.
import { fileURLToPath } from "node:url";
import babel from "@babel/core";
import { originalPositionFor, TraceMap } from "@jridgewell/trace-mapping";
import { Compiler, field, hasYield, seq } from "./frames-lower.mjs";

const { types: t } = babel;

/** Names a frame already uses for itself: a local with one of these names gets a `$`. */
const RESERVED = new Set(["pc", "args", "parent", "top", "fn", "step", "next", "throw", "return", "constructor"]);

export class FramesTransformError extends Error {}

/** The frame runtime a module with compiled plain generators imports. */
const RUNTIME = fileURLToPath(new URL("../sim/frames.ts", import.meta.url));

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** Parts of src/ whose generators are no thread's code (iterators, tools): only their kfuncs are compiled. */
const KFUNCS_ONLY = ["sim", "build", "cli", "explore", "explain", "views", "trace", "web"].map(
  (d) => `${ROOT}src/${d}/`,
);

/**
 * How a file is compiled: null (left alone: a dependency), or transformFrames' options. The
 * model's own code (src/, examples/) is compiled strictly, every generator of it that runs
 * on a thread included; a file of the user's (a scenario file, a test) has what can be
 * compiled compiled, and any generator the transform refuses stays a generator (run through
 * an IteratorFrame).
 */
export function compileOptions(file) {
  if (file.includes("/node_modules/")) return null;
  if (KFUNCS_ONLY.some((d) => file.startsWith(d))) return { plain: false };
  return { plain: true, strict: file.startsWith(`${ROOT}src/`) || file.startsWith(`${ROOT}examples/`) };
}

/** What may be in a module that has a generator to compile (a cheap test before parsing). */
const MAY_HAVE_GENERATOR = /\bkfunc\(|\bfunction\s*\*|\*\s*\[?[A-Za-z_$][\w$.]*\]?\s*\(/;

/**
 * Compiles the generators of one module; returns the new code and its source map, or null
 * when the module has none. `filename` names the file in errors and in the source map.
 * Options: `plain` — compile plain generator functions and methods too (not only kfuncs);
 * `strict` — refuse (throw) a generator that cannot be compiled, else leave it a generator
 * (the model's own code is strict; a user's scenario file is not); `runtime` — the module the
 * compiled plain generators import the frame runtime from (null: `$rt` is in scope).
 */
export function transformFrames(code, filename, { plain = false, strict = true, runtime = RUNTIME } = {}) {
  if (!(plain ? MAY_HAVE_GENERATOR.test(code) : code.includes("kfunc("))) return null;
  // The module as saved states name its code: its path from the project's root (the build
  // passes it so; the hooks pass the absolute path).
  moduleName = filename.startsWith(ROOT) ? filename.slice(ROOT.length) : filename;
  let found = 0;
  let usesRuntime = false;
  let program = null;
  const compileOne = (compile) => {
    try {
      compile();
      found++;
    } catch (err) {
      if (strict || !(err instanceof FramesTransformError)) throw err;
    }
  };
  const plugin = () => ({
    visitor: {
      Program: {
        enter(path) {
          program = path;
        },
        exit(path) {
          if (!usesRuntime || runtime === null) return;
          const decl = t.importDeclaration(
            [t.importSpecifier(t.identifier("$rt"), t.identifier("frameRuntime"))],
            t.stringLiteral(runtime),
          );
          const body = path.get("body");
          const lastImport = body.filter((p) => p.isImportDeclaration()).pop();
          if (lastImport === undefined) path.unshiftContainer("body", decl);
          else lastImport.insertAfter(decl);
        },
      },
      // Inner generators first (on exit): an outer one then sees them as plain functions.
      CallExpression: {
        exit(path) {
          if (!isKfuncCall(path.node)) return;
          compileOne(() => compileKfunc(path));
        },
      },
      Function: {
        exit(path) {
          if (!plain || !path.node.generator || isKfuncArgument(path)) return;
          compileOne(() => {
            compilePlain(path, program);
            usesRuntime = true;
          });
        },
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

/** Whether a generator function is the one a kfunc call wraps (compiled as a kfunc). */
function isKfuncArgument(path) {
  let p = path.parentPath;
  if (p.isCallExpression() && t.isIdentifier(p.node.callee, { name: "__name" })) p = p.parentPath;
  return p.isCallExpression() && isKfuncCall(p.node) && generatorOf(p.node.arguments[0]) !== null;
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
  const err = new FramesTransformError(`${fnName}: cannot compile ${what}`);
  // Babel rewrites the message of an error thrown in a plugin: the parts are kept apart.
  err.what = `${fnName}: cannot compile ${what}`;
  err.loc = node?.loc?.start;
  throw err;
}

/** Replaces `kfunc(function* name(...) {...})` at `path` with its compiled form. */
function compileKfunc(path) {
  const { path: at, name } = generatorOf(path.node.arguments[0]);
  const original = t.cloneNode(path.node.arguments[0], true, false);
  const fnPath = path.get(at);
  const fail = (node, what) => refuse(node, `kfunc ${name}`, what);
  const frame = frameVar(fnPath);
  checkSubset(fnPath, fail, false);
  // Inside the body its own name is the generator itself (not the kfunc): the factory's `$self`.
  fnPath.scope.rename(fnPath.node.id.name, "$self");
  const fields = localsToFields(fnPath, frame);
  const [params, ...body] = fnPath.node.body.body;
  const c = new Compiler(fields, fail, { frame });
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

/**
 * The variable of a frame in its `step`: `$f`, or `$f1`, `$f2`... inside one or more
 * generators (compiled after it), whose own frames' fields its code may name.
 */
function frameVar(fnPath) {
  let depth = 0;
  for (let p = fnPath.parentPath; p !== null; p = p.parentPath) if (p.isFunction() && p.node.generator) depth++;
  return depth === 0 ? "$f" : `$f${depth}`;
}

/** Whether `this` at `p` is the generator's own (directly, or through arrow functions). */
function ownThis(p, fnPath) {
  for (let f = p.getFunctionParent(); f !== null; f = f.parentPath.getFunctionParent()) {
    if (f === fnPath) return true;
    if (!f.isArrowFunctionExpression()) return false;
  }
  return false;
}

/** Refuses what the transform does not handle, before anything changes; `self`: `this` is allowed. */
function checkSubset(fnPath, fail, self) {
  fnPath.traverse({
    Function(p) {
      if (p.isArrowFunctionExpression()) return;
      if (p.isFunctionDeclaration()) fail(p.node, "a function declaration inside the body");
      p.skip();
    },
    ThisExpression(p) {
      if (!self && ownThis(p, fnPath)) fail(p.node, "`this`");
    },
    Super(p) {
      fail(p.node, "`super`");
    },
    MetaProperty(p) {
      fail(p.node, `\`${p.node.meta.name}.${p.node.property.name}\``);
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
function localsToFields(fnPath, frame) {
  const fields = [];
  const used = new Set();
  const fieldOf = new Map();
  const scopes = new Set();
  const collect = (scope) => {
    if (scopes.has(scope)) return;
    scopes.add(scope);
    for (const [n, b] of Object.entries(scope.bindings)) {
      if (b.kind === "local") continue; // the function expression's own name
      // A catch clause's parameter: the try has no yield in it (else refused), it stays a local.
      if (b.path.isCatchClause()) continue;
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
      p.replaceWith(field(n.slice(3), frame));
      p.skip();
    },
  });
  return fields;
}

let plainCount = 0;
/** The module being compiled, as saved states name it (set by transformFrames). */
let moduleName = "";

/** The name a plain generator's frame class takes (what a stack trace shows). */
function plainName(path) {
  const n = path.node;
  if (n.id) return n.id.name;
  if ((path.isObjectMethod() || path.isClassMethod()) && !n.computed && t.isIdentifier(n.key)) return n.key.name;
  if (path.parentPath.isVariableDeclarator() && t.isIdentifier(path.parent.id)) return path.parent.id.name;
  return "generator";
}

/**
 * Whether the generator can be compiled at the module's top level: it names no binding of
 * a scope between it and the module (the locals of an enclosing function, say).
 */
function atTopLevel(path, program) {
  const inside = (p) => p.isDescendant(path);
  for (let s = path.scope.parent; s !== program.scope; s = s.parent)
    for (const b of Object.values(s.bindings))
      if (b.referencePaths.some(inside) || b.constantViolations.some(inside)) return false;
  return true;
}

/**
 * Compiles a generator function or method that is not a kfunc (a helper, a thread function,
 * a user program, a method of Libc) into a frame class with no cost and no entry on the
 * thread's stack; the function itself becomes a plain function (same name, same `this`)
 * that makes a frame. At the module's top level the class is made at the first call; a
 * generator nested in a function gets its class where it is evaluated (it may name the
 * enclosing function's locals).
 */
function compilePlain(path, program) {
  const node = path.node;
  const name = plainName(path);
  const what = path.isClassMethod() || path.isObjectMethod() ? "generator method" : "generator";
  const fail = (n, w) => refuse(n, `${what} ${name}`, w);
  if (node.async) fail(node, "an async generator");
  if (path.isFunctionExpression() && node.id !== null && path.scope.getBinding(node.id.name)?.referenced)
    fail(node, "a generator function expression that names itself");
  const top = atTopLevel(path, program);
  // A declaration or a class's method inside a function: its class is made at the start of
  // the block it is in (before anything there can call it).
  const block =
    top || !(path.isFunctionDeclaration() || path.isClassMethod()) ? null : path.getStatementParent().parentPath;
  if (block !== null && !block.isBlockStatement())
    fail(node, `a ${path.isClassMethod() ? "generator method of a class" : "generator function declared"} here`);
  const frame = frameVar(path);
  checkSubset(path, fail, true);
  let self = false;
  path.traverse({
    ThisExpression(p) {
      if (!ownThis(p, path)) return;
      self = true;
      p.replaceWith(field("$this", frame));
    },
  });
  const fields = localsToFields(path, frame);
  const [params, ...body] = node.body.body;
  const c = new Compiler(fields, fail, { frame, modeled: false, self });
  c.compileParams(params.expression.left.elements);
  c.lowerAll(body);
  const factory = t.functionExpression(null, [], c.frameClass(t.isValidIdentifier(name) ? name : "generator"));
  const n = plainCount++;
  const args = t.identifier("$a");
  const make = (klass) =>
    t.blockStatement([
      t.returnStatement(t.newExpression(klass, self ? [t.cloneNode(args), t.thisExpression()] : [t.cloneNode(args)])),
    ]);
  node.generator = false;
  node.params = [t.restElement(t.cloneNode(args))];
  if (top) {
    // var $frames$N; function $frames$mkN() {...}: hoisted, so a call before them works.
    const cls = t.identifier(`$frames$C${n}`);
    const mk = t.identifier(`$frames$mk${n}`);
    // $rt.known(() => $frames$CN ??= $frames$mkN(), name | null, "src/file.ts"): the class
    // (and a declared generator's function) by name for saved states (src/sim/code.ts).
    const known = [
      t.arrowFunctionExpression(
        [],
        t.assignmentExpression("??=", t.cloneNode(cls), t.callExpression(t.cloneNode(mk), [])),
      ),
      // The function too, when it is declared at the module's top level (in scope there).
      path.isFunctionDeclaration() &&
      node.id !== null &&
      (path.parentPath.isProgram() || (path.parentPath.isExportDeclaration() && path.parentPath.parentPath.isProgram()))
        ? t.identifier(node.id.name)
        : t.nullLiteral(),
      t.stringLiteral(moduleName),
    ];
    program.pushContainer("body", [
      t.variableDeclaration("var", [t.variableDeclarator(cls)]),
      t.functionDeclaration(mk, [], factory.body),
      t.expressionStatement(t.callExpression(t.memberExpression(t.identifier("$rt"), t.identifier("known")), known)),
    ]);
    node.body = make(t.assignmentExpression("??=", t.cloneNode(cls), t.callExpression(t.cloneNode(mk), [])));
    return;
  }
  if (block !== null) {
    const cls = t.identifier(`$frames$C${n}`);
    block.unshiftContainer(
      "body",
      t.variableDeclaration("const", [t.variableDeclarator(cls, t.callExpression(factory, []))]),
    );
    node.body = make(t.cloneNode(cls));
    return;
  }
  // (function ($C) { return function name(...$a) { return new $C($a, this); }; })(factory())
  const C = t.identifier("$C");
  const wrapper = t.functionExpression(
    t.isValidIdentifier(name) && name !== "$C" ? t.identifier(name) : null,
    node.params,
    make(t.cloneNode(C)),
  );
  const expr = t.callExpression(t.functionExpression(null, [C], t.blockStatement([t.returnStatement(wrapper)])), [
    t.callExpression(factory, []),
  ]);
  if (path.isObjectMethod()) path.replaceWith(t.objectProperty(node.key, expr, node.computed));
  else path.replaceWith(expr);
  path.skip();
}
