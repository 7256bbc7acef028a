"""What the generated passes are written with: expressions, the 1-D Winograd transforms, tile loops
and the locals and setup the passes share (generate.py puts the passes together)."""

MT = 4            # output tile
AL = MT + 2       # input tile (alpha)
NX = AL * AL      # transform positions

def I(n, s):
    return '\n'.join((' ' * n + l) if l else l for l in s.strip('\n').split('\n'))

L = lambda n: f"(local.get ${n})"
def add(*xs):
    e = xs[0]
    for x in xs[1:]: e = f"(f32x4.add {e} {x})"
    return e
sub = lambda a, b: f"(f32x4.sub {a} {b})"
neg = lambda a: f"(f32x4.neg {a})"
def mul(k, a):
    return f"(f32x4.mul (v128.const f32x4 {k} {k} {k} {k}) {a})"

# 1-D transforms: (inputs as expressions) → (statements setting temps $ta..$td, output expressions)
def S(name, e): return f"(local.set ${name} {e})"
def bt1d(d):
    st = [S('u1', sub(d[4], mul(4, d[2]))), S('u2', sub(d[3], mul(4, d[1]))), S('u3', sub(d[4], d[2])), S('u4', mul(2, sub(d[3], d[1])))]
    return st, [add(sub(mul(4, d[0]), mul(5, d[2])), d[4]), add(L('u1'), L('u2')), sub(L('u1'), L('u2')), add(L('u3'), L('u4')), sub(L('u3'), L('u4')), add(sub(mul(4, d[1]), mul(5, d[3])), d[5])]
def at1d(m):
    st = [S('u1', add(m[1], m[2])), S('u2', sub(m[1], m[2])), S('u3', add(m[3], m[4])), S('u4', sub(m[3], m[4]))]
    return st, [add(m[0], L('u1'), L('u3')), add(L('u2'), mul(2, L('u4'))), add(L('u1'), mul(4, L('u3'))), add(L('u2'), mul(8, L('u4')), m[5])]
def a1d(g):
    st = [S('u1', add(g[0], g[2])), S('u2', add(g[1], g[3])), S('u3', add(g[0], mul(4, g[2]))), S('u4', add(mul(2, g[1]), mul(8, g[3])))]
    return st, [g[0], add(L('u1'), L('u2')), sub(L('u1'), L('u2')), add(L('u3'), L('u4')), sub(L('u3'), L('u4')), g[3]]
def b1d(v):
    st = [S('u1', sub(v[1], v[2])), S('u2', sub(v[3], v[4])), S('u3', add(v[1], v[2])), S('u4', add(v[3], v[4]))]
    return st, [mul(4, v[0]), add(mul(-4, L('u1')), mul(-2, L('u2')), mul(4, v[5])), sub(sub(mul(-5, v[0]), mul(4, L('u3'))), L('u4')),
                sub(add(L('u1'), mul(2, L('u2'))), mul(5, v[5])), add(v[0], L('u3'), L('u4')), v[5]]

def two_d(f, src, rows, cols, tmp):
    """f applied to every column of the rows × cols tile $src{r*cols+c}, results into $tmp{r'*cols+c};
    returns (code, out_rows, out_exprs(r', c')) with the row pass emitted by the caller per row."""
    code = []
    out_rows = None
    for c in range(cols):
        st, outs = f([L(f"{src}{r * cols + c}") for r in range(rows)])
        out_rows = len(outs)
        code += st
        code += [S(f"{tmp}{r * cols + c}", o) for r, o in enumerate(outs)]
    return code, out_rows

def transform2d(f, src, rows, cols, tmp, emit):
    """Bᵀ d B style: f on columns (into $tmp), then f on each row of $tmp; emit(r, c, expr) → code for each result."""
    code, orows = two_d(f, src, rows, cols, tmp)
    for r in range(orows):
        st, outs = f([L(f"{tmp}{r * cols + c}") for c in range(cols)])
        code += st
        for c, o in enumerate(outs):
            code.append(emit(r, c, o))
    return '\n'.join(code)

def locals_v(prefix, n):
    return ' '.join(f"(local ${prefix}{k} v128)" for k in range(n))

