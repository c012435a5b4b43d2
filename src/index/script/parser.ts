/**
 * The Painless subset's parser (pure): tokens to a frozen syntax tree with offsets. Grammar and
 * precedence follow Painless's (Java's operators plus `?.`, `?:`, `===`, list and map literals,
 * `for (x in list)`); what the subset lacks (lambdas, functions, try/catch, regexes) is a compile
 * error naming the construct rather than a misparse.
 * Reference: https://www.elastic.co/guide/en/elasticsearch/painless/current/painless-operators.html
 */
import type { Expr, FunctionDecl, Literal, Program, Stmt } from './ast.js';
import { ScriptCompileError, tokenize, type Token } from './lexer.js';
import { limits } from '../../common/limits.js';
import { INT_MAX, INT_MIN, typeNames } from './values.js';

/** Classes whose static members scripts may call (`Math.max`, `Integer.parseInt`). */
export const staticClasses = new Set(['Math', 'Integer', 'Long', 'Double', 'Float', 'String', 'Boolean', 'Character', 'Collections', 'System']);

/** Classes `new` may build. */
export const constructibleClasses = new Set(['ArrayList', 'HashMap', 'LinkedHashMap', 'String', 'StringBuilder']);

const assignOps = new Set(['=', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '<<=', '>>=', '>>>=']);

const binaryLevels: readonly (readonly string[])[] = [
  ['||'],
  ['&&'],
  ['|'],
  ['^'],
  ['&'],
  ['==', '!=', '===', '!=='],
  ['<', '<=', '>', '>=', 'instanceof'],
  ['<<', '>>', '>>>'],
  ['+', '-'],
  ['*', '/', '%'],
];

const unsupportedKeywords: Record<string, string> = {
  try: 'try/catch', catch: 'try/catch', throw: 'throw', function: 'functions', import: 'import', class: 'classes',
};

export function parseScript(source: string): Program {
  return new Parser(source).program();
}

class Parser {
  private readonly tokens: Token[];
  private position = 0;
  private depth = 0;
  private readonly statementStarts: number[] = [];

  constructor(private readonly source: string) {
    this.tokens = tokenize(source);
  }

  program(): Program {
    const body: Stmt[] = [];
    const functions: FunctionDecl[] = [];
    // Functions come first, as Painless declares them: `Type name(params) { ... }`.
    while (this.isFunctionDeclaration()) functions.push(this.functionDeclaration());
    while (this.peek().kind !== 'eof') {
      if (this.isPunct(';')) {
        this.next();
        continue;
      }
      body.push(this.statement());
    }
    return { source: this.source, functions, body, statementStarts: [...new Set(this.statementStarts)].sort((a, b) => a - b) };
  }

  private isFunctionDeclaration(): boolean {
    const type = this.isWord('void') ? { name: 'void', length: 1 } : this.typeAt(0);
    return type !== undefined && this.peek(type.length).kind === 'identifier' && this.isPunct('(', type.length + 1);
  }

  private functionDeclaration(): FunctionDecl {
    const start = this.peek().start;
    this.statementStarts.push(start);
    let returnType = 'void';
    if (this.isWord('void')) this.next();
    else returnType = this.typeName();
    const name = this.identifier().text;
    this.expectPunct('(');
    const params: { name: string; declType: string }[] = [];
    while (!this.isPunct(')')) {
      const declType = this.typeName();
      params.push({ name: this.identifier().text, declType });
      if (!this.isPunct(',')) break;
      this.next();
    }
    this.expectPunct(')');
    if (!this.isPunct('{')) throw this.unexpected();
    const body = this.block();
    return { name, returnType, params, body, start };
  }

  // ------------------------------------------------------------ tokens

  private peek(ahead = 0): Token {
    return this.tokens[Math.min(this.position + ahead, this.tokens.length - 1)]!;
  }

  private next(): Token {
    const token = this.peek();
    if (token.kind !== 'eof') this.position++;
    return token;
  }

  private isPunct(text: string, ahead = 0): boolean {
    const token = this.peek(ahead);
    return token.kind === 'punct' && token.text === text;
  }

  private isWord(text: string, ahead = 0): boolean {
    const token = this.peek(ahead);
    return token.kind === 'identifier' && token.text === text;
  }

  private expectPunct(text: string): Token {
    if (!this.isPunct(text)) throw this.unexpected();
    return this.next();
  }

