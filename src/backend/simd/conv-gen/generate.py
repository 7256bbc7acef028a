"""Writes src/backend/simd/conv.wat, the conv nets' SIMD kernels (Winograd F(4×4, 3×3) convolution
with its transforms written out, which no one should type by hand), from the hand-written parts
beside this file (*.wat.part) and the straight-line code below.

    python3 src/backend/simd/conv-gen/generate.py > src/backend/simd/conv.wat

The build compiles conv.wat like the other modules; test/conv-kernels.test.ts checks that the
committed file is this script's output."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

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


def input_pass():
    code = transform2d(bt1d, 'd', AL, AL, 'e', store_run('vp', 'vs'))
    return f"""
;; pass 1: input tiles → V = Bᵀ d B, [{NX}][rows][C]
{TILE_START}
(local.set $k (i32.const 0))
(loop $in_tiles
  (local.set $pbase {PATCH.format(base='(local.get $xp)')})
  (local.set $cv (i32.const 0))
  (loop $in_vec
    (local.set $vp (i32.add (local.get $vbuf) (i32.add (i32.mul (local.get $k) (local.get $cb)) (local.get $cv))))
{I(4, row_ptrs('(i32.add (local.get $pbase) (local.get $cv))'))}
{I(4, loads_patch('d'))}
{I(4, code)}
    (local.set $cv (i32.add (local.get $cv) (i32.const 16)))
    (br_if $in_vec (i32.lt_u (local.get $cv) (local.get $cb))))
{I(2, TILE_NEXT)}
  (local.set $k (i32.add (local.get $k) (i32.const 1)))
  (br_if $in_tiles (i32.lt_u (local.get $k) (local.get $cnt))))
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

def output_code(first, bias):
    """Aᵀ m A of the loaded $d tile, plus $bias, into scratch vectors first … first + 15 (4×4)."""
    def emit(r, c, e): return f"(v128.store offset={16 * (first + r * MT + c)} (local.get $scr) (f32x4.add {e} (local.get ${bias})))"
    code, _ = two_d(at1d, 'd', AL, AL, 'e')
    # two_d stored rows 0..3 of each column into $e{r*AL+c}; now the row pass over those 4 rows
    code = list(code)
    for r in range(MT):
        st, outs = at1d([L(f"e{r * AL + c}") for c in range(AL)])
        code += st
        code += [emit(r, c, o) for c, o in enumerate(outs)]
    return '\n'.join(code)

