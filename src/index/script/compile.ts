/**
 * The checker and compiler of the Painless subset (pure): a syntax tree becomes a tree of JS
 * closures, never source text for eval or new Function. Checking happens here, before anything
 * runs: unknown variables, types, functions and static methods, read-only variables, `break`
 * outside a loop and implicit narrowing between known types are compile errors with the offset of
 * the node at fault, as Painless reports them.
 *
 * Running is bounded: every loop iteration spends Painless's loop counter (the number of
 * statements in the loop body, at least one; 1,000,000 per execution, CompilerSettings
 * maxLoopCounter), and the clock is read every few hundred iterations against a deadline.
 * Reference: https://www.elastic.co/guide/en/elasticsearch/painless/current/painless-statements.html
 */
import { limits } from '../../common/limits.js';
import type { Expr, Literal, Program, Stmt } from './ast.js';
import { ScriptCompileError } from './lexer.js';
import { callMethod, callStatic, hasStaticMethod, iterate, staticField } from './methods.js';
import { constructibleClasses } from './parser.js';
import {
  JChar,
  JDouble,
  JFloat,
  JLambda,
  JavaArray,
  JavaFault,
  asBigInt,
  asBoolean,
  asNumber,
  classCast,
  convert,
  defaultValue,
  fault,
  isInstance,
  isObjectLike,
  javaClassName,
  javaEquals,
  javaString,
  makeDouble,
  makeFloat,
  mapKey,
  npe,
  numberOf,
  numericKind,
  promote,
  typeNames,
  type NumericKind,
  type ScriptObject,
  type Value,
} from './values.js';

/** What a script may name besides its locals: read-only variables and host functions (`emit`). */
export interface CompileEnvironment {
  readonly variables: readonly string[];
  readonly functions: Readonly<Record<string, readonly number[]>>;
}

/** One execution's state: locals, host variables and functions, budgets and the injected clock. */
export interface Frame {
  readonly locals: Value[];
  readonly variables: Readonly<Record<string, Value>>;
  readonly functions: Readonly<Record<string, (args: readonly Value[]) => Value>>;
  /** Shared by the frames of one execution (user function calls get frames of their own). */
  readonly budget: { loop: number; ticks: number; depth: number };
  readonly deadlineMs: number;
  readonly nowMs: () => number;
  readonly random: () => number;
  readonly stringCharsMax: number;
  returned: Value;
}

export interface CompiledProgram {
  readonly localCount: number;
  run(frame: Frame): Value;
}

type Eval = (frame: Frame) => Value;
/** 0: next statement, 1: break, 2: continue, 3: return. */
type Signal = 0 | 1 | 2 | 3;
type Exec = (frame: Frame) => Signal;

export const LOOP_LIMIT_MESSAGE = 'The maximum number of statements that can be executed in a loop has been reached.';
/** How many loop iterations pass between two clock reads. */
const CLOCK_CHECK_EVERY = 256;

interface Local {
  readonly slot: number;
  readonly type: string;
}

class Scope {
  private readonly names = new Map<string, Local>();
  constructor(readonly parent: Scope | undefined) {}
  lookup(name: string): Local | undefined {
    return this.names.get(name) ?? this.parent?.lookup(name);
  }
  declare(name: string, local: Local): void {
    this.names.set(name, local);
  }
}

/** A compiled user function: its own locals, parameters, body and return type. */
interface CompiledFunction {
  localCount: number;
  params: readonly Local[];
  returnType: string;
  body: Exec | undefined;
}

export function compileProgram(program: Program, environment: CompileEnvironment): CompiledProgram {
  // Signatures first, so functions may call each other (and themselves) whatever their order.
  const functions = new Map<string, CompiledFunction>();
  for (const declared of program.functions) {
    const key = `${declared.name}/${declared.params.length}`;
    if (functions.has(key)) throw new ScriptCompileError(declared.start, `illegal duplicate functions [${key}].`);
    functions.set(key, { localCount: 0, params: [], returnType: declared.returnType, body: undefined });
  }
  for (const declared of program.functions) {
    // A function sees its parameters and other functions, not the script's variables (Painless's are static).
    const compiler = new Compiler({ variables: [], functions: environment.functions }, functions);
    const scope = new Scope(undefined);
    if (declared.returnType !== 'void') compiler.checkDeclaredType(declared.returnType, declared.start);
    const params = declared.params.map((param) => {
      compiler.checkDeclaredType(param.declType, declared.start);
      return compiler.declareLocal(scope, param.name, param.declType, declared.start);
    });
    const body = compiler.statement(declared.body, scope, { loops: 0, last: false });
    const entry = functions.get(`${declared.name}/${declared.params.length}`)!;
    entry.params = params;
    entry.body = body;
    entry.localCount = compiler.slotCount;
  }
  const compiler = new Compiler(environment, functions);
  const root = new Scope(undefined);
  const body = program.body.map((statement, index) => compiler.statement(statement, root, { loops: 0, last: index === program.body.length - 1 }));
  const localCount = compiler.slotCount;
  return {
    localCount,
    run(frame: Frame): Value {
      frame.returned = null;
      for (const statement of body) {
        if (statement(frame) === 3) return frame.returned;
      }
      return frame.returned;
    },
  };
}