def row_ptrs(base):
    out = [S('r0', base) if False else f"(local.set $r0 {base})"]
    for r in range(1, AL):
        out.append(f"(local.set $r{r} (i32.add (local.get $r{r - 1}) (local.get $rsb)))")
    return '\n'.join(out)
def coladdr(r, c):
    return f"(local.get $r{r})" if c == 0 else f"(i32.add (local.get $r{r}) (local.get $cb{c if c > 1 else ''}))"
def loads_patch(dst):
    return '\n'.join(f"(local.set ${dst}{r * AL + c} (v128.load {coladdr(r, c)}))" for r in range(AL) for c in range(AL))
def loads_run(dst, ptr, stride, n):
    out = []
    for x in range(n):
        out.append(f"(local.set ${dst}{x} (v128.load (local.get ${ptr})))")
        if x < n - 1: out.append(f"(local.set ${ptr} (i32.add (local.get ${ptr}) (local.get ${stride})))")
    return '\n'.join(out)
def store_run(ptr, stride):
    def emit(r, c, e):
        x = r * AL + c
        s = f"(v128.store (local.get ${ptr}) {e})"
        return s if x == NX - 1 else s + f"\n(local.set ${ptr} (i32.add (local.get ${ptr}) (local.get ${stride})))"
    return emit

TILE_START = """;; tile q0 → image b, tile row i, tile column j
(local.set $b (i32.div_u (local.get $q0) (local.get $tpi)))
(local.set $i (i32.div_u (i32.rem_u (local.get $q0) (local.get $tpi)) (local.get $tt)))
(local.set $j (i32.rem_u (local.get $q0) (local.get $tt)))"""
TILE_NEXT = """(local.set $j (i32.add (local.get $j) (i32.const 1)))
(if (i32.eq (local.get $j) (local.get $tt))
  (then
    (local.set $j (i32.const 0))
    (local.set $i (i32.add (local.get $i) (i32.const 1)))
    (if (i32.eq (local.get $i) (local.get $tt))
      (then (local.set $i (i32.const 0)) (local.set $b (i32.add (local.get $b) (i32.const 1)))))))"""
SH = {2: 1, 4: 2}[MT]
PATCH = f"(i32.add {{base}} (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $p)) (i32.shl (local.get $i) (i32.const {SH}))) (local.get $p)) (i32.shl (local.get $j) (i32.const {SH}))) (local.get $cb)))"

COMMON_LOCALS = f"""(local $tt i32) (local $tpi i32) (local $p i32) (local $nt i32) (local $q0 i32) (local $cnt i32) (local $rows i32)
    (local $b i32) (local $i i32) (local $j i32) (local $k i32) (local $cv i32) (local $x i32)
    (local $cb i32) (local $rsb i32) (local $nb i32) (local $vs i32) (local $ms i32)
    (local $pbase i32) (local $pp i32) (local $vp i32) (local $mp i32) (local $o i32)
    {' '.join(f'(local $r{r} i32)' for r in range(AL))} {' '.join(f'(local $cb{c} i32)' for c in range(2, AL))}
    (local $u1 v128) (local $u2 v128) (local $u3 v128) (local $u4 v128)
    {locals_v('d', NX)}
    {locals_v('e', NX)}"""
COMMON_SETUP = f"""(local.set $tt (i32.shr_u (i32.add (local.get $s) (i32.const {MT - 1})) (i32.const {SH})))
    (local.set $tpi (i32.mul (local.get $tt) (local.get $tt)))
    (local.set $p (i32.add (i32.shl (local.get $tt) (i32.const {SH})) (i32.const 2)))
    (local.set $nt (i32.mul (local.get $batch) (local.get $tpi)))
    (local.set $cb (i32.shl (local.get $c) (i32.const 2)))
    (local.set $rsb (i32.mul (local.get $p) (local.get $cb)))
    {chr(10).join(f'    (local.set $cb{c} (i32.mul (local.get $cb) (i32.const {c})))' for c in range(2, AL)).strip()}
    (local.set $nb (i32.shl (local.get $n) (i32.const 2)))
    (local.set $vs (i32.mul (local.get $tb) (local.get $cb)))
    (local.set $ms (i32.mul (local.get $tb) (local.get $nb)))"""