def forward_func():
    def exp_inline(x):
        """e^x as in $exp, written out (a call would spill the live output vectors)."""
        return f"""(local.set $ex (f32x4.pmax (f32x4.pmin {x} (f32x4.splat (f32.const 88.0))) (f32x4.splat (f32.const -87.0))))
(local.set $ez (f32x4.add (f32x4.mul (local.get $ex) (f32x4.splat (f32.const 1.44269504))) (f32x4.splat (f32.const 12582912.0))))
(local.set $en (f32x4.sub (local.get $ez) (f32x4.splat (f32.const 12582912.0))))
(local.set $er (f32x4.sub (f32x4.sub (local.get $ex) (f32x4.mul (local.get $en) (f32x4.splat (f32.const 0.693145751953125)))) (f32x4.mul (local.get $en) (f32x4.splat (f32.const 1.428606765330187e-06)))))
(local.set $ep (f32x4.add (f32x4.splat (f32.const 0.008333334)) (f32x4.mul (local.get $er) (f32x4.splat (f32.const 0.0013888889)))))
(local.set $ep (f32x4.add (f32x4.splat (f32.const 0.041666668)) (f32x4.mul (local.get $er) (local.get $ep))))
(local.set $ep (f32x4.add (f32x4.splat (f32.const 0.16666667)) (f32x4.mul (local.get $er) (local.get $ep))))
(local.set $ep (f32x4.add (f32x4.splat (f32.const 0.5)) (f32x4.mul (local.get $er) (local.get $ep))))
(local.set $ep (f32x4.add (f32x4.splat (f32.const 1)) (f32x4.mul (local.get $er) (local.get $ep))))
(local.set $ep (f32x4.add (f32x4.splat (f32.const 1)) (f32x4.mul (local.get $er) (local.get $ep))))
(local.set $ep (f32x4.mul (local.get $ep) (i32x4.add (i32x4.shl (local.get $ez) (i32.const 23)) (i32x4.splat (i32.const 0x3F800000)))))"""
    pix = []
    for di in range(MT):
        for dj in range(MT):
            k = di * MT + dj
            o = f"(i32.add (local.get $ob) (i32.add (i32.mul (i32.const {di}) (local.get $srow)) (i32.mul (i32.const {dj}) (local.get $cb))))"
            xo = f"(i32.add (local.get $xb) (i32.add (i32.mul (i32.const {di}) (local.get $rsb)) (i32.mul (i32.const {dj}) (local.get $cb))))"
            body = f"""(local.set $o {o})
(local.set $hv (v128.load offset={16 * k} (local.get $scr)))
(local.set $tv (v128.load offset={16 * (16 + k)} (local.get $scr)))
(if (local.get $relu)
  (then
    ;; H = relu(A_H), T = σ(A_T), y = x + T·(H − x)
    (local.set $hv (f32x4.pmax (local.get $hv) (f32x4.splat (f32.const 0))))
{I(4, exp_inline('(f32x4.neg (local.get $tv))'))}
    (local.set $tv (f32x4.div (f32x4.splat (f32.const 1)) (f32x4.add (f32x4.splat (f32.const 1)) (local.get $ep))))
    (local.set $xv (v128.load {xo}))
    (v128.store (i32.add (local.get $y) (local.get $o)) (f32x4.add (local.get $xv) (f32x4.mul (local.get $tv) (f32x4.sub (local.get $hv) (local.get $xv)))))))
(v128.store (i32.add (local.get $h) (local.get $o)) (local.get $hv))
(v128.store (i32.add (local.get $t) (local.get $o)) (local.get $tv))"""
            cond = f"(i32.and (i32.lt_u (i32.const {di}) (local.get $nr)) (i32.lt_u (i32.const {dj}) (local.get $nc)))"
            pix.append(body if di == 0 and dj == 0 else f"(if {cond}\n  (then\n{I(4, body)}))")
    return f"""
  ;; The coupled highway conv layer's forward pass, 3×3 'same' stride 1, NHWC, Winograd F({MT}×{MT}, 3×3):
  ;; per block of $tb tiles ({MT}×{MT} outputs each): V = Bᵀ d B of the padded input tiles, M_ξ = V_ξ·U_ξ
  ;; for the {NX} transform positions ξ (U = G [W_H | W_T] Gᵀ, [{NX}][C][2C]), then Aᵀ M A + bias,
  ;; and with relu (act 0, the default) H = relu(·), T = σ(·), y = x + T·(H − x) into h, t and y
  ;; ([batch, s, s, C]); other activations leave A_H, A_T in h, t for "combine" to finish.
  ;; xp: the input zero-padded to [batch, p, p, C], p = {MT}·⌈s/{MT}⌉ + 2, x at rows/cols 1…s.
  (func (export "forward")
    (param $xp i32) (param $u i32) (param $bias i32) (param $y i32) (param $h i32) (param $t i32)
    (param $batch i32) (param $s i32) (param $c i32) (param $tb i32) (param $vbuf i32) (param $mbuf i32) (param $scr i32) (param $relu i32)
    {COMMON_LOCALS}
    (local $n i32) (local $mp2 i32) (local $srow i32) (local $r0o i32) (local $c0o i32)
    (local $ob i32) (local $xb i32) (local $obase i32) (local $xbase i32) (local $nr i32) (local $nc i32)
    (local $bh v128) (local $bt v128) (local $xv v128) (local $hv v128) (local $tv v128)
    (local $ex v128) (local $ez v128) (local $en v128) (local $er v128) (local $ep v128)
    (local.set $n (i32.shl (local.get $c) (i32.const 1)))
    {COMMON_SETUP}
    (local.set $srow (i32.mul (local.get $s) (local.get $cb)))
    (local.set $q0 (i32.const 0))
    (loop $blocks
{I(6, forward_products())}
      ;; pass 3: Aᵀ M A + bias of H, then of T, into 32 scratch vectors; then pixel by pixel, for
      ;; relu, the rest of the layer with e^x written out. (Keeping the 32 outputs in locals, or
      ;; calling a function among them, made V8 spill them: measured 19 against 16 ms.)
{I(6, TILE_START)}
      (local.set $k (i32.const 0))
      (loop $out_tiles
        (local.set $r0o (i32.shl (local.get $i) (i32.const {SH})))
        (local.set $c0o (i32.shl (local.get $j) (i32.const {SH})))
        ;; the tile's top-left output pixel in y/H/T and in xp; how many of its rows and columns exist
        (local.set $obase (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $s)) (local.get $r0o)) (local.get $s)) (local.get $c0o)) (local.get $cb)))
        (local.set $xbase (i32.add (local.get $xp) (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $p)) (i32.add (local.get $r0o) (i32.const 1))) (local.get $p)) (i32.add (local.get $c0o) (i32.const 1))) (local.get $cb))))
        (local.set $nr (i32.sub (local.get $s) (local.get $r0o)))
        (local.set $nc (i32.sub (local.get $s) (local.get $c0o)))
        (local.set $cv (i32.const 0))
        (loop $out_vec
          (local.set $ob (i32.add (local.get $obase) (local.get $cv)))
          (local.set $xb (i32.add (local.get $xbase) (local.get $cv)))
          (local.set $mp (i32.add (local.get $mbuf) (i32.add (i32.mul (local.get $k) (local.get $nb)) (local.get $cv))))
          (local.set $mp2 (i32.add (local.get $mp) (local.get $cb)))
          (local.set $bh (v128.load (i32.add (local.get $bias) (local.get $cv))))
          (local.set $bt (v128.load (i32.add (local.get $bias) (i32.add (local.get $cb) (local.get $cv)))))
{I(10, loads_run('d', 'mp', 'ms', NX))}
{I(10, output_code(0, 'bh'))}
{I(10, loads_run('d', 'mp2', 'ms', NX))}
{I(10, output_code(16, 'bt'))}
{I(10, chr(10).join(pix))}
          (local.set $cv (i32.add (local.get $cv) (i32.const 16)))
          (br_if $out_vec (i32.lt_u (local.get $cv) (local.get $cb))))
{I(8, tiles_end('out_tiles'))}
      (local.set $q0 (i32.add (local.get $q0) (local.get $tb)))
      (br_if $blocks (i32.lt_u (local.get $q0) (local.get $nt)))))
"""