/** Attaches the node's offset to a Java exception raised inside it (the innermost node wins). */
function located<T extends Value | Signal>(node: { readonly start: number }, evaluate: (frame: Frame) => T): (frame: Frame) => T {
  return (frame) => {
    try {
      return evaluate(frame);
    } catch (error) {
      if (error instanceof JavaFault && error.offset === undefined) error.offset = node.start;
      throw error;
    }
  };
}

function spendLoop(frame: Frame, statements: number): void {
  const budget = frame.budget;
  budget.loop -= statements;
  if (budget.loop < 0) throw fault('painless_error', LOOP_LIMIT_MESSAGE);
  if (++budget.ticks % CLOCK_CHECK_EVERY === 0 && frame.nowMs() > frame.deadlineMs) {
    throw fault('painless_error', 'The script ran longer than its time budget and was stopped.');
  }
}

/** Statements a loop body holds (Painless charges the loop counter this much per iteration). */
function statementCount(statement: Stmt): number {
  if (statement.type === 'block') return Math.max(1, statement.body.length);
  return 1;
}

const messageType = (type: string): string => typeNames.get(type.replace(/\[\]$/, '')) ?? type;

class Compiler {
  slotCount = 0;
  constructor(
    private readonly environment: CompileEnvironment,
    private readonly userFunctions: ReadonlyMap<string, CompiledFunction> = new Map(),
  ) {}

  checkDeclaredType(type: string, offset: number): void {
    this.checkType(type, offset);
  }

  declareLocal(scope: Scope, name: string, type: string, offset: number): Local {
    return this.declare(scope, name, type, offset);
  }

  private declare(scope: Scope, name: string, type: string, offset: number): Local {
    if (scope.lookup(name) !== undefined || this.environment.variables.includes(name)) {
      throw new ScriptCompileError(offset, `variable [${name}] is already defined`);
    }
    const local = { slot: this.slotCount++, type };
    scope.declare(name, local);
    return local;
  }

  // ------------------------------------------------------------ statements

  statement(statement: Stmt, scope: Scope, context: { loops: number; last: boolean }): Exec {
    const exec = this.statementOf(statement, scope, context);
    if (statement.type !== 'while' && statement.type !== 'doWhile' && statement.type !== 'for' && statement.type !== 'forEach') return exec;
    // The loop counter and the clock fail at the loop itself, as Painless's counter check does.
    return located(statement, exec);
  }

  private statementOf(statement: Stmt, scope: Scope, context: { loops: number; last: boolean }): Exec {
    switch (statement.type) {
      case 'empty':
        return () => 0;
      case 'expr': {
        const expr = statement.expr;
        const effectful = expr.type === 'assign' || expr.type === 'update' || expr.type === 'call' || expr.type === 'static' || expr.type === 'function' || expr.type === 'new';
        if (!effectful && !context.last) throw new ScriptCompileError(expr.start, 'not a statement: result not used');
        const evaluate = this.expression(expr, scope);
        if (context.last && context.loops === 0) {
          // The last statement of a script is its value (Painless's implicit return).
          return (frame) => {
            frame.returned = evaluate(frame);
            return 0;
          };
        }
        return (frame) => {
          evaluate(frame);
          return 0;
        };
      }
      case 'declare': {
        const parts = statement.names.map((declared) => {
          this.checkType(statement.declType, statement.start);
          const init = declared.init === undefined ? undefined : this.expression(declared.init, scope);
          if (declared.init !== undefined) this.checkAssignable(this.staticType(declared.init, scope), statement.declType, declared.init.start);
          const local = this.declare(scope, declared.name, statement.declType, declared.start);
          const type = statement.declType;
          const initial = defaultValue(type);
          return init === undefined
            ? (frame: Frame) => {
                frame.locals[local.slot] = initial;
              }
            : located(declared.init!, (frame: Frame) => {
                // A failed implicit cast points at the value, as Painless's does.
                frame.locals[local.slot] = convert(init(frame), type, false);
                return null;
              });
        });
        return (frame) => {
          for (const part of parts) part(frame);
          return 0;
        };
      }
      case 'block': {
        const inner = new Scope(scope);
        const body = statement.body.map((child, index) => this.statement(child, inner, { loops: context.loops, last: context.last && index === statement.body.length - 1 }));
        return (frame) => {
          for (const child of body) {
            const signal = child(frame);
            if (signal !== 0) return signal;
          }
          return 0;
        };
      }
      case 'if': {
        const test = this.condition(statement.test, scope);
        // An if that ends the script ends it in either branch: Painless's implicit return reaches into both.
        const then = this.statement(statement.then, new Scope(scope), context);
        const otherwise = statement.otherwise === undefined ? undefined : this.statement(statement.otherwise, new Scope(scope), context);
        return (frame) => (test(frame) ? then(frame) : otherwise === undefined ? 0 : otherwise(frame));
      }
      case 'while': {
        checkLoopEscapes(statement.test, statement.body, 'while', statement.start);
        const test = this.condition(statement.test, scope);
        const body = this.statement(statement.body, new Scope(scope), { loops: context.loops + 1, last: false });
        const cost = statementCount(statement.body);
        return (frame) => {
          while (test(frame)) {
            spendLoop(frame, cost);
            const signal = body(frame);
            if (signal === 1) break;
            if (signal === 3) return 3;
          }
          return 0;
        };
      }
      case 'doWhile': {
        checkLoopEscapes(statement.test, statement.body, 'do while', statement.start);
        const body = this.statement(statement.body, new Scope(scope), { loops: context.loops + 1, last: false });
        const test = this.condition(statement.test, scope);
        const cost = statementCount(statement.body);
        return (frame) => {
          do {
            spendLoop(frame, cost);
            const signal = body(frame);
            if (signal === 1) break;
            if (signal === 3) return 3;
          } while (test(frame));
          return 0;
        };
      }
      case 'for': {
        checkLoopEscapes(statement.test, statement.body, 'for', statement.start);
        const inner = new Scope(scope);
        const init = statement.init === undefined ? undefined : this.statement(statement.init, inner, { loops: context.loops, last: false });
        const test = statement.test === undefined ? undefined : this.condition(statement.test, inner);
        const updates = statement.update.map((expr) => this.expression(expr, inner));
        const body = this.statement(statement.body, new Scope(inner), { loops: context.loops + 1, last: false });
        const cost = statementCount(statement.body);
        return (frame) => {
          if (init !== undefined) init(frame);
          for (;;) {
            if (test !== undefined && !test(frame)) break;
            spendLoop(frame, cost);
            const signal = body(frame);
            if (signal === 1) break;
            if (signal === 3) return 3;
            for (const update of updates) update(frame);
          }
          return 0;
        };
      }
      case 'forEach': {
        const iterable = located(statement.iterable, this.expression(statement.iterable, scope));
        const inner = new Scope(scope);
        this.checkType(statement.declType, statement.start);
        const local = this.declare(inner, statement.name, statement.declType, statement.start);
        const body = this.statement(statement.body, new Scope(inner), { loops: context.loops + 1, last: false });
        const cost = statementCount(statement.body);
        const type = statement.declType;
        const items = located(statement.iterable, (frame) => [...iterate(iterable(frame))]);
        return (frame) => {
          for (const item of items(frame) as Value[]) {
            spendLoop(frame, cost);
            frame.locals[local.slot] = convert(item, type, false);
            const signal = body(frame);
            if (signal === 1) break;
            if (signal === 3) return 3;
          }
          return 0;
        };
      }
      case 'break':
      case 'continue': {
        if (context.loops === 0) throw new ScriptCompileError(statement.start, `invalid ${statement.type} statement: not inside a loop`);
        const signal: Signal = statement.type === 'break' ? 1 : 2;
        return () => signal;
      }
      case 'return': {
        const value = statement.value === undefined ? undefined : this.expression(statement.value, scope);
        return (frame) => {
          frame.returned = value === undefined ? null : value(frame);
          return 3;
        };
      }
    }
  }

