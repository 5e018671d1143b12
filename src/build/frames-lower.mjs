// The frames transform's second half: the statements of one kfunc body (its locals already
// fields, see frames-transform.mjs) become the cases of its frame class's `step`, and the
// class itself. Each yield ends a case: `pc` is saved, the call made (or the value yielded),
// and the case after it resumes with the result in `$v`.
// Size: one lowering per statement kind the model uses, each small; splitting them would split one recursion.
import babel from "@babel/core";

const { types: t } = babel;

export function seq(exprs) {
  return exprs.length === 1 ? exprs[0] : t.sequenceExpression(exprs);
}

/**
 * `$f.name`: a field of the frame. `frame` names the frame's variable in `step`: `$f`, or
 * `$f1`, `$f2`... for a generator nested in one or more others, so that the outer frame's
 * fields stay reachable from the inner one's code.
 */
export function field(name, frame = "$f") {
  return t.memberExpression(t.identifier(frame), t.identifier(name));
}

/** Whether a node has a yield in it, outside nested functions. */
export function hasYield(node) {
  if (node === null || typeof node !== "object") return false;
  if (Array.isArray(node)) return node.some(hasYield);
  if (t.isYieldExpression(node)) return true;
  if (t.isFunction(node)) return false;
  const keys = t.VISITOR_KEYS[node.type];
  if (keys === undefined) return false;
  for (const k of keys) if (hasYield(node[k])) return true;
  return false;
}

/** Turns statements into the cases of a `step` switch. */
export class Compiler {
  /**
   * `modeled`: a kfunc (its entry pays its cost); else a plain generator (no cost, no entry on
   * the thread's stack). `self`: the generator uses `this` (kept in the field `$this`).
   */
  constructor(fields, fail, { frame = "$f", modeled = true, self = false } = {}) {
    this.fields = fields;
    this.fail = fail;
    this.frame = frame;
    this.modeled = modeled;
    this.self = self;
    /** [label, statements] of each case, in order. */
    this.cases = [];
    this.labels = 0;
    this.temps = 0;
    /** Enclosing lowered loops, switches and labelled statements: {name, kind, brk, cont}. */
    this.targets = [];
    this.mark(this.newLabel());
  }

  newLabel() {
    return this.labels++;
  }

  field(name) {
    return field(name, this.frame);
  }

  /** Starts case `label`; the previous case falls through into it. */
  mark(label) {
    this.cur = [];
    this.cases.push([label, this.cur]);
  }

  emit(stmt) {
    this.cur.push(stmt);
  }

  /** A statement that continues at `label`. */
  goto(label) {
    return t.blockStatement([
      t.expressionStatement(t.assignmentExpression("=", this.field("pc"), t.numericLiteral(label))),
      t.continueStatement(t.identifier("$d")),
    ]);
  }

  jump(label) {
    this.emit(this.goto(label));
  }

  newTemp() {
    const name = `$t${this.temps++}`;
    this.fields.push(name);
    return this.field(name);
  }

  /** Case 0: the arguments become fields; then the function's cost is paid (case 1 is the body). */
  compileParams(params) {
    // No `const` here: a lexical declaration in a switch case costs every case a hole check.
    const a = this.field("args");
    params.forEach((p, i) => {
      const arg = t.memberExpression(t.cloneNode(a), t.numericLiteral(i), true);
      if (t.isRestElement(p)) {
        this.emit(
          t.expressionStatement(
            t.assignmentExpression(
              "=",
              p.argument,
              t.callExpression(t.memberExpression(t.cloneNode(a), t.identifier("slice")), [t.numericLiteral(i)]),
            ),
          ),
        );
      } else if (t.isAssignmentPattern(p)) {
        this.emit(t.expressionStatement(t.assignmentExpression("=", p.left, arg)));
        if (hasYield(p.right)) this.fail(p, "a yield in a default parameter");
        this.emit(
          t.ifStatement(
            t.binaryExpression("===", p.left, t.identifier("undefined")),
            t.expressionStatement(t.assignmentExpression("=", t.cloneNode(p.left), p.right)),
          ),
        );
      } else this.emit(t.expressionStatement(t.assignmentExpression("=", p, arg)));
    });
    this.emit(t.expressionStatement(t.assignmentExpression("=", this.field("args"), t.nullLiteral())));
    if (!this.modeled) return; // no cost: the body follows in the same case
    const body = this.newLabel();
    this.emit(t.expressionStatement(t.assignmentExpression("=", this.field("pc"), t.numericLiteral(body))));
    this.emit(
      t.ifStatement(
        t.callExpression(t.identifier("$pay"), [t.identifier(this.frame)]),
        t.returnStatement(t.identifier("$S")),
      ),
    );
    this.mark(body);
  }