def conv_forward_func():
    def emit(r, c, e):
        k = r * MT + c
        o = f"(i32.add (local.get $ob) (i32.add (i32.mul (i32.const {r}) (local.get $srow)) (i32.mul (i32.const {c}) (local.get $nb))))"
        body = f"""(local.set $av (f32x4.add {e} (local.get $bv)))
(v128.store {o} (select (f32x4.pmax (local.get $av) (f32x4.splat (f32.const 0))) (local.get $av) (local.get $relu)))"""
        cond = f"(i32.and (i32.lt_u (i32.const {r}) (local.get $nr)) (i32.lt_u (i32.const {c}) (local.get $nc)))"
        return body if k == 0 else f"(if {cond}\n  (then\n{I(4, body)}))"
    code, _ = two_d(at1d, 'd', AL, AL, 'e')
    code = list(code)
    for r in range(MT):
        st, outs = at1d([L(f"e{r * AL + c}") for c in range(AL)])
        code += st
        code += [emit(r, c, o) for c, o in enumerate(outs)]
    out = '\n'.join(code)
    return f"""
  ;; A 3×3 'same' stride-1 convolution, NHWC, C inputs, n outputs (n % 8 = 0), Winograd F({MT}×{MT}, 3×3),
  ;; y = conv(x, W) + bias, then relu where relu ≠ 0: per block of $tb tiles, V = Bᵀ d B, M_ξ = V_ξ·U_ξ
  ;; (U = G W Gᵀ, [{NX}][C][n]), y = Aᵀ M A + bias. xp as for "forward"; y [batch, s, s, n].
  (func (export "convForward")
    (param $xp i32) (param $u i32) (param $bias i32) (param $y i32)
    (param $batch i32) (param $s i32) (param $c i32) (param $n i32) (param $tb i32) (param $vbuf i32) (param $mbuf i32) (param $relu i32)
    {COMMON_LOCALS}
    (local $srow i32) (local $r0o i32) (local $c0o i32) (local $ob i32) (local $obase i32) (local $nr i32) (local $nc i32)
    (local $bv v128) (local $av v128)
    {COMMON_SETUP}
    (local.set $srow (i32.mul (local.get $s) (local.get $nb)))
    (local.set $q0 (i32.const 0))
    (loop $blocks
{I(6, forward_products())}
      ;; pass 3: y = Aᵀ M A + bias (relu), output vector by output vector
{I(6, TILE_START)}
      (local.set $k (i32.const 0))
      (loop $out_tiles
        (local.set $r0o (i32.shl (local.get $i) (i32.const {SH})))
        (local.set $c0o (i32.shl (local.get $j) (i32.const {SH})))
        (local.set $obase (i32.add (local.get $y) (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $s)) (local.get $r0o)) (local.get $s)) (local.get $c0o)) (local.get $nb))))
        (local.set $nr (i32.sub (local.get $s) (local.get $r0o)))
        (local.set $nc (i32.sub (local.get $s) (local.get $c0o)))
        (local.set $cv (i32.const 0))
        (loop $out_vec
          (local.set $ob (i32.add (local.get $obase) (local.get $cv)))
          (local.set $mp (i32.add (local.get $mbuf) (i32.add (i32.mul (local.get $k) (local.get $nb)) (local.get $cv))))
          (local.set $bv (v128.load (i32.add (local.get $bias) (local.get $cv))))
{I(10, loads_run('d', 'mp', 'ms', NX))}
{I(10, out)}
          (local.set $cv (i32.add (local.get $cv) (i32.const 16)))
          (br_if $out_vec (i32.lt_u (local.get $cv) (local.get $nb))))
{I(8, tiles_end('out_tiles'))}
      (local.set $q0 (i32.add (local.get $q0) (local.get $tb)))
      (br_if $blocks (i32.lt_u (local.get $q0) (local.get $nt)))))
"""