  private condition(expr: Expr, scope: Scope): (frame: Frame) => boolean {
    const type = this.staticType(expr, scope);
    if (type !== 'def' && type !== 'boolean' && type !== 'Boolean') throw new ScriptCompileError(expr.start, `Cannot cast from [${messageType(type)}] to [boolean].`);
    const evaluate = located(expr, this.expression(expr, scope));
    return (frame) => asBoolean(evaluate(frame));
  }

  private checkType(type: string, offset: number): void {
    if (!typeNames.has(type.replace(/(\[\])+$/, ''))) throw new ScriptCompileError(offset, `cannot resolve type [${type}]`);
  }

  /** Implicit conversions between statically known types (def is checked when it runs). */
  private checkAssignable(from: string, to: string, offset: number): void {
    if (from === 'def' || to === 'def' || to === 'Object' || from === to) return;
    const numeric = ['int', 'long', 'float', 'double'];
    if (numeric.includes(from) && numeric.includes(to)) {
      if (numeric.indexOf(from) <= numeric.indexOf(to)) return;
    } else if (from === 'null') {
      if (!numeric.includes(to) && to !== 'boolean' && to !== 'char' && to !== 'short' && to !== 'byte') return;
    } else if (from === 'ArrayList' && (to === 'List' || to === 'Collection')) return;
    else if (from === 'HashMap' && to === 'Map') return;
    else if (from === 'String' && to === 'CharSequence') return;
    else if (!['int', 'long', 'float', 'double', 'boolean', 'String', 'ArrayList', 'HashMap'].includes(from)) return;
    throw new ScriptCompileError(offset, `Cannot cast from [${messageType(from)}] to [${messageType(to)}].`);
  }

  /** The static type of an expression where it is evident, else `def`. */
  private staticType(expr: Expr, scope: Scope): string {
    switch (expr.type) {
      case 'literal':
        return literalType(expr.literal);
      case 'variable':
        return scope.lookup(expr.name)?.type ?? 'def';
      case 'cast':
        return expr.to;
      case 'list':
        return 'ArrayList';
      case 'map':
        return 'HashMap';
      case 'instanceof':
      case 'logical':
        return 'boolean';
      case 'unary':
        return expr.op === '!' ? 'boolean' : this.staticType(expr.operand, scope);
      case 'binary': {
        if (['==', '!=', '===', '!==', '<', '<=', '>', '>='].includes(expr.op)) return 'boolean';
        const left = this.staticType(expr.left, scope);
        const right = this.staticType(expr.right, scope);
        if (expr.op === '+' && (left === 'String' || right === 'String')) return 'String';
        const numeric = ['int', 'long', 'float', 'double'];
        if (numeric.includes(left) && numeric.includes(right) && ['+', '-', '*', '/', '%'].includes(expr.op)) return promote(left as NumericKind, right as NumericKind);
        return 'def';
      }
      default:
        return 'def';
    }
  }