  lowerAll(stmts) {
    for (const s of stmts) this.lower(s);
  }

  lower(s) {
    if (!hasYield(s)) {
      this.emit(this.fixJumps(s));
      return;
    }
    switch (s.type) {
      case "ExpressionStatement": {
        const e = this.explode(s.expression);
        if (!t.isIdentifier(e, { name: "$v" })) this.emit(t.expressionStatement(e));
        return;
      }
      case "BlockStatement":
        return this.lowerAll(s.body);
      case "ReturnStatement":
        return this.emit(t.returnStatement(this.explode(s.argument)));
      case "ThrowStatement":
        return this.emit(t.throwStatement(this.explode(s.argument)));
      case "IfStatement":
        return this.lowerIf(s);
      case "WhileStatement":
        return this.lowerLoop(null, s.test, s.body, null, false);
      case "DoWhileStatement":
        return this.lowerLoop(null, s.test, s.body, null, true);
      case "ForStatement":
        return this.lowerLoop(s.init, s.test, s.body, s.update, false);
      case "ForOfStatement":
        return this.lowerForOf(s, null);
      case "SwitchStatement":
        return this.lowerSwitch(s, null);
      case "LabeledStatement":
        return this.lowerLabeled(s);
      default:
        this.fail(s, `a ${s.type} with a yield inside`);
    }
  }

  lowerIf(s) {
    const test = this.explode(s.test);
    const end = this.newLabel();
    const other = s.alternate === null ? end : this.newLabel();
    this.emit(t.ifStatement(t.unaryExpression("!", test), this.goto(other)));
    this.lower(s.consequent);
    if (s.alternate !== null) {
      this.jump(end);
      this.mark(other);
      this.lower(s.alternate);
    }
    this.mark(end);
  }

  lowerLoop(init, test, body, update, testAfter, name = null) {
    if (init !== null) {
      if (t.isExpression(init)) {
        const e = this.explode(init);
        this.emit(t.expressionStatement(e));
      } else this.lower(init);
    }
    const top = this.newLabel();
    const cont = testAfter || update !== null ? this.newLabel() : top;
    const end = this.newLabel();
    this.mark(top);
    if (!testAfter && test !== null)
      this.emit(t.ifStatement(t.unaryExpression("!", this.explode(test)), this.goto(end)));
    this.targets.push({ name, loop: true, brk: end, cont });
    this.lower(body);
    this.targets.pop();
    if (cont !== top) this.mark(cont);
    if (testAfter) this.emit(t.ifStatement(this.explode(test), this.goto(top)));
    else {
      if (update !== null) {
        const e = this.explode(update);
        this.emit(t.expressionStatement(e));
      }
      this.jump(top);
    }
    this.mark(end);
  }

  lowerForOf(s, name) {
    if (s.await) this.fail(s, "for await");
    const it = this.newTemp();
    const right = this.explode(s.right);
    // $iter: an array's iterator is a frame runtime object (data, copied with the frame).
    this.emit(t.expressionStatement(t.assignmentExpression("=", it, t.callExpression(t.identifier("$iter"), [right]))));
    const top = this.newLabel();
    const end = this.newLabel();
    this.mark(top);
    const r = t.identifier("$r");
    this.emit(
      t.blockStatement([
        t.variableDeclaration("const", [
          t.variableDeclarator(r, t.callExpression(t.memberExpression(t.cloneNode(it), t.identifier("next")), [])),
        ]),
        t.ifStatement(t.memberExpression(r, t.identifier("done")), this.goto(end)),
        t.expressionStatement(t.assignmentExpression("=", s.left, t.memberExpression(r, t.identifier("value")))),
      ]),
    );
    this.targets.push({ name, loop: true, brk: end, cont: top });
    this.lower(s.body);
    this.targets.pop();
    this.jump(top);
    this.mark(end);
  }