BLOCK_START = """(local.set $cnt (select (local.get $tb) (i32.sub (local.get $nt) (local.get $q0)) (i32.lt_u (i32.add (local.get $q0) (local.get $tb)) (local.get $nt))))
(local.set $rows (i32.and (i32.add (local.get $cnt) (i32.const 3)) (i32.const -4)))"""

def tiles_end(label):
    """The end of a loop over the block's tiles: the next tile's (b, i, j), then the loop test."""
    return f"""{TILE_NEXT}
(local.set $k (i32.add (local.get $k) (i32.const 1)))
(br_if ${label} (i32.lt_u (local.get $k) (local.get $cnt))))"""


def tiles_by_vector(label, image, body):
    """For each tile of the block (its patch of `image` at $pbase) and each four channels ($cv), with $vp
    at the tile's row of the V buffer: `body`. The loops are $<label>_tiles and $<label>_vec."""
    return f"""{TILE_START}
(local.set $k (i32.const 0))
(loop ${label}_tiles
  (local.set $pbase {PATCH.format(base=image)})
  (local.set $cv (i32.const 0))
  (loop ${label}_vec
    (local.set $vp (i32.add (local.get $vbuf) (i32.add (i32.mul (local.get $k) (local.get $cb)) (local.get $cv))))
{I(4, body)}
    (local.set $cv (i32.add (local.get $cv) (i32.const 16)))
    (br_if ${label}_vec (i32.lt_u (local.get $cv) (local.get $cb))))
{I(2, tiles_end(label + '_tiles'))}"""


def input_pass():
    code = transform2d(bt1d, 'd', AL, AL, 'e', store_run('vp', 'vs'))
    body = '\n'.join([row_ptrs('(i32.add (local.get $pbase) (local.get $cv))'), loads_patch('d'), code])
    return f"""
;; pass 1: input tiles → V = Bᵀ d B, [{NX}][rows][C]
{tiles_by_vector('in', '(local.get $xp)', body)}
(call $zeroRows (local.get $vbuf) (local.get $vs) (i32.mul (local.get $cnt) (local.get $cb)) (i32.mul (local.get $rows) (local.get $cb)))"""

def forward_products():
    """A forward pass's block start, pass 1 (V = Bᵀ d B) and pass 2 (M_ξ = V_ξ·U_ξ, U [NX][C][n])."""
    return f"""{BLOCK_START}
{input_pass().strip(chr(10))}
;; pass 2: M_ξ = V_ξ · U_ξ
{gemms('''(call $gemm (i32.add (local.get $vbuf) (i32.mul (local.get $x) (local.get $vs)))
            (i32.add (local.get $u) (i32.mul (local.get $x) (i32.mul (local.get $c) (local.get $nb))))
            (i32.add (local.get $mbuf) (i32.mul (local.get $x) (local.get $ms)))
            (local.get $rows) (local.get $c) (local.get $n) (local.get $cb) (i32.const 4) (local.get $nb) (local.get $nb) (i32.const 0))''')}"""


def gemms(calls):
    return f"""(local.set $x (i32.const 0))
(loop $gemms
{I(2, calls)}
  (local.set $x (i32.add (local.get $x) (i32.const 1)))
  (br_if $gemms (i32.lt_u (local.get $x) (i32.const {NX}))))"""

def output_transform(emit):
    """Aᵀ m A of the loaded $d tile: emit(r, c, expr) → the code for output (r, c) of the 4×4."""
    code, _ = two_d(at1d, 'd', AL, AL, 'e')
    # two_d stored rows 0..3 of each column into $e{r*AL+c}; now the row pass over those 4 rows
    code = list(code)
    for r in range(MT):
        st, outs = at1d([L(f"e{r * AL + c}") for c in range(AL)])
        code += st
        code += [emit(r, c, o) for c, o in enumerate(outs)]
    return '\n'.join(code)

def output_code(first, bias):
    """Aᵀ m A of the loaded $d tile, plus $bias, into scratch vectors first … first + 15 (4×4)."""
    return output_transform(lambda r, c, e: f"(v128.store offset={16 * (first + r * MT + c)} (local.get $scr) (f32x4.add {e} (local.get ${bias})))")