  // ------------------------------------------------------------ expressions

  expression(expr: Expr, scope: Scope): Eval {
    switch (expr.type) {
      case 'literal': {
        const literal = expr.literal;
        if (literal.kind === 'double') {
          const value = makeDouble(literal.value);
          return () => value;
        }
        if (literal.kind === 'float') {
          const value = makeFloat(literal.value);
          return () => value;
        }
        const value: Value = literal.kind === 'null' ? null : literal.value;
        return () => value;
      }
      case 'variable': {
        const local = scope.lookup(expr.name);
        if (local !== undefined) {
          const slot = local.slot;
          return (frame) => frame.locals[slot]!;
        }
        if (this.environment.variables.includes(expr.name)) {
          const name = expr.name;
          return (frame) => frame.variables[name] ?? null;
        }
        throw new ScriptCompileError(expr.start, `cannot resolve symbol [${expr.name}]`);
      }
      case 'field': {
        const target = this.expression(expr.target, scope);
        const name = expr.name;
        const nullSafe = expr.nullSafe;
        return located(expr, (frame) => {
          const value = target(frame);
          if (value === null) {
            if (nullSafe) return null;
            throw npe(`cannot access method/field [${name}] from a null def reference`);
          }
          return getField(value, name);
        });
      }
      case 'index': {
        const target = this.expression(expr.target, scope);
        const index = this.expression(expr.index, scope);
        return located(expr, (frame) => getIndex(target(frame), index(frame)));
      }
      case 'call': {
        const target = this.expression(expr.target, scope);
        const args = expr.args.map((arg) => this.expression(arg, scope));
        const { name, nullSafe } = expr;
        return located(expr, (frame) => {
          const value = target(frame);
          const values = args.map((arg) => arg(frame));
          if (value === null) {
            if (nullSafe) return null;
            throw npe(`cannot access method/field [${name}] from a null def reference`);
          }
          const result = callMethod(value, name, values);
          if (typeof result === 'string' && result.length > frame.stringCharsMax) throw stringTooLong(result.length, frame.stringCharsMax);
          return result;
        });
      }
      case 'static': {
        const { className, name } = expr;
        if (expr.args === undefined) {
          const value = staticField(className, name);
          if (value === undefined) throw new ScriptCompileError(expr.start, `cannot resolve symbol [${className}.${name}]`);
          return () => value;
        }
        if (className === 'System' && name === 'currentTimeMillis' && expr.args.length === 0) {
          // The clock the caller passed: the node's wall clock.
          return (frame) => BigInt(Math.trunc(frame.nowMs()));
        }
        if (!hasStaticMethod(className, name, expr.args.length)) {
          throw new ScriptCompileError(expr.start, `unknown static method [${name}] with [${expr.args.length}] arguments for class [${className}].`);
        }
        const args = expr.args.map((arg) => this.expression(arg, scope));
        return located(expr, (frame) => callStatic(className, name, args.map((arg) => arg(frame)), frame.random));
      }
      case 'function': {
        const user = this.userFunctions.get(`${expr.name}/${expr.args.length}`);
        if (user !== undefined) {
          const args = expr.args.map((arg) => this.expression(arg, scope));
          return located(expr, (frame) => callUserFunction(user, args.map((arg) => arg(frame)), frame));
        }
        const arities = this.environment.functions[expr.name];
        if (arities === undefined || !arities.includes(expr.args.length)) {
          throw new ScriptCompileError(expr.start, `Unknown call [${expr.name}] with [${expr.args.length}] arguments.`);
        }
        const args = expr.args.map((arg) => this.expression(arg, scope));
        const name = expr.name;
        return located(expr, (frame) => frame.functions[name]!(args.map((arg) => arg(frame))));
      }
      case 'new': {
        if (!constructibleClasses.has(expr.className)) throw new ScriptCompileError(expr.start, `cannot resolve type [${expr.className}]`);
        const args = expr.args.map((arg) => this.expression(arg, scope));
        const className = expr.className;
        if (args.length > 1) throw new ScriptCompileError(expr.start, `constructor [${className}, <init>/${args.length}] not found`);
        return located(expr, (frame) => construct(className, args.length === 0 ? undefined : args[0]!(frame)));
      }
      case 'newArray': {
        const elementType = expr.elementType;
        this.checkType(elementType, expr.start);
        if (expr.size !== undefined) {
          const size = this.expression(expr.size, scope);
          return located(expr, (frame) => {
            const length = size(frame);
            if (typeof length !== 'number') throw classCast(length, 'java.lang.Integer');
            if (length < 0) throw fault('negative_array_size_exception', `-${-length}`);
            if (length > limits.scriptCollectionItemsMax) throw fault('painless_error', `The script built a collection of [${length}] items, more than the [${limits.scriptCollectionItemsMax}] Strait allows.`);
            return new JavaArray(elementType, new Array<Value>(length).fill(defaultValue(elementType)));
          });
        }
        const items = (expr.items ?? []).map((item) => this.expression(item, scope));
        return located(expr, (frame) => new JavaArray(elementType, items.map((item) => convert(item(frame), elementType, false))));
      }
      case 'list': {
        const items = expr.items.map((item) => this.expression(item, scope));
        return (frame) => items.map((item) => item(frame));
      }
      case 'map': {
        const entries = expr.entries.map(([key, value]) => [this.expression(key, scope), this.expression(value, scope)] as const);
        return (frame) => {
          const map = new Map<unknown, Value>();
          for (const [key, value] of entries) map.set(mapKey(key(frame)), value(frame));
          return map;
        };
      }
      case 'unary': {
        const operand = this.expression(expr.operand, scope);
        const op = expr.op;
        return located(expr, (frame) => unary(op, operand(frame)));
      }
      case 'binary': {
        const left = this.expression(expr.left, scope);
        const right = this.expression(expr.right, scope);
        const op = expr.op;
        return located(expr, (frame) => {
          const result = binary(op, left(frame), right(frame));
          if (typeof result === 'string' && result.length > frame.stringCharsMax) throw stringTooLong(result.length, frame.stringCharsMax);
          return result;
        });
      }
      case 'logical': {
        const left = this.condition(expr.left, scope);
        const right = this.condition(expr.right, scope);
        return expr.op === '&&' ? (frame) => left(frame) && right(frame) : (frame) => left(frame) || right(frame);
      }
      case 'conditional': {
        const test = this.condition(expr.test, scope);
        const then = this.expression(expr.then, scope);
        const otherwise = this.expression(expr.otherwise, scope);
        return (frame) => (test(frame) ? then(frame) : otherwise(frame));
      }
      case 'elvis': {
        const left = this.expression(expr.left, scope);
        const right = this.expression(expr.right, scope);
        return (frame) => {
          const value = left(frame);
          return value === null ? right(frame) : value;
        };
      }
      case 'instanceof': {
        const operand = this.expression(expr.operand, scope);
        const test = expr.test;
        return (frame) => isInstance(operand(frame), test);
      }
      case 'cast': {
        this.checkType(expr.to, expr.start);
        const operand = this.expression(expr.operand, scope);
        const to = expr.to;
        return located(expr, (frame) => convert(operand(frame), to, true));
      }
      case 'assign':
        return this.assignment(expr, scope);
      case 'lambda':
        return this.lambda(expr, scope);
      case 'update': {
        const one: Expr = { type: 'literal', literal: { kind: 'int', value: 1 }, start: expr.start, end: expr.end };
        const op = expr.op === '++' ? '+=' : '-=';
        const assign = this.assignment({ type: 'assign', op, target: expr.target, value: one, start: expr.start, end: expr.end }, scope, !expr.prefix);
        return assign;
      }
    }
  }

