/**
 * The coupled highway formula y = x + T·(H − x), i.e. H·T + x·(1 − T), is written in src/'s
 * TypeScript twice: as ops once (layers/gate.ts's coupledCarry, which every layer's op calls) and
 * as the kernels' JS loop once (backend/highway-loops.ts). The SIMD modules (backend/simd/) are
 * the third and last place. Read from the syntax trees, in either form, as ops (add, mul, sub) or
 * arithmetic, with any names: a copy anywhere else, or a second one in those files, fails.
 * (Interpolations of other quantities have the same shape; they are listed with their reason.)
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';

const SRC = resolve('src');
/** Where the formula may stand, once each. */
const EXPECTED = ['backend/highway-loops.ts', 'layers/gate.ts'];
/**
 * The same shape for other quantities: interpolations that are not a highway layer's carry. A new
 * entry here needs such a reason; a new highway computation calls coupledCarry instead.
 */
const NOT_A_CARRY: Array<[file: string, why: string]> = [
  ['bench/nets.ts', 'a sentence length between two percentiles'],
  ['sweep/expand.ts', 'a uniform draw between two bounds'],
  ['sweep/expand.ts', 'a log-uniform draw between two bounds'],
  ['train/optimizers.ts', "SGD's momentum buffer, a moving average"],
  ['train/optimizers.ts', "Adam's second moment, a moving average"],
];

type Pair = [ts.Expression, ts.Expression];

/** Without parentheses, `!` and `as` casts: what the expression computes. */
function bare(e: ts.Expression): ts.Expression {
  while (ts.isParenthesizedExpression(e) || ts.isNonNullExpression(e) || ts.isAsExpression(e)) e = e.expression;
  return e;
}
const text = (e: ts.Expression) => bare(e).getText().replace(/\s+|!/g, '');

/** `name(a, b)` or `tf.name(a, b)`, or `a op b`. */
function operands(e: ts.Expression, name: string, op: ts.SyntaxKind): Pair | null {
  const x = bare(e);
  if (ts.isCallExpression(x) && x.arguments.length === 2) {
    const callee = bare(x.expression);
    const called = ts.isIdentifier(callee) ? callee.text : ts.isPropertyAccessExpression(callee) ? callee.name.text : '';
    if (called === name) return [x.arguments[0]!, x.arguments[1]!];
  }
  return ts.isBinaryExpression(x) && x.operatorToken.kind === op ? [x.left, x.right] : null;
}
const sum = (e: ts.Expression) => operands(e, 'add', ts.SyntaxKind.PlusToken);
const product = (e: ts.Expression) => operands(e, 'mul', ts.SyntaxKind.AsteriskToken);
const difference = (e: ts.Expression) => operands(e, 'sub', ts.SyntaxKind.MinusToken);
const both = ([a, b]: Pair): Pair[] => [
  [a, b],
  [b, a],
];
/** 1, or the kept scalar one(). */
const isOne = (e: ts.Expression) => {
  const x = bare(e);
  return (ts.isNumericLiteral(x) && x.text === '1') || (ts.isCallExpression(x) && x.arguments.length === 0 && text(x.expression).endsWith('one'));
};

/** x + t·(h − x), or h·t + x·(1 − t), in any order of the sums' and products' operands. */
function isCoupled(e: ts.Expression): boolean {
  const s = sum(e);
  if (!s) return false;
  return both(s).some(([a, b]) => {
    const p = product(b);
    const lerp =
      p !== null &&
      both(p).some(([, hMinusX]) => {
        const d = difference(hMinusX);
        return d !== null && text(d[1]) === text(a);
      });
    const q = product(a);
    const convex =
      p !== null &&
      q !== null &&
      both(p).some(([, oneMinusT]) => {
        const d = difference(oneMinusT);
        return d !== null && isOne(d[0]) && q.some((f) => text(f) === text(d[1]));
      });
    return lerp || convex;
  });
}

/** "file:line" of every place the formula is written in this source text. */
function findFormula(file: string, source: string): string[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (n: ts.Node) => {
    if (ts.isExpression(n) && isCoupled(n)) found.push(`${file}:${sf.getLineAndCharacterOfPosition(n.getStart()).line + 1}`);
    else ts.forEachChild(n, visit);
  };
  visit(sf);
  return found;
}

const tsFiles = (dir: string): string[] =>
  readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });

describe('the coupled formula', () => {
  it('is written in src/ only in the op (layers/gate.ts) and the kernel loop (backend/highway-loops.ts), once each', () => {
    const found = tsFiles(SRC).flatMap((f) => findFormula(relative(SRC, f), readFileSync(f, 'utf8')));
    expect(found.map((f) => f.replace(/:\d+$/, '')).sort()).toEqual([...EXPECTED, ...NOT_A_CARRY.map(([f]) => f)].sort());
  });

  it('is found in each form it can be written in (the check can fail)', () => {
    const copies = [
      'const y = tf.add(x, tf.mul(t, tf.sub(h, x)));',
      'const y = tf.add(tf.mul(tf.sub(hOut, flat), gate), flat);',
      'y[i] = xv[i]! + tv[i]! * (hv[i]! - xv[i]!);',
      'y[i] = (h[i] - x[i]) * t[i] + x[i];',
      'const y = tf.add(tf.mul(h, t), tf.mul(x, tf.sub(1, t)));',
      'const y = tf.add(tf.mul(tf.sub(one(), t), x), tf.mul(t, h));',
      'out[k] = h * t + x * (1 - t);',
      'out[k] = (1 - t) * x + t * h;',
    ];
    for (const c of copies) expect(findFormula('copy.ts', c), c).toHaveLength(1);
    // not the formula: other sums of products and differences
    const others = [
      'const dx = tf.addN([tf.sub(dy, tdy), a, b]);',
      'const at = (hi - xv[i]!) * tg * (1 - ti);',
      'const y = tf.add(tf.mul(h, t), tf.mul(x, c));',
      'const to = base + (n - 1 - i) * inner;',
      'v = mu * v + (g - w);',
    ];
    for (const c of others) expect(findFormula('other.ts', c), c).toEqual([]);
  });
});