def backward_func():
    def gload(di, dj):
        load = f"(v128.load (i32.add (local.get $gp) (i32.add (i32.mul (i32.const {di}) (local.get $grb)) (i32.mul (i32.const {dj}) (local.get $nb)))))"
        if di == 0 and dj == 0: return load
        cond = f"(i32.and (i32.lt_u (i32.const {di}) (local.get $nr)) (i32.lt_u (i32.const {dj}) (local.get $nc)))"
        return f"(if (result v128) {cond} (then {load}) (else (v128.const i32x4 0 0 0 0)))"
    gl = '\n'.join(f"(local.set $d{di * MT + dj} {gload(di, dj)})" for di in range(MT) for dj in range(MT))
    gcode, _ = two_d(a1d, 'd', MT, MT, 'e')   # columns: 4 → 6 rows, into $e{r*MT + c}
    gcode = list(gcode)
    emit = store_run('mp', 'ms')
    for r in range(AL):
        st, outs = a1d([L(f"e{r * MT + c}") for c in range(MT)])
        gcode += st
        gcode += [emit(r, c, o) for c, o in enumerate(outs)]
    gcode = '\n'.join(gcode)
    def dxemit(r, c, e):
        return f"(local.set $o {coladdr(r, c)})\n(v128.store (local.get $o) (f32x4.add (v128.load (local.get $o)) {e}))"
    dcode = transform2d(b1d, 'd', AL, AL, 'e', dxemit)
    return f"""
  ;; Backward of a 3×3 'same' stride-1 convolution (C inputs, n outputs), Winograd F({MT}×{MT}, 3×3):
  ;; given dA, the gradient of the outputs before the bias ([batch, s, s, n]), per block of tiles:
  ;; dM = A dA Aᵀ; with wantDw, V = Bᵀ d B (recomputed from the padded input xp) and
  ;; dU_ξ += V_ξᵀ·dM_ξ (the weight gradient, transformed: dW = Gᵀ dU G); with wantDx,
  ;; dV_ξ = dM_ξ·U_ξᵀ (ut: [{NX}][n][C]) and dxp += B dV Bᵀ on the overlapping padded input tiles.
  ;; du ([{NX}][C][n]) and dxp ([batch, p, p, C]) are accumulated into: the caller sets them.
  (func (export "backward")
    (param $xp i32) (param $da i32) (param $ut i32) (param $du i32) (param $dxp i32)
    (param $batch i32) (param $s i32) (param $c i32) (param $n i32) (param $tb i32) (param $vbuf i32) (param $mbuf i32)
    (param $wantDw i32) (param $wantDx i32)
    {COMMON_LOCALS}
    (local $grb i32) (local $gp i32) (local $nr i32) (local $nc i32)
    {COMMON_SETUP}
    (local.set $grb (i32.mul (local.get $s) (local.get $nb)))
    (local.set $q0 (i32.const 0))
    (loop $blocks
     (block $next
{I(6, BLOCK_START)}
      (if (local.get $wantDw)
        (then
{I(10, input_pass())}))
      ;; pass 2: dM = A dA Aᵀ, [{NX}][rows][n]
{I(6, TILE_START)}
      (local.set $k (i32.const 0))
      (loop $g_tiles
        (local.set $pbase (i32.add (local.get $da) (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $s)) (i32.shl (local.get $i) (i32.const {SH}))) (local.get $s)) (i32.shl (local.get $j) (i32.const {SH}))) (local.get $nb))))
        (local.set $nr (i32.sub (local.get $s) (i32.shl (local.get $i) (i32.const {SH}))))
        (local.set $nc (i32.sub (local.get $s) (i32.shl (local.get $j) (i32.const {SH}))))
        (local.set $cv (i32.const 0))
        (loop $g_vec
          (local.set $gp (i32.add (local.get $pbase) (local.get $cv)))
          (local.set $mp (i32.add (local.get $mbuf) (i32.add (i32.mul (local.get $k) (local.get $nb)) (local.get $cv))))
{I(10, gl)}
{I(10, gcode)}
          (local.set $cv (i32.add (local.get $cv) (i32.const 16)))
          (br_if $g_vec (i32.lt_u (local.get $cv) (local.get $nb))))
{I(8, tiles_end('g_tiles'))}
      (call $zeroRows (local.get $mbuf) (local.get $ms) (i32.mul (local.get $cnt) (local.get $nb)) (i32.mul (local.get $rows) (local.get $nb)))
      ;; pass 3: dU_ξ += V_ξᵀ · dM_ξ
      (if (local.get $wantDw)
        (then
{I(10, gemms('''(call $gemm (i32.add (local.get $vbuf) (i32.mul (local.get $x) (local.get $vs)))
            (i32.add (local.get $mbuf) (i32.mul (local.get $x) (local.get $ms)))
            (i32.add (local.get $du) (i32.mul (local.get $x) (i32.mul (local.get $c) (local.get $nb))))
            (local.get $c) (local.get $rows) (local.get $n) (i32.const 4) (local.get $cb) (local.get $nb) (local.get $nb) (i32.const 1))'''))}))
      (if (i32.eqz (local.get $wantDx)) (then (br $next)))
      ;; pass 4: dV_ξ = dM_ξ · U_ξᵀ (into the V buffer)
{I(6, gemms('''(call $gemm (i32.add (local.get $mbuf) (i32.mul (local.get $x) (local.get $ms)))
            (i32.add (local.get $ut) (i32.mul (local.get $x) (i32.mul (local.get $n) (local.get $cb))))
            (i32.add (local.get $vbuf) (i32.mul (local.get $x) (local.get $vs)))
            (local.get $rows) (local.get $n) (local.get $c) (local.get $nb) (i32.const 4) (local.get $cb) (local.get $cb) (i32.const 0))'''))}
      ;; pass 5: dxp += B dV Bᵀ, tile by tile (neighbouring tiles overlap by two rows or columns)
{I(6, TILE_START)}
      (local.set $k (i32.const 0))
      (loop $dx_tiles
        (local.set $pbase {PATCH.format(base='(local.get $dxp)')})
        (local.set $cv (i32.const 0))
        (loop $dx_vec
          (local.set $vp (i32.add (local.get $vbuf) (i32.add (i32.mul (local.get $k) (local.get $cb)) (local.get $cv))))
{I(10, loads_run('d', 'vp', 'vs', NX))}
{I(10, row_ptrs('(i32.add (local.get $pbase) (local.get $cv))'))}
{I(10, dcode)}
          (local.set $cv (i32.add (local.get $cv) (i32.const 16)))
          (br_if $dx_vec (i32.lt_u (local.get $cv) (local.get $cb))))
{I(8, tiles_end('dx_tiles'))})
      (local.set $q0 (i32.add (local.get $q0) (local.get $tb)))
      (br_if $blocks (i32.lt_u (local.get $q0) (local.get $nt)))))
"""