  /**
   * A lambda: its parameters are locals of this execution's frame (lambdas run while the script
   * runs, never after), its body an expression or a block whose `return` gives its value. Each
   * call spends the loop counter, as the methods that take lambdas loop over their items.
   */
  private lambda(expr: Expr & { type: 'lambda' }, scope: Scope): Eval {
    const inner = new Scope(scope);
    const locals = expr.params.map((param) => {
      this.checkType(param.declType, expr.start);
      return this.declare(inner, param.name, param.declType, expr.start);
    });
    const arity = locals.length;
    const body = expr.body;
    let run: (frame: Frame) => Value;
    if (body.type === 'block') {
      const exec = this.statement(body as Stmt, inner, { loops: 0, last: false });
      run = (frame) => {
        const saved = frame.returned;
        frame.returned = null;
        try {
          exec(frame);
          return frame.returned;
        } finally {
          frame.returned = saved;
        }
      };
    } else run = this.expression(body as Expr, inner);
    return (frame) =>
      new JLambda(arity, (args) => {
        spendLoop(frame, 1);
        if (args.length !== arity) throw fault('illegal_argument_exception', `a lambda of [${arity}] parameters was called with [${args.length}] arguments`);
        locals.forEach((local, index) => {
          frame.locals[local.slot] = convert(args[index]!, local.type, false);
        });
        return run(frame);
      });
  }

