;; The elementwise part of a coupled highway layer's backward pass and its forward combination,
;; in WebAssembly SIMD (four floats at a time), on tfjs-backend-wasm's own memory: every pointer
;; is a byte offset of a tensor in that heap. The JS loops in ../highway-kernels.ts compute the
;; same (the cpu backend's kernels, and the tests' second computation).
(module
  (import "env" "memory" (memory 1))

  ;; y = x + t·(h − x), n floats
  (func (export "combine") (param $t i32) (param $h i32) (param $x i32) (param $y i32) (param $n i32)
    (local $i i32) (local $end i32) (local $o i32) (local $xv v128) (local $xs f32)
    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (local.set $o (i32.const 0))
    (block $vdone
      (loop $v
        (br_if $vdone (i32.ge_u (local.get $o) (local.get $end)))
        (local.set $xv (v128.load (i32.add (local.get $x) (local.get $o))))
        (v128.store (i32.add (local.get $y) (local.get $o))
          (f32x4.add (local.get $xv)
            (f32x4.mul (v128.load (i32.add (local.get $t) (local.get $o)))
              (f32x4.sub (v128.load (i32.add (local.get $h) (local.get $o))) (local.get $xv)))))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (br $v)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $sdone
      (loop $s
        (br_if $sdone (i32.ge_u (local.get $o) (local.get $end)))
        (local.set $xs (f32.load (i32.add (local.get $x) (local.get $o))))
        (f32.store (i32.add (local.get $y) (local.get $o))
          (f32.add (local.get $xs)
            (f32.mul (f32.load (i32.add (local.get $t) (local.get $o)))
              (f32.sub (f32.load (i32.add (local.get $h) (local.get $o))) (local.get $xs)))))
        (local.set $o (i32.add (local.get $o) (i32.const 4)))
        (br $s))))

  ;; act'(a) from h = act(a), four lanes: 0 relu, 1 tanh, 2 sigmoid, 3 elu, 4 linear
  (func $derivative (param $h v128) (param $act i32) (result v128)
    (if (result v128) (i32.eqz (local.get $act))
      (then (v128.and (f32x4.gt (local.get $h) (f32x4.splat (f32.const 0))) (f32x4.splat (f32.const 1))))
      (else
        (if (result v128) (i32.eq (local.get $act) (i32.const 1))
          (then (f32x4.sub (f32x4.splat (f32.const 1)) (f32x4.mul (local.get $h) (local.get $h))))
          (else
            (if (result v128) (i32.eq (local.get $act) (i32.const 2))
              (then (f32x4.mul (local.get $h) (f32x4.sub (f32x4.splat (f32.const 1)) (local.get $h))))
              (else
                (if (result v128) (i32.eq (local.get $act) (i32.const 3))
                  (then (v128.bitselect (f32x4.splat (f32.const 1)) (f32x4.add (local.get $h) (f32x4.splat (f32.const 1)))
                          (f32x4.gt (local.get $h) (f32x4.splat (f32.const 0)))))
                  (else (f32x4.splat (f32.const 1)))))))))))

  ;; One unit group of one row: the four (or, at the tail, one) lanes at byte offset $o of a row.
  ;; dA_H = t·dy·act'(h), dA_T = (h − x)·t·dy·(1 − t) into D's two halves; dx_carry = dy − t·dy;
  ;; the bias gradients accumulate over rows.
  (func (export "backward")
    (param $t i32) (param $h i32) (param $x i32) (param $dy i32)
    (param $da i32) (param $dxc i32) (param $dbh i32) (param $dbt i32)
    (param $batch i32) (param $n i32) (param $act i32)
    (local $r i32) (local $row i32) (local $row2 i32) (local $o i32) (local $vend i32) (local $end i32) (local $half i32)
    (local $tv v128) (local $tg v128) (local $hv v128) (local $ah v128) (local $at v128) (local $gv v128)
    (local $ts f32) (local $tgs f32) (local $hs f32) (local $ahs f32) (local $ats f32) (local $gs f32) (local $ds f32)
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
            (local.set $ah (f32x4.mul (local.get $tg) (call $derivative (local.get $hv) (local.get $act))))
            (local.set $at
              (f32x4.mul
                (f32x4.mul (f32x4.sub (local.get $hv) (v128.load (i32.add (local.get $x) (i32.add (local.get $row) (local.get $o))))) (local.get $tg))
                (f32x4.sub (f32x4.splat (f32.const 1)) (local.get $tv))))
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

  ;; out = inᵀ for a rows × cols matrix; scalar: the matrices here are
  ;; small (50 × 50), and a blocked SIMD transpose would not pay for its shuffles.
  (func $transpose (export "transpose") (param $in i32) (param $out i32) (param $rows i32) (param $cols i32)
    (local $r i32) (local $c i32) (local $src i32)
    (local.set $src (local.get $in))
    (local.set $r (i32.const 0))
    (block $rdone
      (loop $rloop
        (br_if $rdone (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $c (i32.const 0))
        (block $cdone
          (loop $cloop
            (br_if $cdone (i32.ge_u (local.get $c) (local.get $cols)))
            (f32.store
              (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $c) (local.get $rows)) (local.get $r)) (i32.const 2)))
              (f32.load (local.get $src)))
            (local.set $src (i32.add (local.get $src) (i32.const 4)))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $cloop)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rloop))))

  ;; [W_H | W_T]ᵀ (2n × n) from the two n × n weight matrices
  (func (export "pack") (param $wh i32) (param $wt i32) (param $out i32) (param $n i32)
    (call $transpose (local.get $wh) (local.get $out) (local.get $n) (local.get $n))
    (call $transpose (local.get $wt) (i32.add (local.get $out) (i32.shl (i32.mul (local.get $n) (local.get $n)) (i32.const 2))) (local.get $n) (local.get $n)))

  ;; the left and right halves of a rows × 2·half matrix, row by row
  (func (export "split") (param $m i32) (param $left i32) (param $right i32) (param $rows i32) (param $half i32)
    (local $r i32) (local $bytes i32)
    (local.set $bytes (i32.shl (local.get $half) (i32.const 2)))
    (local.set $r (i32.const 0))
    (block $done
      (loop $row
        (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
        (memory.copy (local.get $left) (local.get $m) (local.get $bytes))
        (memory.copy (local.get $right) (i32.add (local.get $m) (local.get $bytes)) (local.get $bytes))
        (local.set $m (i32.add (local.get $m) (i32.shl (local.get $bytes) (i32.const 1))))
        (local.set $left (i32.add (local.get $left) (local.get $bytes)))
        (local.set $right (i32.add (local.get $right) (local.get $bytes)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $row))))

  ;; SGD with momentum (nesterov ≠ 0: Nesterov) over n floats, in place:
  ;; v ← μ·v + g;  w ← w − lr·v  (Nesterov: w ← w − lr·(g + μ·v))
  (func (export "sgd") (param $w i32) (param $v i32) (param $g i32) (param $n i32) (param $lr f32) (param $mu f32) (param $nesterov i32)
    (local $o i32) (local $vend i32) (local $end i32) (local $lr4 v128) (local $mu4 v128) (local $g4 v128) (local $v4 v128)
    (local $gs f32) (local $vs f32)
    (local.set $lr4 (f32x4.splat (local.get $lr)))
    (local.set $mu4 (f32x4.splat (local.get $mu)))
    (local.set $vend (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $o (i32.const 0))
    (block $vdone
      (loop $vl
        (br_if $vdone (i32.ge_u (local.get $o) (local.get $vend)))
        (local.set $g4 (v128.load (i32.add (local.get $g) (local.get $o))))
        (local.set $v4 (f32x4.add (f32x4.mul (local.get $mu4) (v128.load (i32.add (local.get $v) (local.get $o)))) (local.get $g4)))
        (v128.store (i32.add (local.get $v) (local.get $o)) (local.get $v4))
        (v128.store (i32.add (local.get $w) (local.get $o))
          (f32x4.sub (v128.load (i32.add (local.get $w) (local.get $o)))
            (f32x4.mul (local.get $lr4)
              (if (result v128) (local.get $nesterov)
                (then (f32x4.add (local.get $g4) (f32x4.mul (local.get $mu4) (local.get $v4))))
                (else (local.get $v4))))))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (br $vl)))
    (block $sdone
      (loop $sl
        (br_if $sdone (i32.ge_u (local.get $o) (local.get $end)))
        (local.set $gs (f32.load (i32.add (local.get $g) (local.get $o))))
        (local.set $vs (f32.add (f32.mul (local.get $mu) (f32.load (i32.add (local.get $v) (local.get $o)))) (local.get $gs)))
        (f32.store (i32.add (local.get $v) (local.get $o)) (local.get $vs))
        (f32.store (i32.add (local.get $w) (local.get $o))
          (f32.sub (f32.load (i32.add (local.get $w) (local.get $o)))
            (f32.mul (local.get $lr)
              (if (result f32) (local.get $nesterov)
                (then (f32.add (local.get $gs) (f32.mul (local.get $mu) (local.get $vs))))
                (else (local.get $vs))))))
        (local.set $o (i32.add (local.get $o) (i32.const 4)))
        (br $sl))))

  ;; Adam over n floats, in place: m ← β1·m + (1−β1)·g;  s ← β2·s + (1−β2)·g²;
  ;; w ← w − lr·(m·mScale) / (√(s·sScale) + ε), mScale = 1/(1−β1^t), sScale = 1/(1−β2^t)
  (func (export "adam") (param $w i32) (param $m i32) (param $s i32) (param $g i32) (param $n i32)
    (param $lr f32) (param $b1 f32) (param $b2 f32) (param $mScale f32) (param $sScale f32) (param $eps f32)
    (local $o i32) (local $end i32) (local $g4 v128) (local $m4 v128) (local $s4 v128) (local $p i32) (local $step i32)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $o (i32.const 0))
    ;; four lanes while they fit, then one lane at a time through the same SIMD formula
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
        (local.set $step (select (i32.const 16) (i32.const 4) (i32.le_u (i32.add (local.get $o) (i32.const 16)) (local.get $end))))
        (if (i32.eq (local.get $step) (i32.const 16))
          (then
            (local.set $g4 (v128.load (i32.add (local.get $g) (local.get $o))))
            (local.set $m4 (v128.load (i32.add (local.get $m) (local.get $o))))
            (local.set $s4 (v128.load (i32.add (local.get $s) (local.get $o)))))
          (else
            (local.set $g4 (f32x4.splat (f32.load (i32.add (local.get $g) (local.get $o)))))
            (local.set $m4 (f32x4.splat (f32.load (i32.add (local.get $m) (local.get $o)))))
            (local.set $s4 (f32x4.splat (f32.load (i32.add (local.get $s) (local.get $o)))))))
        (local.set $m4 (f32x4.add (f32x4.mul (f32x4.splat (local.get $b1)) (local.get $m4))
                                  (f32x4.mul (f32x4.splat (f32.sub (f32.const 1) (local.get $b1))) (local.get $g4))))
        (local.set $s4 (f32x4.add (f32x4.mul (f32x4.splat (local.get $b2)) (local.get $s4))
                                  (f32x4.mul (f32x4.splat (f32.sub (f32.const 1) (local.get $b2))) (f32x4.mul (local.get $g4) (local.get $g4)))))
        (local.set $g4
          (f32x4.div (f32x4.mul (f32x4.splat (local.get $lr)) (f32x4.mul (local.get $m4) (f32x4.splat (local.get $mScale))))
                     (f32x4.add (f32x4.sqrt (f32x4.mul (local.get $s4) (f32x4.splat (local.get $sScale)))) (f32x4.splat (local.get $eps)))))
        (local.set $p (i32.add (local.get $w) (local.get $o)))
        (if (i32.eq (local.get $step) (i32.const 16))
          (then
            (v128.store (i32.add (local.get $m) (local.get $o)) (local.get $m4))
            (v128.store (i32.add (local.get $s) (local.get $o)) (local.get $s4))
            (v128.store (local.get $p) (f32x4.sub (v128.load (local.get $p)) (local.get $g4))))
          (else
            (f32.store (i32.add (local.get $m) (local.get $o)) (f32x4.extract_lane 0 (local.get $m4)))
            (f32.store (i32.add (local.get $s) (local.get $o)) (f32x4.extract_lane 0 (local.get $s4)))
            (f32.store (local.get $p) (f32.sub (f32.load (local.get $p)) (f32x4.extract_lane 0 (local.get $g4))))))
        (local.set $o (i32.add (local.get $o) (local.get $step)))
        (br $l))))
)