  lowerSwitch(s, name) {
    const d = this.newTemp();
    this.emit(t.expressionStatement(t.assignmentExpression("=", d, this.explode(s.discriminant))));
    const end = this.newLabel();
    const labels = s.cases.map(() => this.newLabel());
    let dflt = end;
    s.cases.forEach((c, i) => {
      if (c.test === null) dflt = labels[i];
      else {
        if (hasYield(c.test)) this.fail(c.test, "a yield in a case test");
        this.emit(t.ifStatement(t.binaryExpression("===", t.cloneNode(d), c.test), this.goto(labels[i])));
      }
    });
    this.jump(dflt);
    this.targets.push({ name, loop: false, brk: end, cont: null });
    s.cases.forEach((c, i) => {
      this.mark(labels[i]);
      this.lowerAll(c.consequent);
    });
    this.targets.pop();
    this.mark(end);
  }

  lowerLabeled(s) {
    const name = s.label.name;
    const b = s.body;
    if (t.isForOfStatement(b)) return this.lowerForOf(b, name);
    if (t.isSwitchStatement(b)) return this.lowerSwitch(b, name);
    if (t.isWhileStatement(b)) return this.lowerLoop(null, b.test, b.body, null, false, name);
    if (t.isDoWhileStatement(b)) return this.lowerLoop(null, b.test, b.body, null, true, name);
    if (t.isForStatement(b)) return this.lowerLoop(b.init, b.test, b.body, b.update, false, name);
    const end = this.newLabel();
    this.targets.push({ name, loop: false, brk: end, cont: null });
    this.lower(b);
    this.targets.pop();
    this.mark(end);
  }

  /**
   * A statement without a yield is kept as it is, but a `break` or `continue` in it that
   * leaves it for a lowered loop, switch or label becomes a jump.
   */
  fixJumps(s) {
    if (this.targets.length === 0) return s;
    const holder = t.blockStatement([s]);
    const self = this;
    babel.traverse(
      t.file(t.program([holder])),
      {
        "BreakStatement|ContinueStatement"(p) {
          const label = p.node.label?.name ?? null;
          const isBreak = p.isBreakStatement();
          // Inside the statement?
          for (let q = p.parentPath; q !== null && q.node !== holder; q = q.parentPath) {
            if (label !== null && q.isLabeledStatement() && q.node.label.name === label) return;
            if (label === null && (q.isLoop() || (isBreak && q.isSwitchStatement()))) return;
          }
          const target = self.findTarget(p.node, label, isBreak);
          p.replaceWith(self.goto(isBreak ? target.brk : target.cont));
          p.skip();
        },
        Function(p) {
          p.skip();
        },
      },
      undefined,
      undefined,
    );
    return holder.body[0];
  }

  findTarget(node, label, isBreak) {
    for (let i = this.targets.length - 1; i >= 0; i--) {
      const g = this.targets[i];
      if (label !== null ? g.name === label : isBreak || g.loop) {
        if (!isBreak && !g.loop) this.fail(node, "a continue to a label that is not a loop");
        return g;
      }
    }
    this.fail(node, `a ${isBreak ? "break" : "continue"} with no target`);
  }

  /** An operand evaluated before a later yield: kept in a temporary unless it cannot change. */
  save(e) {
    if (t.isLiteral(e) && !t.isTemplateLiteral(e)) return e;
    if (t.isIdentifier(e) && e.name !== "$v") return e;
    const tmp = this.newTemp();
    this.emit(t.expressionStatement(t.assignmentExpression("=", tmp, e)));
    return t.cloneNode(tmp);
  }

  /** Each of `nodes` exploded in order, each saved if a later one yields. */
  explodeList(nodes) {
    return nodes.map((n, i) => {
      const e = t.isSpreadElement(n) ? t.spreadElement(this.explode(n.argument)) : this.explode(n);
      if (!nodes.slice(i + 1).some(hasYield)) return e;
      return t.isSpreadElement(e) ? t.spreadElement(this.save(e.argument)) : this.save(e);
    });
  }