  /**
   * `=` and the compound assignments (also `++`/`--`, as `+= 1`). A compound result is cast back
   * to a typed local's type, as Java's compound assignment does; `postfix` yields the old value.
   */
  private assignment(expr: Expr & { type: 'assign' }, scope: Scope, postfix = false): Eval {
    const value = this.expression(expr.value, scope);
    const op = expr.op === '=' ? undefined : expr.op.slice(0, -1);
    const combine = (old: Value, given: Value): Value => (op === undefined ? given : binary(op, old, given));
    const target = expr.target;
    if (target.type === 'variable') {
      const local = scope.lookup(target.name);
      if (local === undefined) {
        if (this.environment.variables.includes(target.name)) throw new ScriptCompileError(target.start, `invalid assignment: cannot assign a value to read-only variable [${target.name}]`);
        throw new ScriptCompileError(target.start, `cannot resolve symbol [${target.name}]`);
      }
      if (op === undefined) this.checkAssignable(this.staticType(expr.value, scope), local.type, expr.value.start);
      const { slot, type } = local;
      return located(expr, (frame) => {
        const old = frame.locals[slot]!;
        const result = op === undefined ? convert(value(frame), type, false) : convert(combine(old, value(frame)), type, true);
        frame.locals[slot] = result;
        return postfix ? old : result;
      });
    }
    if (target.type === 'field') {
      const object = this.expression(target.target, scope);
      const name = target.name;
      return located(expr, (frame) => {
        const holder = object(frame);
        if (holder === null) {
          if (target.nullSafe) return null;
          throw npe(`cannot access method/field [${name}] from a null def reference`);
        }
        const old = op === undefined && !postfix ? null : getField(holder, name);
        const result = combine(old, value(frame));
        setField(holder, name, result);
        return postfix ? old : result;
      });
    }
    if (target.type === 'index') {
      const object = this.expression(target.target, scope);
      const index = this.expression(target.index, scope);
      return located(expr, (frame) => {
        const holder = object(frame);
        const key = index(frame);
        const old = op === undefined && !postfix ? null : getIndex(holder, key);
        const result = combine(old, value(frame));
        setIndex(holder, key, result);
        return postfix ? old : result;
      });
    }
    throw new ScriptCompileError(target.start, 'invalid assignment: cannot assign a value to this expression');
  }
}

/**
 * Painless refuses at compile time a loop whose condition is the constant `true` (or absent, in a
 * `for`) with no `break` or `return` in its body, and one whose condition is the constant `false`.
 */
function checkLoopEscapes(test: Expr | undefined, body: Stmt, kind: string, offset: number): void {
  const constant = test === undefined ? true : test.type === 'literal' && test.literal.kind === 'boolean' ? test.literal.value : undefined;
  if (constant === false && kind !== 'do while') throw new ScriptCompileError(offset, `extraneous ${kind} loop`);
  if (constant === true && !escapes(body, true)) throw new ScriptCompileError(offset, `no paths escape from ${kind} loop`);
}

/** Whether a statement can leave the loop around it: a `return`, or a `break` not inside an inner loop. */
function escapes(statement: Stmt, breakCounts: boolean): boolean {
  switch (statement.type) {
    case 'return':
      return true;
    case 'break':
      return breakCounts;
    case 'block':
      return statement.body.some((child) => escapes(child, breakCounts));
    case 'if':
      return escapes(statement.then, breakCounts) || (statement.otherwise !== undefined && escapes(statement.otherwise, breakCounts));
    case 'while':
    case 'doWhile':
    case 'for':
    case 'forEach':
      return escapes(statement.body, false);
    default:
      return false;
  }
}

/**
 * Calls a user function in a frame of its own (recursion has its own locals), sharing the
 * execution's budget: each call spends the loop counter, so no recursion outlives it, and calls
 * nest at most `limits.scriptCallDepthMax` deep.
 */
function callUserFunction(fn: CompiledFunction, args: readonly Value[], frame: Frame): Value {
  spendLoop(frame, 1);
  const budget = frame.budget;
  if (budget.depth >= limits.scriptCallDepthMax) throw fault('painless_error', `The script's function calls nest deeper than [${limits.scriptCallDepthMax}].`);
  const callee: Frame = { ...frame, locals: new Array<Value>(fn.localCount).fill(null), returned: null };
  fn.params.forEach((param, index) => {
    callee.locals[param.slot] = convert(args[index]!, param.type, false);
  });
  budget.depth++;
  try {
    fn.body!(callee);
  } finally {
    budget.depth--;
  }
  return fn.returnType === 'void' ? null : convert(callee.returned, fn.returnType, false);
}

function literalType(literal: Literal): string {
  switch (literal.kind) {
    case 'string':
      return 'String';
    case 'null':
      return 'null';
    default:
      return literal.kind;
  }
}

const stringTooLong = (length: number, max: number): JavaFault =>
  fault('painless_error', `The script built a string of [${length}] characters, more than the [${max}] Strait allows.`);

function construct(className: string, arg: Value | undefined): Value {
  switch (className) {
    case 'ArrayList':
      return arg === undefined || typeof arg === 'number' ? [] : [...iterate(arg)];
    case 'HashMap':
    case 'LinkedHashMap':
      if (arg instanceof Map) return new Map(arg);
      return new Map();
    case 'String':
      return arg === undefined ? '' : javaString(arg);
    case 'StringBuilder':
      return stringBuilder(arg === undefined || typeof arg === 'number' ? '' : javaString(arg));
    default:
      throw fault('illegal_argument_exception', `cannot resolve type [${className}]`);
  }
}

