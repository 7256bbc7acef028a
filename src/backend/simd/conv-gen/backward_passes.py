"""The generated backward pass and the weight transforms (U = G g Gᵀ, dW = Gᵀ dU G)."""
from wat_code import *


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
{I(6, tiles_by_vector('dx', '(local.get $dxp)', chr(10).join([loads_run('d', 'vp', 'vs', NX), row_ptrs('(i32.add (local.get $pbase) (local.get $cv))'), dcode])))})
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
