/**
 * The Painless subset's syntax tree (frozen, P7). Every node carries its source offsets, so
 * compile and run-time errors point where Elasticsearch's `position` points.
 */

export interface Span {
  readonly start: number;
  readonly end: number;
}

export type Literal =
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'long'; readonly value: bigint }
  | { readonly kind: 'double'; readonly value: number }
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'boolean'; readonly value: boolean }
  | { readonly kind: 'null' };

export type Expr = Span &
  (
    | { readonly type: 'literal'; readonly literal: Literal }
    | { readonly type: 'variable'; readonly name: string }
    | { readonly type: 'field'; readonly target: Expr; readonly name: string; readonly nullSafe: boolean }
    | { readonly type: 'index'; readonly target: Expr; readonly index: Expr }
    | { readonly type: 'call'; readonly target: Expr; readonly name: string; readonly args: readonly Expr[]; readonly nullSafe: boolean }
    | { readonly type: 'static'; readonly className: string; readonly name: string; /** undefined for a static field (`Math.PI`). */ readonly args: readonly Expr[] | undefined }
    | { readonly type: 'function'; readonly name: string; readonly args: readonly Expr[] }
    | { readonly type: 'new'; readonly className: string; readonly args: readonly Expr[] }
    | { readonly type: 'newArray'; readonly elementType: string; readonly size: Expr | undefined; readonly items: readonly Expr[] | undefined }
    | { readonly type: 'list'; readonly items: readonly Expr[] }
    | { readonly type: 'map'; readonly entries: readonly (readonly [Expr, Expr])[] }
    | { readonly type: 'unary'; readonly op: '!' | '-' | '+' | '~'; readonly operand: Expr }
    | { readonly type: 'binary'; readonly op: string; readonly left: Expr; readonly right: Expr }
    | { readonly type: 'logical'; readonly op: '&&' | '||'; readonly left: Expr; readonly right: Expr }
    | { readonly type: 'conditional'; readonly test: Expr; readonly then: Expr; readonly otherwise: Expr }
    | { readonly type: 'elvis'; readonly left: Expr; readonly right: Expr }
    | { readonly type: 'assign'; readonly op: string; readonly target: Expr; readonly value: Expr }
    | { readonly type: 'update'; readonly op: '++' | '--'; readonly prefix: boolean; readonly target: Expr }
    | { readonly type: 'cast'; readonly to: string; readonly operand: Expr }
    | { readonly type: 'instanceof'; readonly operand: Expr; readonly test: string }
    | { readonly type: 'lambda'; readonly params: readonly { readonly name: string; readonly declType: string }[]; readonly body: Expr | Stmt }
  );

export type Stmt = Span &
  (
    | { readonly type: 'expr'; readonly expr: Expr }
    | { readonly type: 'declare'; readonly declType: string; readonly names: readonly { readonly name: string; readonly init: Expr | undefined; readonly start: number; readonly end: number }[] }
    | { readonly type: 'block'; readonly body: readonly Stmt[] }
    | { readonly type: 'if'; readonly test: Expr; readonly then: Stmt; readonly otherwise: Stmt | undefined }
    | { readonly type: 'while'; readonly test: Expr; readonly body: Stmt }
    | { readonly type: 'doWhile'; readonly body: Stmt; readonly test: Expr }
    | { readonly type: 'for'; readonly init: Stmt | undefined; readonly test: Expr | undefined; readonly update: readonly Expr[]; readonly body: Stmt }
    | { readonly type: 'forEach'; readonly declType: string; readonly name: string; readonly iterable: Expr; readonly body: Stmt }
    | { readonly type: 'break' }
    | { readonly type: 'continue' }
    | { readonly type: 'return'; readonly value: Expr | undefined }
    | { readonly type: 'empty' }
  );

/** A function the script declares before its statements (`int twice(int x) { return x * 2 }`). */
export interface FunctionDecl {
  readonly name: string;
  readonly returnType: string;
  readonly params: readonly { readonly name: string; readonly declType: string }[];
  readonly body: Stmt;
  readonly start: number;
}

export interface Program {
  readonly source: string;
  readonly functions: readonly FunctionDecl[];
  readonly body: readonly Stmt[];
  /** Offsets where statements start, ascending: the run-time script_stack shows the statement that failed. */
  readonly statementStarts: readonly number[];
}