/** java.lang.StringBuilder: append, insert, reverse, length, setLength, toString; bounded like strings. */
function stringBuilder(initial: string): ScriptObject {
  let text = initial;
  const self: ScriptObject = {
    javaType: 'java.lang.StringBuilder',
    call(name, args) {
      switch (`${name}/${args.length}`) {
        case 'append/1':
          text += javaString(args[0]!);
          if (text.length > limits.scriptStringCharsMax) throw stringTooLong(text.length, limits.scriptStringCharsMax);
          return self;
        case 'insert/2': {
          const offset = args[0];
          if (typeof offset !== 'number' || offset < 0 || offset > text.length) throw fault('string_index_out_of_bounds_exception', `offset ${String(offset)}, length ${text.length}`);
          text = text.slice(0, offset) + javaString(args[1]!) + text.slice(offset);
          if (text.length > limits.scriptStringCharsMax) throw stringTooLong(text.length, limits.scriptStringCharsMax);
          return self;
        }
        case 'reverse/0':
          text = [...text].reverse().join('');
          return self;
        case 'length/0':
          return text.length;
        case 'setLength/1': {
          const length = args[0];
          if (typeof length !== 'number' || length < 0) throw fault('string_index_out_of_bounds_exception', `String index out of range: ${String(length)}`);
          text = length <= text.length ? text.slice(0, length) : text + '\u0000'.repeat(Math.min(length, limits.scriptStringCharsMax) - text.length);
          return null;
        }
        case 'toString/0':
        case 'toJson/0':
          return text;
      }
      throw fault('illegal_argument_exception', `dynamic method [java.lang.StringBuilder, ${name}/${args.length}] not found`);
    },
  };
  return self;
}

/** `value.name`: a map's key, an array's length, a host object's field. */
function getField(value: Value, name: string): Value {
  if (value instanceof Map) return value.get(name) ?? null;
  if (value instanceof JavaArray && name === 'length') return value.items.length;
  if (isObjectLike(value)) {
    if (value.field !== undefined) {
      try {
        return value.field(name);
      } catch (error) {
        if (!(error instanceof JavaFault) || !error.message.startsWith('dynamic getter') || value.call === undefined) throw error;
      }
    }
    // Painless reads `x.dayOfWeekEnum` as `x.getDayOfWeekEnum()` (and `x.empty` as `x.isEmpty()`).
    if (value.call !== undefined) {
      const suffix = name.charAt(0).toUpperCase() + name.slice(1);
      for (const getter of [`get${suffix}`, `is${suffix}`]) {
        try {
          return value.call(getter, []);
        } catch (error) {
          if (!(error instanceof JavaFault) || !error.message.startsWith('dynamic method')) throw error;
        }
      }
    }
  }
  if (Array.isArray(value) && /^\d+$/.test(name)) return getIndex(value, Number(name));
  throw fault('illegal_argument_exception', `dynamic getter [${javaClassName(value)}, ${name}] not found`);
}

function setField(holder: Value, name: string, value: Value): void {
  if (holder instanceof Map) {
    holder.set(name, value);
    if (holder.size > limits.scriptCollectionItemsMax) throw fault('painless_error', `The script built a collection of [${holder.size}] items, more than the [${limits.scriptCollectionItemsMax}] Strait allows.`);
    return;
  }
  if (isObjectLike(holder) && holder.setField !== undefined) {
    holder.setField(name, value);
    return;
  }
  throw fault('illegal_argument_exception', `dynamic setter [${javaClassName(holder)}, ${name}] not found`);
}

/** Painless's list and array shortcut allows a negative index from the end. */
function listPosition(length: number, key: Value): number {
  if (typeof key !== 'number') throw classCast(key, 'java.lang.Integer');
  const index = key < 0 ? length + key : key;
  if (index < 0 || index >= length) throw fault(`index_out_of_bounds_exception`, `Index ${key} out of bounds for length ${length}`);
  return index;
}

function getIndex(holder: Value, key: Value): Value {
  if (holder === null) throw npe('Cannot load from a null reference');
  if (holder instanceof Map) return holder.get(mapKey(key)) ?? null;
  if (Array.isArray(holder)) return holder[listPosition(holder.length, key)]!;
  if (holder instanceof JavaArray) {
    try {
      return holder.items[listPosition(holder.items.length, key)]!;
    } catch (error) {
      throw error instanceof JavaFault && error.esType === 'index_out_of_bounds_exception' ? fault('array_index_out_of_bounds_exception', error.message) : error;
    }
  }
  if (isObjectLike(holder) && holder.call !== undefined) return holder.call('get', [key]);
  throw fault('illegal_argument_exception', `Attempting to address a non-array-like type [${javaClassName(holder)}] as an array.`);
}

function setIndex(holder: Value, key: Value, value: Value): void {
  if (holder === null) throw npe('Cannot store to a null reference');
  if (holder instanceof Map) {
    holder.set(mapKey(key), value);
    if (holder.size > limits.scriptCollectionItemsMax) throw fault('painless_error', `The script built a collection of [${holder.size}] items, more than the [${limits.scriptCollectionItemsMax}] Strait allows.`);
  } else if (Array.isArray(holder)) holder[listPosition(holder.length, key)] = value;
  else if (holder instanceof JavaArray) holder.items[listPosition(holder.items.length, key)] = convert(value, holder.elementType, false);
  else if (isObjectLike(holder) && holder.call !== undefined) holder.call('put', [key, value]);
  else throw fault('illegal_argument_exception', `Attempting to address a non-array-like type [${javaClassName(holder)}] as an array.`);
}

// ---------------------------------------------------------------- operators

