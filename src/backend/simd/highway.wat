;; A coupled highway layer's forward and backward passes in WebAssembly SIMD (four floats at a
;; time), on tfjs-backend-wasm's own memory: every pointer is a byte offset of a tensor in that
;; heap. `forward` and `gradients` are the whole layer, products included (gemm.wat); the smaller
;; functions are their parts. The JS loops in ../highway-loops.ts compute the same (the cpu
;; backend's kernels; the tests hold both to a float64 computation).
;; One file: it is one WebAssembly module, which the build compiles and highway-simd.ts
;; instantiates as a unit; `forward` and `gradients` are built of its smaller functions, whose
;; inner loops call $activation and $derivative four floats at a time: across modules, imported calls.
(module
  (import "env" "memory" (memory 1))
  ;; gemm.wat's product: C = act(op(A)·B + bias + Cin), every stride in bytes
  (import "gemm" "gemm" (func $gemm (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32)))
  (import "gemm" "transpose" (func $transpose (param i32 i32 i32 i32)))

  ;; act'(a) from h = act(a), four lanes: 0 relu, 1 tanh, 2 sigmoid, 3 elu, 4 linear
  (func $derivative (param $h v128) (param $act i32) (result v128)
    (if (result v128) (i32.eqz (local.get $act))
      (then (v128.and (f32x4.gt (local.get $h) (v128.const f32x4 0 0 0 0)) (v128.const f32x4 1 1 1 1)))
      (else
        (if (result v128) (i32.eq (local.get $act) (i32.const 1))
          (then (f32x4.sub (v128.const f32x4 1 1 1 1) (f32x4.mul (local.get $h) (local.get $h))))
          (else
            (if (result v128) (i32.eq (local.get $act) (i32.const 2))
              (then (f32x4.mul (local.get $h) (f32x4.sub (v128.const f32x4 1 1 1 1) (local.get $h))))
              (else
                (if (result v128) (i32.eq (local.get $act) (i32.const 3))
                  (then (v128.bitselect (v128.const f32x4 1 1 1 1) (f32x4.add (local.get $h) (v128.const f32x4 1 1 1 1))
                          (f32x4.gt (local.get $h) (v128.const f32x4 0 0 0 0))))
                  (else (v128.const f32x4 1 1 1 1))))))))))

  ;; One unit group of one row: the four (or, at the tail, one) lanes at byte offset $o of a row.
  ;; dA_H = t·dy·act'(h), dA_T = (h − x)·t·dy·(1 − t) into D's two halves; dx_carry = dy − t·dy;
  ;; the bias gradients accumulate over rows.
  (func $backward
    (param $t i32) (param $h i32) (param $x i32) (param $dy i32)
    (param $da i32) (param $dxc i32) (param $dbh i32) (param $dbt i32)
    (param $batch i32) (param $n i32) (param $act i32)
    (local $r i32) (local $row i32) (local $row2 i32) (local $o i32) (local $vend i32) (local $end i32) (local $half i32)
    (local $tv v128) (local $tg v128) (local $hv v128) (local $ah v128) (local $at v128) (local $gv v128) (local $zero4 v128) (local $one4 v128)
    (local $ts f32) (local $tgs f32) (local $hs f32) (local $ahs f32) (local $ats f32) (local $gs f32) (local $ds f32)
    (local.set $one4 (v128.const f32x4 1 1 1 1))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $vend (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (local.set $half (local.get $end))
    ;; zero the bias gradients
    (local.set $o (i32.const 0))
    (block $zdone
      (loop $z
        (br_if $zdone (i32.ge_u (local.get $o) (local.get $end)))
        (f32.store (i32.add (local.get $dbh) (local.get $o)) (f32.const 0))
        (f32.store (i32.add (local.get $dbt) (local.get $o)) (f32.const 0))
        (local.set $o (i32.add (local.get $o) (i32.const 4)))
        (br $z)))
    (local.set $r (i32.const 0))
    (block $rdone
      (loop $rows
        (br_if $rdone (i32.ge_u (local.get $r) (local.get $batch)))
        (local.set $row (i32.mul (local.get $r) (local.get $end)))
        (local.set $row2 (i32.shl (local.get $row) (i32.const 1)))
        (local.set $o (i32.const 0))
        (block $vdone
          (loop $v
            (br_if $vdone (i32.ge_u (local.get $o) (local.get $vend)))
            (local.set $tv (v128.load (i32.add (local.get $t) (i32.add (local.get $row) (local.get $o)))))
            (local.set $gv (v128.load (i32.add (local.get $dy) (i32.add (local.get $row) (local.get $o)))))
            (local.set $hv (v128.load (i32.add (local.get $h) (i32.add (local.get $row) (local.get $o)))))
            (local.set $tg (f32x4.mul (local.get $tv) (local.get $gv)))
            ;; relu (the default) inline, its constants kept in registers: a call per four floats
            ;; and the constants made again each time cost more than the arithmetic
            (local.set $ah
              (f32x4.mul (local.get $tg)
                (if (result v128) (local.get $act)
                  (then (call $derivative (local.get $hv) (local.get $act)))
                  (else (v128.and (f32x4.gt (local.get $hv) (local.get $zero4)) (local.get $one4))))))
            (local.set $at
              (f32x4.mul
                (f32x4.mul (f32x4.sub (local.get $hv) (v128.load (i32.add (local.get $x) (i32.add (local.get $row) (local.get $o))))) (local.get $tg))
                (f32x4.sub (local.get $one4) (local.get $tv))))
            (v128.store (i32.add (local.get $da) (i32.add (local.get $row2) (local.get $o))) (local.get $ah))
            (v128.store (i32.add (local.get $da) (i32.add (local.get $row2) (i32.add (local.get $half) (local.get $o)))) (local.get $at))
            (v128.store (i32.add (local.get $dxc) (i32.add (local.get $row) (local.get $o))) (f32x4.sub (local.get $gv) (local.get $tg)))
            (v128.store (i32.add (local.get $dbh) (local.get $o)) (f32x4.add (v128.load (i32.add (local.get $dbh) (local.get $o))) (local.get $ah)))
            (v128.store (i32.add (local.get $dbt) (local.get $o)) (f32x4.add (v128.load (i32.add (local.get $dbt) (local.get $o))) (local.get $at)))
            (local.set $o (i32.add (local.get $o) (i32.const 16)))
            (br $v)))
        (block $sdone
          (loop $s
            (br_if $sdone (i32.ge_u (local.get $o) (local.get $end)))
            (local.set $ts (f32.load (i32.add (local.get $t) (i32.add (local.get $row) (local.get $o)))))
            (local.set $gs (f32.load (i32.add (local.get $dy) (i32.add (local.get $row) (local.get $o)))))
            (local.set $hs (f32.load (i32.add (local.get $h) (i32.add (local.get $row) (local.get $o)))))
            (local.set $tgs (f32.mul (local.get $ts) (local.get $gs)))
            (local.set $ds (f32x4.extract_lane 0 (call $derivative (f32x4.splat (local.get $hs)) (local.get $act))))
            (local.set $ahs (f32.mul (local.get $tgs) (local.get $ds)))
            (local.set $ats
              (f32.mul
                (f32.mul (f32.sub (local.get $hs) (f32.load (i32.add (local.get $x) (i32.add (local.get $row) (local.get $o))))) (local.get $tgs))
                (f32.sub (f32.const 1) (local.get $ts))))
            (f32.store (i32.add (local.get $da) (i32.add (local.get $row2) (local.get $o))) (local.get $ahs))
            (f32.store (i32.add (local.get $da) (i32.add (local.get $row2) (i32.add (local.get $half) (local.get $o)))) (local.get $ats))
            (f32.store (i32.add (local.get $dxc) (i32.add (local.get $row) (local.get $o))) (f32.sub (local.get $gs) (local.get $tgs)))
            (f32.store (i32.add (local.get $dbh) (local.get $o)) (f32.add (f32.load (i32.add (local.get $dbh) (local.get $o))) (local.get $ahs)))
            (f32.store (i32.add (local.get $dbt) (local.get $o)) (f32.add (f32.load (i32.add (local.get $dbt) (local.get $o))) (local.get $ats)))
            (local.set $o (i32.add (local.get $o) (i32.const 4)))
            (br $s)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rows))))

  ;; [W_H | W_T]ᵀ (2n × n) from the two n × n weight matrices
  (func $pack (param $wh i32) (param $wt i32) (param $out i32) (param $n i32)
    (call $transpose (local.get $wh) (local.get $out) (local.get $n) (local.get $n))
    (call $transpose (local.get $wt) (i32.add (local.get $out) (i32.shl (i32.mul (local.get $n) (local.get $n)) (i32.const 2))) (local.get $n) (local.get $n)))

  ;; e^z for z ≤ 0, four lanes: z = n·ln2 + t with n = round(z / ln2) and ln2 in two parts (so t
  ;; is exact), e^t by a degree-5 polynomial fitted here for relative error on |t| ≤ ln2/2
  ;; (1.2e-7 with these float32 coefficients, about one rounding), times 2^n. n is rounded by
  ;; adding 1.5·2²³ + 127, which leaves n + 127 in the low mantissa bits: shifted into the exponent
  ;; field they are 2^n. z is clamped at −87 (e^−87 is still a normal float).
  (func $expNonPositive (param $z v128) (result v128)
    (local $n v128) (local $p v128) (local $s v128)
    (local.set $z (f32x4.pmax (local.get $z) (v128.const f32x4 -87 -87 -87 -87)))
    (local.set $n (f32x4.add (f32x4.mul (local.get $z) (v128.const f32x4 1.44269504 1.44269504 1.44269504 1.44269504))
                             (v128.const f32x4 12583039 12583039 12583039 12583039)))
    (local.set $s (i32x4.shl (local.get $n) (i32.const 23)))
    (local.set $n (f32x4.sub (local.get $n) (v128.const f32x4 12583039 12583039 12583039 12583039)))
    (local.set $z (f32x4.sub (f32x4.sub (local.get $z) (f32x4.mul (local.get $n) (v128.const f32x4 0.693359375 0.693359375 0.693359375 0.693359375)))
                             (f32x4.mul (local.get $n) (v128.const f32x4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4))))
    (local.set $p (f32x4.add (f32x4.mul (v128.const f32x4 0.008296911604702473 0.008296911604702473 0.008296911604702473 0.008296911604702473) (local.get $z)) (v128.const f32x4 0.041920311748981476 0.041920311748981476 0.041920311748981476 0.041920311748981476)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $z)) (v128.const f32x4 0.1666761189699173 0.1666761189699173 0.1666761189699173 0.1666761189699173)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $z)) (v128.const f32x4 0.49998849630355835 0.49998849630355835 0.49998849630355835 0.49998849630355835)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $z)) (v128.const f32x4 0.9999997019767761 0.9999997019767761 0.9999997019767761 0.9999997019767761)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $z)) (v128.const f32x4 1.0000001192092896 1.0000001192092896 1.0000001192092896 1.0000001192092896)))
    (f32x4.mul (local.get $p) (local.get $s)))

  ;; σ(v) = 1/(1 + e^−v) from e = e^−|v|: e/(1 + e) for v < 0, 1 − e/(1 + e) otherwise
  (func $sigmoid (param $v v128) (result v128)
    (local $e v128)
    (local.set $e (call $expNonPositive (f32x4.neg (f32x4.abs (local.get $v)))))
    (local.set $e (f32x4.div (local.get $e) (f32x4.add (local.get $e) (v128.const f32x4 1 1 1 1))))
    (v128.bitselect (local.get $e) (f32x4.sub (v128.const f32x4 1 1 1 1) (local.get $e)) (f32x4.lt (local.get $v) (v128.const f32x4 0 0 0 0))))

  ;; act(v), four lanes: 0 relu, 1 tanh = 2σ(2v) − 1, 2 sigmoid, 3 elu = v > 0 ? v : e^v − 1, 4 linear
  (func $activation (param $v v128) (param $act i32) (result v128)
    (block $other
      (block $elu
        (block $sig
          (block $tanh
            (block $relu
              (br_table $relu $tanh $sig $elu $other (local.get $act)))
            (return (f32x4.max (local.get $v) (v128.const f32x4 0 0 0 0))))
          (return (f32x4.sub (f32x4.mul (call $sigmoid (f32x4.add (local.get $v) (local.get $v))) (v128.const f32x4 2 2 2 2)) (v128.const f32x4 1 1 1 1))))
        (return (call $sigmoid (local.get $v))))
      (return (v128.bitselect (local.get $v)
        (f32x4.sub (call $expNonPositive (f32x4.min (local.get $v) (v128.const f32x4 0 0 0 0))) (v128.const f32x4 1 1 1 1))
        (f32x4.gt (local.get $v) (v128.const f32x4 0 0 0 0)))))
    (local.get $v))

  ;; v ← act(v) over n floats in place (the last one to three one at a time, through lane 0)
  (func $activateInPlace (export "activateInPlace") (param $p i32) (param $n i32) (param $act i32)
    (local $end i32) (local $vend i32)
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $vend (i32.add (local.get $p) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $vdone
      (loop $v
        (br_if $vdone (i32.ge_u (local.get $p) (local.get $vend)))
        (v128.store (local.get $p) (call $activation (v128.load (local.get $p)) (local.get $act)))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $v)))
    (block $sdone
      (loop $s
        (br_if $sdone (i32.ge_u (local.get $p) (local.get $end)))
        (f32.store (local.get $p) (f32x4.extract_lane 0 (call $activation (f32x4.splat (f32.load (local.get $p))) (local.get $act))))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $s))))

  ;; dz = dy·act'(a) over n floats, from out = act(a) (a dense layer's backward pass)
  (func (export "activationGrad") (param $dy i32) (param $out i32) (param $dz i32) (param $n i32) (param $act i32)
    (local $o i32) (local $vend i32) (local $end i32)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $vend (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (block $vdone
      (loop $v
        (br_if $vdone (i32.ge_u (local.get $o) (local.get $vend)))
        (v128.store (i32.add (local.get $dz) (local.get $o))
          (f32x4.mul (v128.load (i32.add (local.get $dy) (local.get $o))) (call $derivative (v128.load (i32.add (local.get $out) (local.get $o))) (local.get $act))))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (br $v)))
    (block $sdone
      (loop $s
        (br_if $sdone (i32.ge_u (local.get $o) (local.get $end)))
        (f32.store (i32.add (local.get $dz) (local.get $o))
          (f32.mul (f32.load (i32.add (local.get $dy) (local.get $o)))
            (f32x4.extract_lane 0 (call $derivative (f32x4.splat (f32.load (i32.add (local.get $out) (local.get $o)))) (local.get $act)))))
        (local.set $o (i32.add (local.get $o) (i32.const 4)))
        (br $s))))

  ;; out[j] = Σ_i m[i, j] for a rows × cols matrix (a bias gradient)
  (func (export "columnSums") (param $m i32) (param $rows i32) (param $cols i32) (param $out i32)
    (local $r i32) (local $o i32) (local $vend i32) (local $end i32)
    (local.set $end (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $vend (i32.shl (i32.and (local.get $cols) (i32.const -4)) (i32.const 2)))
    (memory.fill (local.get $out) (i32.const 0) (local.get $end))
    (block $rdone
      (loop $rowsLoop
        (br_if $rdone (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $o (i32.const 0))
        (block $vdone
          (loop $v
            (br_if $vdone (i32.ge_u (local.get $o) (local.get $vend)))
            (v128.store (i32.add (local.get $out) (local.get $o))
              (f32x4.add (v128.load (i32.add (local.get $out) (local.get $o))) (v128.load (i32.add (local.get $m) (local.get $o)))))
            (local.set $o (i32.add (local.get $o) (i32.const 16)))
            (br $v)))
        (block $sdone
          (loop $s
            (br_if $sdone (i32.ge_u (local.get $o) (local.get $end)))
            (f32.store (i32.add (local.get $out) (local.get $o))
              (f32.add (f32.load (i32.add (local.get $out) (local.get $o))) (f32.load (i32.add (local.get $m) (local.get $o)))))
            (local.set $o (i32.add (local.get $o) (i32.const 4)))
            (br $s)))
        (local.set $m (i32.add (local.get $m) (local.get $end)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rowsLoop))))

  ;; t ← σ(t), then y = x + t·(h − x), over n floats. Sixteen at a time, the sigmoid of four
  ;; registers interleaved ($sigmoid's arithmetic, written out): one register at a time, each
  ;; exp's chain of dependent steps left the core idle (measured: 3.1 → 1.3 ns per float, where
  ;; XNNPACK's sigmoid through TF.js took 1.5–1.9); then four floats, then one, through $sigmoid.
  (func $gateAndCombine (param $t i32) (param $h i32) (param $x i32) (param $y i32) (param $n i32)
    (local $o i32) (local $end16 i32) (local $vend i32) (local $end i32) (local $tv v128) (local $xv v128)
    (local $a0 v128) (local $z0 v128) (local $k0 v128) (local $s0 v128) (local $p0 v128) (local $a1 v128) (local $z1 v128) (local $k1 v128) (local $s1 v128) (local $p1 v128) (local $a2 v128) (local $z2 v128) (local $k2 v128) (local $s2 v128) (local $p2 v128) (local $a3 v128) (local $z3 v128) (local $k3 v128) (local $s3 v128) (local $p3 v128)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $vend (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (local.set $end16 (i32.shl (i32.and (local.get $n) (i32.const -16)) (i32.const 2)))
    (block $udone
      (loop $u
        (br_if $udone (i32.ge_u (local.get $o) (local.get $end16)))
        (local.set $a0 (v128.load offset=0 (i32.add (local.get $t) (local.get $o))))
        (local.set $a1 (v128.load offset=16 (i32.add (local.get $t) (local.get $o))))
        (local.set $a2 (v128.load offset=32 (i32.add (local.get $t) (local.get $o))))
        (local.set $a3 (v128.load offset=48 (i32.add (local.get $t) (local.get $o))))
        ;; e = e^−|a| (see $expNonPositive), then σ = e/(1 + e) or 1 − e/(1 + e)
        (local.set $z0 (f32x4.pmax (f32x4.neg (f32x4.abs (local.get $a0))) (v128.const f32x4 -87 -87 -87 -87)))
        (local.set $z1 (f32x4.pmax (f32x4.neg (f32x4.abs (local.get $a1))) (v128.const f32x4 -87 -87 -87 -87)))
        (local.set $z2 (f32x4.pmax (f32x4.neg (f32x4.abs (local.get $a2))) (v128.const f32x4 -87 -87 -87 -87)))
        (local.set $z3 (f32x4.pmax (f32x4.neg (f32x4.abs (local.get $a3))) (v128.const f32x4 -87 -87 -87 -87)))
        (local.set $k0 (f32x4.add (f32x4.mul (local.get $z0) (v128.const f32x4 1.44269504 1.44269504 1.44269504 1.44269504)) (v128.const f32x4 12583039 12583039 12583039 12583039)))
        (local.set $k1 (f32x4.add (f32x4.mul (local.get $z1) (v128.const f32x4 1.44269504 1.44269504 1.44269504 1.44269504)) (v128.const f32x4 12583039 12583039 12583039 12583039)))
        (local.set $k2 (f32x4.add (f32x4.mul (local.get $z2) (v128.const f32x4 1.44269504 1.44269504 1.44269504 1.44269504)) (v128.const f32x4 12583039 12583039 12583039 12583039)))
        (local.set $k3 (f32x4.add (f32x4.mul (local.get $z3) (v128.const f32x4 1.44269504 1.44269504 1.44269504 1.44269504)) (v128.const f32x4 12583039 12583039 12583039 12583039)))
        (local.set $s0 (i32x4.shl (local.get $k0) (i32.const 23)))
        (local.set $s1 (i32x4.shl (local.get $k1) (i32.const 23)))
        (local.set $s2 (i32x4.shl (local.get $k2) (i32.const 23)))
        (local.set $s3 (i32x4.shl (local.get $k3) (i32.const 23)))
        (local.set $k0 (f32x4.sub (local.get $k0) (v128.const f32x4 12583039 12583039 12583039 12583039)))
        (local.set $k1 (f32x4.sub (local.get $k1) (v128.const f32x4 12583039 12583039 12583039 12583039)))
        (local.set $k2 (f32x4.sub (local.get $k2) (v128.const f32x4 12583039 12583039 12583039 12583039)))
        (local.set $k3 (f32x4.sub (local.get $k3) (v128.const f32x4 12583039 12583039 12583039 12583039)))
        (local.set $z0 (f32x4.sub (f32x4.sub (local.get $z0) (f32x4.mul (local.get $k0) (v128.const f32x4 0.693359375 0.693359375 0.693359375 0.693359375))) (f32x4.mul (local.get $k0) (v128.const f32x4 -0.00021219444 -0.00021219444 -0.00021219444 -0.00021219444))))
        (local.set $z1 (f32x4.sub (f32x4.sub (local.get $z1) (f32x4.mul (local.get $k1) (v128.const f32x4 0.693359375 0.693359375 0.693359375 0.693359375))) (f32x4.mul (local.get $k1) (v128.const f32x4 -0.00021219444 -0.00021219444 -0.00021219444 -0.00021219444))))
        (local.set $z2 (f32x4.sub (f32x4.sub (local.get $z2) (f32x4.mul (local.get $k2) (v128.const f32x4 0.693359375 0.693359375 0.693359375 0.693359375))) (f32x4.mul (local.get $k2) (v128.const f32x4 -0.00021219444 -0.00021219444 -0.00021219444 -0.00021219444))))
        (local.set $z3 (f32x4.sub (f32x4.sub (local.get $z3) (f32x4.mul (local.get $k3) (v128.const f32x4 0.693359375 0.693359375 0.693359375 0.693359375))) (f32x4.mul (local.get $k3) (v128.const f32x4 -0.00021219444 -0.00021219444 -0.00021219444 -0.00021219444))))
        (local.set $p0 (f32x4.add (f32x4.mul (v128.const f32x4 0.008296911604702473 0.008296911604702473 0.008296911604702473 0.008296911604702473) (local.get $z0)) (v128.const f32x4 0.041920311748981476 0.041920311748981476 0.041920311748981476 0.041920311748981476)))
        (local.set $p1 (f32x4.add (f32x4.mul (v128.const f32x4 0.008296911604702473 0.008296911604702473 0.008296911604702473 0.008296911604702473) (local.get $z1)) (v128.const f32x4 0.041920311748981476 0.041920311748981476 0.041920311748981476 0.041920311748981476)))
        (local.set $p2 (f32x4.add (f32x4.mul (v128.const f32x4 0.008296911604702473 0.008296911604702473 0.008296911604702473 0.008296911604702473) (local.get $z2)) (v128.const f32x4 0.041920311748981476 0.041920311748981476 0.041920311748981476 0.041920311748981476)))
        (local.set $p3 (f32x4.add (f32x4.mul (v128.const f32x4 0.008296911604702473 0.008296911604702473 0.008296911604702473 0.008296911604702473) (local.get $z3)) (v128.const f32x4 0.041920311748981476 0.041920311748981476 0.041920311748981476 0.041920311748981476)))
        (local.set $p0 (f32x4.add (f32x4.mul (local.get $p0) (local.get $z0)) (v128.const f32x4 0.1666761189699173 0.1666761189699173 0.1666761189699173 0.1666761189699173)))
        (local.set $p1 (f32x4.add (f32x4.mul (local.get $p1) (local.get $z1)) (v128.const f32x4 0.1666761189699173 0.1666761189699173 0.1666761189699173 0.1666761189699173)))
        (local.set $p2 (f32x4.add (f32x4.mul (local.get $p2) (local.get $z2)) (v128.const f32x4 0.1666761189699173 0.1666761189699173 0.1666761189699173 0.1666761189699173)))
        (local.set $p3 (f32x4.add (f32x4.mul (local.get $p3) (local.get $z3)) (v128.const f32x4 0.1666761189699173 0.1666761189699173 0.1666761189699173 0.1666761189699173)))
        (local.set $p0 (f32x4.add (f32x4.mul (local.get $p0) (local.get $z0)) (v128.const f32x4 0.49998849630355835 0.49998849630355835 0.49998849630355835 0.49998849630355835)))
        (local.set $p1 (f32x4.add (f32x4.mul (local.get $p1) (local.get $z1)) (v128.const f32x4 0.49998849630355835 0.49998849630355835 0.49998849630355835 0.49998849630355835)))
        (local.set $p2 (f32x4.add (f32x4.mul (local.get $p2) (local.get $z2)) (v128.const f32x4 0.49998849630355835 0.49998849630355835 0.49998849630355835 0.49998849630355835)))
        (local.set $p3 (f32x4.add (f32x4.mul (local.get $p3) (local.get $z3)) (v128.const f32x4 0.49998849630355835 0.49998849630355835 0.49998849630355835 0.49998849630355835)))
        (local.set $p0 (f32x4.add (f32x4.mul (local.get $p0) (local.get $z0)) (v128.const f32x4 0.9999997019767761 0.9999997019767761 0.9999997019767761 0.9999997019767761)))
        (local.set $p1 (f32x4.add (f32x4.mul (local.get $p1) (local.get $z1)) (v128.const f32x4 0.9999997019767761 0.9999997019767761 0.9999997019767761 0.9999997019767761)))
        (local.set $p2 (f32x4.add (f32x4.mul (local.get $p2) (local.get $z2)) (v128.const f32x4 0.9999997019767761 0.9999997019767761 0.9999997019767761 0.9999997019767761)))
        (local.set $p3 (f32x4.add (f32x4.mul (local.get $p3) (local.get $z3)) (v128.const f32x4 0.9999997019767761 0.9999997019767761 0.9999997019767761 0.9999997019767761)))
        (local.set $p0 (f32x4.add (f32x4.mul (local.get $p0) (local.get $z0)) (v128.const f32x4 1.0000001192092896 1.0000001192092896 1.0000001192092896 1.0000001192092896)))
        (local.set $p1 (f32x4.add (f32x4.mul (local.get $p1) (local.get $z1)) (v128.const f32x4 1.0000001192092896 1.0000001192092896 1.0000001192092896 1.0000001192092896)))
        (local.set $p2 (f32x4.add (f32x4.mul (local.get $p2) (local.get $z2)) (v128.const f32x4 1.0000001192092896 1.0000001192092896 1.0000001192092896 1.0000001192092896)))
        (local.set $p3 (f32x4.add (f32x4.mul (local.get $p3) (local.get $z3)) (v128.const f32x4 1.0000001192092896 1.0000001192092896 1.0000001192092896 1.0000001192092896)))
        (local.set $p0 (f32x4.mul (local.get $p0) (local.get $s0)))
        (local.set $p1 (f32x4.mul (local.get $p1) (local.get $s1)))
        (local.set $p2 (f32x4.mul (local.get $p2) (local.get $s2)))
        (local.set $p3 (f32x4.mul (local.get $p3) (local.get $s3)))
        (local.set $p0 (f32x4.div (local.get $p0) (f32x4.add (local.get $p0) (v128.const f32x4 1 1 1 1))))
        (local.set $p1 (f32x4.div (local.get $p1) (f32x4.add (local.get $p1) (v128.const f32x4 1 1 1 1))))
        (local.set $p2 (f32x4.div (local.get $p2) (f32x4.add (local.get $p2) (v128.const f32x4 1 1 1 1))))
        (local.set $p3 (f32x4.div (local.get $p3) (f32x4.add (local.get $p3) (v128.const f32x4 1 1 1 1))))
        (local.set $p0 (v128.bitselect (local.get $p0) (f32x4.sub (v128.const f32x4 1 1 1 1) (local.get $p0)) (f32x4.lt (local.get $a0) (v128.const f32x4 0 0 0 0))))
        (local.set $p1 (v128.bitselect (local.get $p1) (f32x4.sub (v128.const f32x4 1 1 1 1) (local.get $p1)) (f32x4.lt (local.get $a1) (v128.const f32x4 0 0 0 0))))
        (local.set $p2 (v128.bitselect (local.get $p2) (f32x4.sub (v128.const f32x4 1 1 1 1) (local.get $p2)) (f32x4.lt (local.get $a2) (v128.const f32x4 0 0 0 0))))
        (local.set $p3 (v128.bitselect (local.get $p3) (f32x4.sub (v128.const f32x4 1 1 1 1) (local.get $p3)) (f32x4.lt (local.get $a3) (v128.const f32x4 0 0 0 0))))
        (v128.store offset=0 (i32.add (local.get $t) (local.get $o)) (local.get $p0))
        (v128.store offset=16 (i32.add (local.get $t) (local.get $o)) (local.get $p1))
        (v128.store offset=32 (i32.add (local.get $t) (local.get $o)) (local.get $p2))
        (v128.store offset=48 (i32.add (local.get $t) (local.get $o)) (local.get $p3))
        (local.set $xv (v128.load offset=0 (i32.add (local.get $x) (local.get $o))))
        (v128.store offset=0 (i32.add (local.get $y) (local.get $o))
          (f32x4.add (local.get $xv) (f32x4.mul (local.get $p0) (f32x4.sub (v128.load offset=0 (i32.add (local.get $h) (local.get $o))) (local.get $xv)))))
        (local.set $xv (v128.load offset=16 (i32.add (local.get $x) (local.get $o))))
        (v128.store offset=16 (i32.add (local.get $y) (local.get $o))
          (f32x4.add (local.get $xv) (f32x4.mul (local.get $p1) (f32x4.sub (v128.load offset=16 (i32.add (local.get $h) (local.get $o))) (local.get $xv)))))
        (local.set $xv (v128.load offset=32 (i32.add (local.get $x) (local.get $o))))
        (v128.store offset=32 (i32.add (local.get $y) (local.get $o))
          (f32x4.add (local.get $xv) (f32x4.mul (local.get $p2) (f32x4.sub (v128.load offset=32 (i32.add (local.get $h) (local.get $o))) (local.get $xv)))))
        (local.set $xv (v128.load offset=48 (i32.add (local.get $x) (local.get $o))))
        (v128.store offset=48 (i32.add (local.get $y) (local.get $o))
          (f32x4.add (local.get $xv) (f32x4.mul (local.get $p3) (f32x4.sub (v128.load offset=48 (i32.add (local.get $h) (local.get $o))) (local.get $xv)))))
        (local.set $o (i32.add (local.get $o) (i32.const 64)))
        (br $u)))
    (block $vdone
      (loop $v
        (br_if $vdone (i32.ge_u (local.get $o) (local.get $vend)))
        (local.set $tv (call $sigmoid (v128.load (i32.add (local.get $t) (local.get $o)))))
        (v128.store (i32.add (local.get $t) (local.get $o)) (local.get $tv))
        (local.set $xv (v128.load (i32.add (local.get $x) (local.get $o))))
        (v128.store (i32.add (local.get $y) (local.get $o))
          (f32x4.add (local.get $xv) (f32x4.mul (local.get $tv) (f32x4.sub (v128.load (i32.add (local.get $h) (local.get $o))) (local.get $xv)))))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (br $v)))
    (block $sdone
      (loop $s
        (br_if $sdone (i32.ge_u (local.get $o) (local.get $end)))
        (local.set $tv (call $sigmoid (f32x4.splat (f32.load (i32.add (local.get $t) (local.get $o))))))
        (f32.store (i32.add (local.get $t) (local.get $o)) (f32x4.extract_lane 0 (local.get $tv)))
        (local.set $xv (f32x4.splat (f32.load (i32.add (local.get $x) (local.get $o)))))
        (f32.store (i32.add (local.get $y) (local.get $o))
          (f32x4.extract_lane 0
            (f32x4.add (local.get $xv) (f32x4.mul (local.get $tv) (f32x4.sub (f32x4.splat (f32.load (i32.add (local.get $h) (local.get $o)))) (local.get $xv))))))
        (local.set $o (i32.add (local.get $o) (i32.const 4)))
        (br $s))))

  ;; The layer's forward pass for a batch × n input x: H = act(x·W_H + b_H), T = σ(x·W_T + b_T),
  ;; y = x + T·(H − x), in blocks of 64 rows so that a block's H and T are still in cache when
  ;; they are combined. keep ≠ 0: H and T are batch × n outputs (training saves them for the
  ;; backward pass); keep = 0: they are one block's scratch (64 × n), reused (evaluation).
  (func (export "forward")
    (param $x i32) (param $wh i32) (param $bh i32) (param $wt i32) (param $bt i32)
    (param $h i32) (param $t i32) (param $y i32) (param $batch i32) (param $n i32) (param $act i32) (param $keep i32)
    (local $r i32) (local $rows i32) (local $o i32) (local $row i32) (local $hp i32) (local $tp i32)
    (local.set $row (i32.shl (local.get $n) (i32.const 2)))
    (block $done
      (loop $blocks
        (br_if $done (i32.ge_u (local.get $r) (local.get $batch)))
        (local.set $rows (select (i32.const 64) (i32.sub (local.get $batch) (local.get $r)) (i32.ge_u (i32.sub (local.get $batch) (local.get $r)) (i32.const 64))))
        (local.set $o (i32.mul (local.get $r) (local.get $row)))
        (local.set $hp (select (i32.add (local.get $h) (local.get $o)) (local.get $h) (local.get $keep)))
        (local.set $tp (select (i32.add (local.get $t) (local.get $o)) (local.get $t) (local.get $keep)))
        (call $gemm (i32.add (local.get $x) (local.get $o)) (local.get $row) (i32.const 4) (local.get $wh) (local.get $row)
          (local.get $hp) (local.get $row) (i32.const 0) (local.get $bh) (local.get $rows) (local.get $n) (local.get $n) (i32.eqz (local.get $act)))
        (if (i32.and (i32.ge_u (local.get $act) (i32.const 1)) (i32.le_u (local.get $act) (i32.const 3)))
          (then (call $activateInPlace (local.get $hp) (i32.mul (local.get $rows) (local.get $n)) (local.get $act))))
        (call $gemm (i32.add (local.get $x) (local.get $o)) (local.get $row) (i32.const 4) (local.get $wt) (local.get $row)
          (local.get $tp) (local.get $row) (i32.const 0) (local.get $bt) (local.get $rows) (local.get $n) (local.get $n) (i32.const 0))
        (call $gateAndCombine (local.get $tp) (local.get $hp) (i32.add (local.get $x) (local.get $o)) (i32.add (local.get $y) (local.get $o))
          (i32.mul (local.get $rows) (local.get $n)))
        (local.set $r (i32.add (local.get $r) (i32.const 64)))
        (br $blocks))))

  ;; The layer's gradients from its saved x, H, T and the output's gradient dy (see `backward`):
  ;;   dx = (1 − T)·dy + D·[W_H | W_T]ᵀ,  dW_H = xᵀ·D_:,<n,  dW_T = xᵀ·D_:,≥n,  db = Σ_batch D.
  ;; scratch: batch·3n + 2n² floats (D, (1 − T)·dy, [W_H | W_T]ᵀ).
  (func (export "gradients")
    (param $x i32) (param $h i32) (param $t i32) (param $dy i32) (param $wh i32) (param $wt i32)
    (param $dx i32) (param $dwh i32) (param $dbh i32) (param $dwt i32) (param $dbt i32) (param $scratch i32)
    (param $batch i32) (param $n i32) (param $act i32)
    (local $row i32) (local $d i32) (local $dxc i32) (local $wp i32)
    (local.set $row (i32.shl (local.get $n) (i32.const 2)))
    (local.set $d (local.get $scratch))
    (local.set $dxc (i32.add (local.get $d) (i32.shl (i32.mul (local.get $batch) (local.get $row)) (i32.const 1))))
    (local.set $wp (i32.add (local.get $dxc) (i32.mul (local.get $batch) (local.get $row))))
    (call $backward (local.get $t) (local.get $h) (local.get $x) (local.get $dy) (local.get $d) (local.get $dxc) (local.get $dbh) (local.get $dbt)
      (local.get $batch) (local.get $n) (local.get $act))
    (call $pack (local.get $wh) (local.get $wt) (local.get $wp) (local.get $n))
    ;; dx = (1 − T)·dy + D·[W_H | W_T]ᵀ: batch × 2n times 2n × n
    (call $gemm (local.get $d) (i32.shl (local.get $row) (i32.const 1)) (i32.const 4) (local.get $wp) (local.get $row)
      (local.get $dx) (local.get $row) (local.get $dxc) (i32.const 0) (local.get $batch) (local.get $n) (i32.shl (local.get $n) (i32.const 1)) (i32.const 0))
    ;; xᵀ·D, read from x as it lies (A(i, k) = x[k, i]), one half of D at a time
    (call $gemm (local.get $x) (i32.const 4) (local.get $row) (local.get $d) (i32.shl (local.get $row) (i32.const 1))
      (local.get $dwh) (local.get $row) (i32.const 0) (i32.const 0) (local.get $n) (local.get $n) (local.get $batch) (i32.const 0))
    (call $gemm (local.get $x) (i32.const 4) (local.get $row) (i32.add (local.get $d) (local.get $row)) (i32.shl (local.get $row) (i32.const 1))
      (local.get $dwt) (local.get $row) (i32.const 0) (i32.const 0) (local.get $n) (local.get $n) (local.get $batch) (i32.const 0)))
)
