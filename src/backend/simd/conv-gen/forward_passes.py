"""The generated forward passes: the highway layer's (H and T as one convolution) and a plain convolution's."""
from wat_code import *


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
    out = output_transform(emit)
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