function unary(op: '!' | '-' | '+' | '~', value: Value): Value {
  if (op === '!') return !asBoolean(value);
  const kind = numericKind(value);
  if (kind === undefined) throw fault('class_cast_exception', `Cannot apply [${op}] operation to type [${javaClassName(value)}].`);
  const promoted = value instanceof JChar ? value.c.charCodeAt(0) : value;
  if (op === '+') return promoted;
  if (op === '~') {
    if (kind === 'int') return ~(promoted as number);
    if (kind === 'long') return BigInt.asIntN(64, ~(promoted as bigint));
    throw fault('class_cast_exception', `Cannot apply [~] operation to type [${javaClassName(value)}].`);
  }
  if (kind === 'int') return -(promoted as number) | 0;
  if (kind === 'long') return BigInt.asIntN(64, -(promoted as bigint));
  return numberOf(kind, -asNumber(promoted));
}

const badOperands = (op: string, left: Value, right: Value): JavaFault =>
  fault('class_cast_exception', `Cannot apply [${op}] operation to types [${javaClassName(left)}] and [${javaClassName(right)}].`);

/** Java's binary operators with Painless's def semantics. */
export function binary(op: string, left: Value, right: Value): Value {
  switch (op) {
    case '==':
      return javaEquals(left, right);
    case '!=':
      return !javaEquals(left, right);
    case '===':
      return identical(left, right);
    case '!==':
      return !identical(left, right);
  }
  if (op === '+' && (typeof left === 'string' || typeof right === 'string')) return javaString(left) + javaString(right);
  if ((op === '&' || op === '|' || op === '^') && typeof left === 'boolean' && typeof right === 'boolean') {
    return op === '&' ? left && right : op === '|' ? left || right : left !== right;
  }
  const leftKind = numericKind(left);
  const rightKind = numericKind(right);
  if (leftKind === undefined || rightKind === undefined) {
    if (left === null || right === null) throw npe(`Cannot apply [${op}] to a null value`);
    throw badOperands(op, left, right);
  }
  if (op === '<<' || op === '>>' || op === '>>>') return shift(op, left, leftKind, right);
  const kind = promote(leftKind, rightKind);
  switch (op) {
    case '<':
    case '<=':
    case '>':
    case '>=': {
      const order = kind === 'int' || kind === 'long' ? compareBig(asBigInt(left), asBigInt(right)) : compareNumber(asNumber(left), asNumber(right));
      if (order === undefined) return false; // NaN compares false both ways
      return op === '<' ? order < 0 : op === '<=' ? order <= 0 : op === '>' ? order > 0 : order >= 0;
    }
  }
  if (kind === 'int') {
    const a = asNumber(left);
    const b = asNumber(right);
    switch (op) {
      case '+':
        return (a + b) | 0;
      case '-':
        return (a - b) | 0;
      case '*':
        return Math.imul(a, b);
      case '/':
        if (b === 0) throw fault('arithmetic_exception', '/ by zero');
        return (a / b) | 0;
      case '%':
        if (b === 0) throw fault('arithmetic_exception', '/ by zero');
        return a % b | 0;
      case '&':
        return a & b;
      case '|':
        return a | b;
      case '^':
        return a ^ b;
    }
  } else if (kind === 'long') {
    const a = asBigInt(left);
    const b = asBigInt(right);
    switch (op) {
      case '+':
        return BigInt.asIntN(64, a + b);
      case '-':
        return BigInt.asIntN(64, a - b);
      case '*':
        return BigInt.asIntN(64, a * b);
      case '/':
        if (b === 0n) throw fault('arithmetic_exception', '/ by zero');
        return BigInt.asIntN(64, a / b);
      case '%':
        if (b === 0n) throw fault('arithmetic_exception', '/ by zero');
        return a % b;
      case '&':
        return a & b;
      case '|':
        return a | b;
      case '^':
        return a ^ b;
    }
  } else {
    const a = asNumber(left);
    const b = asNumber(right);
    const make = kind === 'float' ? makeFloat : makeDouble;
    switch (op) {
      case '+':
        return make(a + b);
      case '-':
        return make(a - b);
      case '*':
        return make(a * b);
      case '/':
        return make(a / b);
      case '%':
        return make(a % b);
    }
  }
  throw badOperands(op, left, right);
}

function shift(op: string, left: Value, kind: NumericKind, right: Value): Value {
  const count = asBigInt(right);
  if (kind === 'int') {
    const a = asNumber(left);
    const n = Number(count & 31n);
    return op === '<<' ? a << n : op === '>>' ? a >> n : (a >>> n) | 0;
  }
  if (kind === 'long') {
    const a = left as bigint;
    const n = count & 63n;
    if (op === '<<') return BigInt.asIntN(64, a << n);
    if (op === '>>') return a >> n;
    return BigInt.asIntN(64, BigInt.asUintN(64, a) >> n);
  }
  throw fault('class_cast_exception', `Cannot apply [${op}] operation to type [${javaClassName(left)}].`);
}

function compareBig(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareNumber(a: number, b: number): number | undefined {
  if (Number.isNaN(a) || Number.isNaN(b)) return undefined;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `===`: reference identity; values without identity in JS (numbers, strings) compare by kind and value. */
function identical(left: Value, right: Value): boolean {
  if (left instanceof JDouble || left instanceof JFloat) return (right instanceof JDouble || right instanceof JFloat) && left.constructor === right.constructor && left.v === right.v;
  if (left instanceof JChar) return right instanceof JChar && left.c === right.c;
  return left === right;
}

// Re-exported for the unit tests of the operators.
export { asNumber, asBigInt };