  private unexpected(token: Token = this.peek()): ScriptCompileError {
    return new ScriptCompileError(token.start, `invalid sequence of tokens near ['${token.text}'].`);
  }

  private identifier(): Token {
    const token = this.peek();
    if (token.kind !== 'identifier') throw this.unexpected();
    return this.next();
  }

  /** A type name (with `[]` suffixes) at `ahead`, and how many tokens it spans; undefined when none is there. */
  private typeAt(ahead: number): { name: string; length: number } | undefined {
    const token = this.peek(ahead);
    if (token.kind !== 'identifier' || !typeNames.has(token.text)) return undefined;
    let name = token.text;
    let length = 1;
    while (this.isPunct('[', ahead + length) && this.isPunct(']', ahead + length + 1)) {
      name += '[]';
      length += 2;
    }
    return { name, length };
  }

  private typeName(): string {
    const type = this.typeAt(0);
    if (type === undefined) {
      const token = this.peek();
      if (token.kind === 'identifier') throw new ScriptCompileError(token.start, `cannot resolve type [${token.text}]`);
      throw this.unexpected();
    }
    for (let index = 0; index < type.length; index++) this.next();
    return type.name;
  }

  // ------------------------------------------------------------ statements

  private statement(): Stmt {
    this.enter();
    try {
      return this.statementOf();
    } finally {
      this.depth--;
    }
  }

  private statementOf(): Stmt {
    const token = this.peek();
    this.statementStarts.push(token.start);
    if (token.kind === 'identifier') {
      const unsupported = unsupportedKeywords[token.text];
      if (unsupported !== undefined) throw new ScriptCompileError(token.start, `${unsupported} are not supported by Strait's Painless subset`);
      switch (token.text) {
        case 'if':
          return this.ifStatement();
        case 'while':
          return this.whileStatement();
        case 'do':
          return this.doWhileStatement();
        case 'for':
          return this.forStatement();
        case 'break':
        case 'continue': {
          this.next();
          this.endOfStatement();
          return { type: token.text, start: token.start, end: token.end };
        }
        case 'return': {
          this.next();
          const value = this.isPunct(';') || this.isPunct('}') || this.peek().kind === 'eof' ? undefined : this.expression();
          this.endOfStatement();
          return { type: 'return', value, start: token.start, end: value?.end ?? token.end };
        }
      }
      const type = this.typeAt(0);
      if (type !== undefined && this.peek(type.length).kind === 'identifier') {
        if (this.isPunct('(', type.length + 1)) throw new ScriptCompileError(token.start, 'functions must be declared before the first statement');
        // Painless marks each declared variable as a statement, not the type before it.
        this.statementStarts.pop();
        const declaration = this.declaration();
        this.endOfStatement();
        return declaration;
      }
    }
    if (this.isPunct('{')) return this.block();
    if (this.isPunct(';')) {
      this.next();
      return { type: 'empty', start: token.start, end: token.end };
    }
    const expr = this.expression();
    this.endOfStatement();
    return { type: 'expr', expr, start: expr.start, end: expr.end };
  }

  /** Painless needs `;` between statements; the last one of a block or script may omit it. */
  private endOfStatement(): void {
    if (this.isPunct(';')) {
      this.next();
      return;
    }
    if (this.isPunct('}') || this.peek().kind === 'eof') return;
    throw this.unexpected();
  }

  private declaration(): Stmt & { type: 'declare' } {
    const start = this.peek().start;
    const declType = this.typeName();
    const names: { name: string; init: Expr | undefined; start: number; end: number }[] = [];
    for (;;) {
      const name = this.identifier();
      this.statementStarts.push(name.start);
      let init: Expr | undefined;
      if (this.isPunct('=')) {
        this.next();
        init = this.expression();
      }
      names.push({ name: name.text, init, start: name.start, end: init?.end ?? name.end });
      if (!this.isPunct(',')) break;
      this.next();
    }
    return { type: 'declare', declType, names, start, end: names[names.length - 1]!.end };
  }

  private block(): Stmt {
    const open = this.expectPunct('{');
    const body: Stmt[] = [];
    while (!this.isPunct('}')) {
      if (this.peek().kind === 'eof') throw this.unexpected();
      if (this.isPunct(';')) {
        this.next();
        continue;
      }
      body.push(this.statement());
    }
    const close = this.next();
    return { type: 'block', body, start: open.start, end: close.end };
  }