  /**
   * Emits what evaluating `e` up to its last yield takes, and returns an expression without
   * yields for the rest (`$v` is the value of the last yield).
   */
  explode(e) {
    if (!hasYield(e)) return e;
    switch (e.type) {
      case "YieldExpression":
        return this.explodeYield(e);
      case "AssignmentExpression":
        return this.explodeAssign(e);
      case "CallExpression":
      case "NewExpression": {
        let callee = e.callee;
        if (t.isMemberExpression(callee) && hasYield(e.arguments)) {
          const obj = this.save(this.explode(callee.object));
          const prop = callee.computed ? this.save(this.explode(callee.property)) : callee.property;
          callee = t.memberExpression(obj, prop, callee.computed);
        } else {
          callee = this.explode(callee);
          if (hasYield(e.arguments)) callee = this.save(callee);
        }
        const args = this.explodeList(e.arguments);
        return t.isNewExpression(e) ? t.newExpression(callee, args) : t.callExpression(callee, args);
      }
      case "MemberExpression": {
        const [obj, prop] = e.computed
          ? this.explodeList([e.object, e.property])
          : [this.explode(e.object), e.property];
        return t.memberExpression(obj, prop, e.computed);
      }
      case "BinaryExpression": {
        const [l, r] = this.explodeList([e.left, e.right]);
        return t.binaryExpression(e.operator, l, r);
      }
      case "UnaryExpression":
        return t.unaryExpression(e.operator, this.explode(e.argument), e.prefix);
      case "LogicalExpression":
        return this.explodeLogical(e);
      case "ConditionalExpression":
        return this.explodeConditional(e);
      case "SequenceExpression": {
        // Only the last part's value is used; the others are evaluated in turn before it.
        for (const x of e.expressions.slice(0, -1)) this.emit(t.expressionStatement(this.explode(x)));
        return this.explode(e.expressions[e.expressions.length - 1]);
      }
      case "ArrayExpression":
        return t.arrayExpression(this.explodeList(e.elements));
      case "ObjectExpression": {
        const vals = this.explodeList(
          e.properties.map((p) => {
            if (t.isSpreadElement(p)) return p;
            if (!t.isObjectProperty(p) || (p.computed && hasYield(p.key)))
              this.fail(p, "this object literal around a yield");
            return p.value;
          }),
        );
        return t.objectExpression(
          e.properties.map((p, i) => (t.isSpreadElement(p) ? vals[i] : t.objectProperty(p.key, vals[i], p.computed))),
        );
      }
      case "TemplateLiteral":
        return t.templateLiteral(e.quasis, this.explodeList(e.expressions));
      default:
        this.fail(e, `a yield inside ${e.type}`);
    }
  }

  explodeYield(e) {
    const arg = e.argument === null ? t.identifier("undefined") : this.explode(e.argument);
    const next = this.newLabel();
    this.emit(t.expressionStatement(t.assignmentExpression("=", this.field("pc"), t.numericLiteral(next))));
    const v = t.identifier("$v");
    if (e.delegate) {
      const call = t.assignmentExpression(
        "=",
        v,
        t.callExpression(t.identifier("$call"), [t.identifier(this.frame), arg]),
      );
      this.emit(
        t.ifStatement(t.binaryExpression("===", call, t.identifier("$S")), t.returnStatement(t.identifier("$S"))),
      );
    } else this.emit(t.returnStatement(t.callExpression(t.identifier("$suspend"), [arg, t.identifier(this.frame)])));
    this.mark(next);
    return t.identifier("$v");
  }

  explodeAssign(e) {
    let left = e.left;
    if (t.isMemberExpression(left)) {
      const obj = this.save(this.explode(left.object));
      const prop = left.computed ? this.save(this.explode(left.property)) : left.property;
      left = t.memberExpression(obj, prop, left.computed);
    } else if (hasYield(left)) this.fail(left, "a yield inside a destructuring pattern");
    if (e.operator === "=") return t.assignmentExpression("=", left, this.explode(e.right));
    if (["&&=", "||=", "??="].includes(e.operator)) this.fail(e, `${e.operator} with a yield on its right`);
    const old = this.save(t.cloneNode(left));
    return t.assignmentExpression(
      "=",
      t.cloneNode(left),
      t.binaryExpression(e.operator.slice(0, -1), old, this.explode(e.right)),
    );
  }

