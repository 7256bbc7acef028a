;; The optimisers' updates, in place over a weight and its slots, four floats at a time, on
;; tfjs-backend-wasm's own memory (every pointer is a byte offset of a tensor there). The JS loops
;; in ../../train/optimizers.ts compute the same (the cpu backend's path, and the tests').
(module
  (import "env" "memory" (memory 1))

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