  private condition(): Expr {
    this.expectPunct('(');
    const test = this.expression();
    this.expectPunct(')');
    return test;
  }

  private ifStatement(): Stmt {
    const start = this.next().start;
    const test = this.condition();
    const then = this.statement();
    let otherwise: Stmt | undefined;
    if (this.isWord('else')) {
      this.next();
      otherwise = this.statement();
    }
    return { type: 'if', test, then, otherwise, start, end: (otherwise ?? then).end };
  }

  private whileStatement(): Stmt {
    const start = this.next().start;
    const test = this.condition();
    const body = this.loopBody();
    return { type: 'while', test, body, start, end: body.end };
  }

  private doWhileStatement(): Stmt {
    const start = this.next().start;
    const body = this.statement();
    if (!this.isWord('while')) throw this.unexpected();
    this.next();
    const test = this.condition();
    this.endOfStatement();
    return { type: 'doWhile', body, test, start, end: test.end };
  }

  /** A loop body; `while (x);` has an empty one. */
  private loopBody(): Stmt {
    if (this.isPunct(';')) {
      const token = this.next();
      return { type: 'empty', start: token.start, end: token.end };
    }
    return this.statement();
  }

  private forStatement(): Stmt {
    const start = this.next().start;
    this.expectPunct('(');
    // for (Type x : iterable) and for (x in iterable)
    const type = this.typeAt(0);
    if (type !== undefined && this.peek(type.length).kind === 'identifier' && this.isPunct(':', type.length + 1)) {
      const declType = this.typeName();
      const name = this.identifier().text;
      this.expectPunct(':');
      return this.forEachRest(start, declType, name);
    }
    if (this.peek().kind === 'identifier' && this.isWord('in', 1)) {
      const name = this.identifier().text;
      this.next();
      return this.forEachRest(start, 'def', name);
    }
    let init: Stmt | undefined;
    if (!this.isPunct(';')) {
      const initStart = this.peek().start;
      this.statementStarts.push(initStart);
      const declared = this.typeAt(0);
      if (declared !== undefined && this.peek(declared.length).kind === 'identifier') init = this.declaration();
      else {
        const expr = this.expression();
        init = { type: 'expr', expr, start: expr.start, end: expr.end };
      }
    }
    this.expectPunct(';');
    const test = this.isPunct(';') ? undefined : this.expression();
    this.expectPunct(';');
    const update: Expr[] = [];
    while (!this.isPunct(')')) {
      update.push(this.expression());
      if (!this.isPunct(',')) break;
      this.next();
    }
    this.expectPunct(')');
    const body = this.loopBody();
    return { type: 'for', init, test, update, body, start, end: body.end };
  }

  private forEachRest(start: number, declType: string, name: string): Stmt {
    const iterable = this.expression();
    this.expectPunct(')');
    const body = this.loopBody();
    return { type: 'forEach', declType, name, iterable, body, start, end: body.end };
  }

  // ------------------------------------------------------------ expressions

  expression(): Expr {
    this.enter();
    try {
      return this.assignmentExpression();
    } finally {
      this.depth--;
    }
  }

  /** Nesting (parentheses, blocks, unary chains) deeper than the limit is refused before the stack runs out. */
  private enter(): void {
    if (++this.depth > limits.scriptNestingDepthMax) {
      throw new ScriptCompileError(this.peek().start, `the script nests deeper than [${limits.scriptNestingDepthMax}] levels, more than Strait compiles`);
    }
  }

  private assignmentExpression(): Expr {
    const target = this.conditional();
    const token = this.peek();
    if (token.kind === 'punct' && assignOps.has(token.text)) {
      if (target.type !== 'variable' && target.type !== 'field' && target.type !== 'index') {
        throw new ScriptCompileError(target.start, 'invalid assignment: cannot assign a value to this expression');
      }
      this.next();
      const value = this.expression();
      return { type: 'assign', op: token.text, target, value, start: target.start, end: value.end };
    }
    return target;
  }

  private conditional(): Expr {
    const test = this.elvis();
    if (!this.isPunct('?')) return test;
    this.next();
    const then = this.expression();
    this.expectPunct(':');
    const otherwise = this.conditional();
    return { type: 'conditional', test, then, otherwise, start: test.start, end: otherwise.end };
  }