def weight_funcs():
    """U = G g Gᵀ and dW = Gᵀ dU G, four output channels at a time."""
    def g1d(w):   # G·(w0, w1, w2): six values
        st = [S('u1', add(w[0], w[2]))]
        return st, [mul(0.25, w[0]), mul(-1 / 6, add(L('u1'), w[1])), mul(-1 / 6, sub(L('u1'), w[1])),
                    add(mul(1 / 24, w[0]), mul(1 / 12, w[1]), mul(1 / 6, w[2])), add(sub(mul(1 / 24, w[0]), mul(1 / 12, w[1])), mul(1 / 6, w[2])), w[2]]
    def gt1d(u):  # Gᵀ·(u0 … u5): three values
        st = [S('u1', add(u[1], u[2])), S('u2', sub(u[2], u[1])), S('u3', add(u[3], u[4])), S('u4', sub(u[3], u[4]))]
        return st, [add(sub(mul(0.25, u[0]), mul(1 / 6, L('u1'))), mul(1 / 24, L('u3'))), add(mul(1 / 6, L('u2')), mul(1 / 12, L('u4'))),
                    add(sub(mul(1 / 6, L('u3')), mul(1 / 6, L('u1'))), u[5])]
    # forward: 9 loads g[ky][kx] → columns (kx) through G: 6×3 into $e, rows through G: 6×6
    fw = []
    for c in range(3):
        st, outs = g1d([L(f"d{3 * r + c}") for r in range(3)])
        fw += st + [S(f"e{3 * r + c}", o) for r, o in enumerate(outs)]
    for r in range(AL):
        st, outs = g1d([L(f"e{3 * r + c}") for c in range(3)])
        fw += st
        for c, o in enumerate(outs):
            x = r * AL + c
            fw.append(f"(v128.store (local.get $up) {o})")
            if x < NX - 1: fw.append("(local.set $up (i32.add (local.get $up) (local.get $plane)))")
    wl = '\n'.join(f"(local.set $d{t} (v128.load (i32.add (local.get $wp) (i32.mul (i32.const {t}) (local.get $tapb)))))" for t in range(9))
    # backward: 36 loads → columns through Gᵀ: 3×6 into $e, rows: 3×3
    bw = []
    for c in range(AL):
        st, outs = gt1d([L(f"d{r * AL + c}") for r in range(AL)])
        bw += st + [S(f"e{r * AL + c}", o) for r, o in enumerate(outs)]
    for r in range(3):
        st, outs = gt1d([L(f"e{r * AL + c}") for c in range(AL)])
        bw += st
        bw += [f"(v128.store (i32.add (local.get $wp) (i32.mul (i32.const {3 * r + c}) (local.get $tapb))) {o})" for c, o in enumerate(outs)]
    loop = lambda body, inner_setup: f"""(local.set $ci (i32.const 0))
    (loop $cis
      (local.set $co (i32.const 0))
      (loop $cos
        (local.set $wp (i32.add (local.get $w) (i32.shl (i32.add (i32.mul (local.get $ci) (local.get $k)) (local.get $co)) (i32.const 2))))
        (local.set $up (i32.add (local.get $u) (i32.shl (i32.add (i32.mul (local.get $ci) (local.get $n)) (i32.add (local.get $first) (local.get $co))) (i32.const 2))))
{I(8, inner_setup)}
{I(8, body)}
        (local.set $co (i32.add (local.get $co) (i32.const 4)))
        (br_if $cos (i32.lt_u (local.get $co) (local.get $k))))
      (local.set $ci (i32.add (local.get $ci) (i32.const 1)))
      (br_if $cis (i32.lt_u (local.get $ci) (local.get $c))))"""
    common = f"""(local $ci i32) (local $co i32) (local $wp i32) (local $up i32) (local $tapb i32) (local $plane i32)
    (local $u1 v128) (local $u2 v128) (local $u3 v128) (local $u4 v128)
    {locals_v('d', NX)}
    {locals_v('e', NX)}
    (local.set $tapb (i32.shl (i32.mul (local.get $c) (local.get $k)) (i32.const 2)))
    (local.set $plane (i32.shl (i32.mul (local.get $c) (local.get $n)) (i32.const 2)))"""
    bl = loads_run('d', 'up', 'plane', NX)
    return f"""
  ;; U = G g Gᵀ of a kernel w [3, 3, C, k] (k % 4 = 0) into output columns first … first + k − 1
  ;; of U [{NX}][C][n], four output channels at a time (../winograd.ts has the same in JS, the tests' reference)
  (func (export "weightsToU") (param $w i32) (param $u i32) (param $c i32) (param $k i32) (param $n i32) (param $first i32)
    {common}
    {loop(chr(10).join(fw), wl)})

  ;; dW = Gᵀ dU G: the kernel gradient [3, 3, C, k] from columns first … first + k − 1 of dU [{NX}][C][n]
  (func (export "uToWeights") (param $u i32) (param $w i32) (param $c i32) (param $k i32) (param $n i32) (param $first i32)
    {common}
    {loop(chr(10).join(bw), bl)})
"""

part = lambda name: open(os.path.join(HERE, name), encoding='utf-8').read()
head = part('head.wat.part')
tail = part('extra.wat.part') + part('tail.wat.part')
sys.stdout.buffer.write((head + forward_func() + conv_forward_func() + backward_func() + weight_funcs() + tail).encode("utf-8"))