  explodeLogical(e) {
    const l = this.explode(e.left);
    if (!hasYield(e.right)) return t.logicalExpression(e.operator, l, e.right);
    const tmp = this.newTemp();
    const end = this.newLabel();
    this.emit(t.expressionStatement(t.assignmentExpression("=", tmp, l)));
    const done =
      e.operator === "&&"
        ? t.unaryExpression("!", t.cloneNode(tmp))
        : e.operator === "||"
          ? t.cloneNode(tmp)
          : t.binaryExpression("!=", t.cloneNode(tmp), t.nullLiteral());
    this.emit(t.ifStatement(done, this.goto(end)));
    this.emit(t.expressionStatement(t.assignmentExpression("=", t.cloneNode(tmp), this.explode(e.right))));
    this.mark(end);
    return t.cloneNode(tmp);
  }

  explodeConditional(e) {
    const test = this.explode(e.test);
    if (!hasYield(e.consequent) && !hasYield(e.alternate))
      return t.conditionalExpression(test, e.consequent, e.alternate);
    const tmp = this.newTemp();
    const other = this.newLabel();
    const end = this.newLabel();
    this.emit(t.ifStatement(t.unaryExpression("!", test), this.goto(other)));
    this.emit(t.expressionStatement(t.assignmentExpression("=", tmp, this.explode(e.consequent))));
    this.jump(end);
    this.mark(other);
    this.emit(t.expressionStatement(t.assignmentExpression("=", t.cloneNode(tmp), this.explode(e.alternate))));
    this.mark(end);
    return t.cloneNode(tmp);
  }

  /** `class name extends CompiledFrame { constructor(args) {...} step($v) {...} }`, in a factory body. */
  frameClass(name) {
    const ctor = t.classMethod(
      "constructor",
      t.identifier("constructor"),
      this.self ? [t.identifier("args"), t.identifier("self")] : [t.identifier("args")],
      t.blockStatement([
        t.expressionStatement(t.callExpression(t.super(), [])),
        ...[
          ["parent", t.nullLiteral()],
          ["pc", t.numericLiteral(0)],
          ["args", t.identifier("args")],
          ["top", t.nullLiteral()],
          ...(this.self ? [["$this", t.identifier("self")]] : []),
          ...this.fields.map((f) => [f, t.identifier("undefined")]),
        ].map(([f, v]) =>
          t.expressionStatement(
            t.assignmentExpression("=", t.memberExpression(t.thisExpression(), t.identifier(f)), v),
          ),
        ),
      ]),
    );
    const cases = this.cases.map(([label, stmts]) => t.switchCase(t.numericLiteral(label), stmts));
    // The last case ends the function (returns undefined), as falling off a generator does.
    cases[cases.length - 1].consequent.push(t.returnStatement(t.identifier("undefined")));
    cases.push(
      t.switchCase(null, [
        t.throwStatement(t.newExpression(t.identifier("Error"), [t.stringLiteral(`${name}: bad pc`)])),
      ]),
    );
    const step = t.classMethod(
      "method",
      t.identifier("step"),
      [t.identifier("$v")],
      t.blockStatement([
        t.variableDeclaration("const", [t.variableDeclarator(t.identifier(this.frame), t.thisExpression())]),
        t.labeledStatement(
          t.identifier("$d"),
          t.forStatement(null, null, null, t.switchStatement(this.field("pc"), cases)),
        ),
      ]),
    );
    const rt = (k) => t.objectProperty(t.identifier(k[0]), t.identifier(k[1]));
    return t.blockStatement([
      t.variableDeclaration("const", [
        t.variableDeclarator(
          t.objectPattern([
            rt(["CompiledFrame", "$Frame"]),
            rt(["SUSPEND", "$S"]),
            rt(["suspend", "$suspend"]),
            ...(this.modeled ? [rt(["payEntry", "$pay"])] : []),
            rt(["callFrom", "$call"]),
            rt(["iterate", "$iter"]),
          ]),
          t.identifier("$rt"),
        ),
      ]),
      t.returnStatement(t.classExpression(t.identifier(name), t.identifier("$Frame"), t.classBody([ctor, step]))),
    ]);
  }
}