  private elvis(): Expr {
    const left = this.binary(0);
    if (!this.isPunct('?:')) return left;
    this.next();
    const right = this.elvis();
    return { type: 'elvis', left, right, start: left.start, end: right.end };
  }

  private binary(level: number): Expr {
    if (level >= binaryLevels.length) return this.unary();
    let left = this.binary(level + 1);
    let chain = 0;
    const ops = binaryLevels[level]!;
    for (;;) {
      const token = this.peek();
      const matches = (token.kind === 'punct' || (token.kind === 'identifier' && token.text === 'instanceof')) && ops.includes(token.text);
      if (!matches) return left;
      this.next();
      if (token.text === 'instanceof') {
        const test = this.typeName();
        left = { type: 'instanceof', operand: left, test, start: left.start, end: this.tokens[this.position - 1]!.end };
        continue;
      }
      const right = this.binary(level + 1);
      // A left-nested chain (1 + 1 + ...) is as deep as it is long for the compiler: count it.
      chain++;
      if (chain + this.depth > limits.scriptNestingDepthMax) {
        throw new ScriptCompileError(token.start, `the script nests deeper than [${limits.scriptNestingDepthMax}] levels, more than Strait compiles`);
      }
      if (token.text === '&&' || token.text === '||') left = { type: 'logical', op: token.text, left, right, start: left.start, end: right.end };
      else left = { type: 'binary', op: token.text, left, right, start: left.start, end: right.end };
    }
  }

  private unary(): Expr {
    this.enter();
    try {
      return this.unaryExpression();
    } finally {
      this.depth--;
    }
  }

  private unaryExpression(): Expr {
    const token = this.peek();
    if (token.kind === 'punct') {
      if (token.text === '++' || token.text === '--') {
        this.next();
        const target = this.unary();
        this.checkAssignable(target);
        return { type: 'update', op: token.text, prefix: true, target, start: token.start, end: target.end };
      }
      if (token.text === '!' || token.text === '-' || token.text === '+' || token.text === '~') {
        this.next();
        // A minus before a number literal is part of the literal, so -2147483648 is a valid int.
        const literal = this.peek();
        if (token.text === '-' && literal.kind === 'number' && !this.isPostfixAfter(1)) {
          this.next();
          return this.postfix(this.numberLiteral(literal, true, token.start));
        }
        const operand = this.unary();
        return { type: 'unary', op: token.text, operand, start: token.start, end: operand.end };
      }
      if (token.text === '(') {
        const type = this.typeAt(1);
        if (type !== undefined && this.isPunct(')', 1 + type.length)) {
          this.next();
          const to = this.typeName();
          this.expectPunct(')');
          const operand = this.unary();
          return { type: 'cast', to, operand, start: token.start, end: operand.end };
        }
      }
    }
    return this.postfix(this.primary());
  }

  private isPostfixAfter(ahead: number): boolean {
    return this.isPunct('.', ahead) || this.isPunct('?.', ahead) || this.isPunct('[', ahead);
  }

  private checkAssignable(target: Expr): void {
    if (target.type !== 'variable' && target.type !== 'field' && target.type !== 'index') {
      throw new ScriptCompileError(target.start, 'invalid increment or decrement: the operand is not a variable');
    }
  }

  private postfix(start: Expr): Expr {
    let expr = start;
    for (let chain = 0; ; chain++) {
      const token = this.peek();
      if (token.kind !== 'punct') return expr;
      if (chain + this.depth > limits.scriptNestingDepthMax) {
        throw new ScriptCompileError(token.start, `the script nests deeper than [${limits.scriptNestingDepthMax}] levels, more than Strait compiles`);
      }
      if (token.text === '.' || token.text === '?.') {
        this.next();
        const name = this.identifier();
        if (this.isPunct('(')) {
          const args = this.arguments();
          expr = { type: 'call', target: expr, name: name.text, args, nullSafe: token.text === '?.', start: expr.start, end: this.tokens[this.position - 1]!.end };
        } else {
          expr = { type: 'field', target: expr, name: name.text, nullSafe: token.text === '?.', start: expr.start, end: name.end };
        }
      } else if (token.text === '[') {
        this.next();
        const index = this.expression();
        const close = this.expectPunct(']');
        expr = { type: 'index', target: expr, index, start: expr.start, end: close.end };
      } else if (token.text === '++' || token.text === '--') {
        this.next();
        this.checkAssignable(expr);
        expr = { type: 'update', op: token.text, prefix: false, target: expr, start: expr.start, end: token.end };
      } else if (token.text === '::') {
        throw new ScriptCompileError(token.start, 'method references are not supported by Strait\'s Painless subset');
      } else return expr;
    }
  }

  private arguments(): Expr[] {
    this.expectPunct('(');
    const args: Expr[] = [];
    while (!this.isPunct(')')) {
      args.push(this.expression());
      if (!this.isPunct(',')) break;
      this.next();
    }
    this.expectPunct(')');
    return args;
  }

  private primary(): Expr {
    const token = this.peek();
    switch (token.kind) {
      case 'number':
        this.next();
        return this.numberLiteral(token, false, token.start);
      case 'string':
        this.next();
        return { type: 'literal', literal: { kind: 'string', value: token.value }, start: token.start, end: token.end };
      case 'eof':
        throw this.unexpected();
      case 'punct':
        if (token.text === '(') {
          const lambda = this.lambdaParamsLength();
          if (lambda !== undefined) return this.lambda(lambda);
          this.next();
          const inner = this.expression();
          this.expectPunct(')');
          return inner;
        }
        if (token.text === '[') return this.listOrMap();
        if (token.text === '/') throw new ScriptCompileError(token.start, 'regexes are not supported by Strait\'s Painless subset');
        throw this.unexpected();
      case 'identifier':
        if (this.isPunct('->', 1)) return this.lambda(1);
        break;
    }
    this.next();
    const end = token.end;
    switch (token.text) {
      case 'true':
      case 'false':
        return { type: 'literal', literal: { kind: 'boolean', value: token.text === 'true' }, start: token.start, end };
      case 'null':
        return { type: 'literal', literal: { kind: 'null' }, start: token.start, end };
      case 'new':
        return this.newExpression(token.start);
    }
    if (staticClasses.has(token.text) && this.isPunct('.')) {
      this.next();
      const name = this.identifier();
      if (this.isPunct('(')) {
        const args = this.arguments();
        return { type: 'static', className: token.text, name: name.text, args, start: token.start, end: this.tokens[this.position - 1]!.end };
      }
      return { type: 'static', className: token.text, name: name.text, args: undefined, start: token.start, end: name.end };
    }
    if (this.isPunct('(')) {
      const args = this.arguments();
      return { type: 'function', name: token.text, args, start: token.start, end: this.tokens[this.position - 1]!.end };
    }
    if (typeNames.has(token.text)) throw this.unexpected(token);
    return { type: 'variable', name: token.text, start: token.start, end };
  }

  /**
   * How many tokens a parenthesized lambda parameter list spans (`()`, `(a, b)`, `(def a, int b)`)
   * when `->` follows it; undefined when the parenthesis opens something else.
   */
  private lambdaParamsLength(): number | undefined {
    let ahead = 1;
    if (!this.isPunct(')', ahead)) {
      for (;;) {
        const type = this.typeAt(ahead);
        if (type !== undefined && this.peek(ahead + type.length).kind === 'identifier') ahead += type.length;
        if (this.peek(ahead).kind !== 'identifier') return undefined;
        ahead++;
        if (this.isPunct(',', ahead)) {
          ahead++;
          continue;
        }
        break;
      }
      if (!this.isPunct(')', ahead)) return undefined;
    }
    return this.isPunct('->', ahead + 1) ? ahead + 1 : undefined;
  }

  /** A lambda: parameters (`x` alone, or a parenthesized list of `length` tokens), `->`, then an expression or a block. */
  private lambda(length: number): Expr {
    const start = this.peek().start;
    const params: { name: string; declType: string }[] = [];
    if (this.isPunct('(')) {
      this.next();
      while (!this.isPunct(')')) {
        const declared = this.typeAt(0);
        const declType = declared !== undefined && this.peek(declared.length).kind === 'identifier' ? this.typeName() : 'def';
        params.push({ name: this.identifier().text, declType });
        if (this.isPunct(',')) this.next();
      }
      this.next();
    } else params.push({ name: this.identifier().text, declType: 'def' });
    void length;
    this.expectPunct('->');
    const body = this.isPunct('{') ? this.block() : this.expression();
    return { type: 'lambda', params, body, start, end: body.end };
  }

  private newExpression(start: number): Expr {
    const nameToken = this.peek();
    if (nameToken.kind !== 'identifier') throw this.unexpected();
    this.next();
    if (this.isPunct('[')) {
      if (!typeNames.has(nameToken.text)) throw new ScriptCompileError(nameToken.start, `cannot resolve type [${nameToken.text}]`);
      this.next();
      if (this.isPunct(']')) {
        this.next();
        const open = this.expectPunct('{');
        const items: Expr[] = [];
        while (!this.isPunct('}')) {
          items.push(this.expression());
          if (!this.isPunct(',')) break;
          this.next();
        }
        const close = this.expectPunct('}');
        void open;
        return { type: 'newArray', elementType: nameToken.text, size: undefined, items, start, end: close.end };
      }
      const size = this.expression();
      const close = this.expectPunct(']');
      if (this.isPunct('[')) throw new ScriptCompileError(this.peek().start, 'multi-dimensional arrays are not supported by Strait\'s Painless subset');
      return { type: 'newArray', elementType: nameToken.text, size, items: undefined, start, end: close.end };
    }
    if (!constructibleClasses.has(nameToken.text)) throw new ScriptCompileError(nameToken.start, `cannot resolve type [${nameToken.text}]`);
    const args = this.arguments();
    return { type: 'new', className: nameToken.text, args, start, end: this.tokens[this.position - 1]!.end };
  }

  private listOrMap(): Expr {
    const open = this.next();
    if (this.isPunct(':') && this.isPunct(']', 1)) {
      this.next();
      const close = this.next();
      return { type: 'map', entries: [], start: open.start, end: close.end };
    }
    if (this.isPunct(']')) {
      const close = this.next();
      return { type: 'list', items: [], start: open.start, end: close.end };
    }
    const first = this.expression();
    if (this.isPunct(':')) {
      this.next();
      const entries: [Expr, Expr][] = [[first, this.expression()]];
      while (this.isPunct(',')) {
        this.next();
        const key = this.expression();
        this.expectPunct(':');
        entries.push([key, this.expression()]);
      }
      const close = this.expectPunct(']');
      return { type: 'map', entries, start: open.start, end: close.end };
    }
    const items: Expr[] = [first];
    while (this.isPunct(',')) {
      this.next();
      items.push(this.expression());
    }
    const close = this.expectPunct(']');
    return { type: 'list', items, start: open.start, end: close.end };
  }

  private numberLiteral(token: Token, negative: boolean, start: number): Expr {
    const literal = parseNumber(token, negative);
    return { type: 'literal', literal, start, end: token.end };
  }
}

/** A number literal's type and value: suffixes decide, else a `.` or exponent makes a double. */
function parseNumber(token: Token, negative: boolean): Literal {
  let text = token.text;
  const suffix = /[lLfFdD]$/.test(text) && !/^0[xX]/.test(text) ? text.slice(-1).toLowerCase() : /^0[xX].*[lL]$/.test(text) ? 'l' : '';
  if (suffix !== '') text = text.slice(0, -1);
  const sign = negative ? '-' : '';
  const invalid = (kind: string): ScriptCompileError => new ScriptCompileError(token.start, `Invalid ${kind} constant [${sign}${token.text}].`);
  const isFloating = suffix === 'f' || suffix === 'd' || /[.eE]/.test(text) && !/^0[xX]/.test(text);
  if (isFloating) {
    const value = Number(sign + text);
    if (!Number.isFinite(value)) throw invalid(suffix === 'f' ? 'float' : 'double');
    if (suffix === 'f') return { kind: 'float', value: Math.fround(value) };
    return { kind: 'double', value };
  }
  let big: bigint;
  try {
    if (/^0[xX]/.test(text)) big = BigInt(text);
    else if (/^0[0-7]+$/.test(text)) big = BigInt(`0o${text.slice(1)}`);
    else big = BigInt(text);
  } catch {
    throw invalid(suffix === 'l' ? 'long' : 'int');
  }
  if (negative) big = -big;
  if (suffix === 'l') {
    if (big > (1n << 63n) - 1n || big < -(1n << 63n)) throw invalid('long');
    return { kind: 'long', value: big };
  }
  if (big > BigInt(INT_MAX) || big < BigInt(INT_MIN)) throw invalid('int');
  return { kind: 'int', value: Number(big) };
}
