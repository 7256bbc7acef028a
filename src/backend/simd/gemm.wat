;; Matrix products for the dense layers in WebAssembly SIMD, on tfjs-backend-wasm's own heap
;; (every pointer is a byte offset of a tensor there). tfjs-backend-wasm 4.22 sends a product to
;; XNNPACK only when neither operand is transposed, and then builds an XNNPACK operator (a packed
;; copy of B) for every new B tensor — every call in training, where B is a fresh gradient or a
;; weight changed in place. These read A and B where they lie, with any strides, so xᵀ·D needs no
;; transposed copy and nothing is packed or allocated.
;;
;;   C[i, j] = act(Σ_k A(i, k)·B[k, j] + bias[j] + Cin[i, j]),   i < m, j < n, k < kk
;;
;; A(i, k) is at a + i·sai + k·sak (A·B: sai = 4·K, sak = 4; Aᵀ·B for A stored K × M: sai = 4,
;; sak = 4·M); B[k, j] at b + k·ldb + 4·j; C and Cin rows ldc bytes apart. bias and cin are
;; optional (0 = none); act is relu when `relu` ≠ 0, else none. C must not overlap A, B or Cin:
;; the last tiles of a row or column overlap earlier ones and compute the same values again.
(module
  (import "env" "memory" (memory 1))

  (func $gemm (export "gemm")
    (param $a i32) (param $sai i32) (param $sak i32) (param $b i32) (param $ldb i32)
    (param $c i32) (param $ldc i32) (param $cin i32) (param $bias i32)
    (param $m i32) (param $n i32) (param $kk i32) (param $relu i32)
    (local $i i32) (local $j i32) (local $jj i32) (local $rows i32) (local $off i32)
    (if (i32.or (i32.eqz (local.get $m)) (i32.eqz (local.get $n))) (then (return)))
    (if (i32.lt_u (local.get $n) (i32.const 8))
      (then
        (call $narrow (local.get $a) (local.get $sai) (local.get $sak) (local.get $b) (local.get $ldb) (local.get $c) (local.get $ldc)
          (local.get $cin) (local.get $bias) (local.get $m) (local.get $n) (local.get $kk) (local.get $relu))
        (return)))
    (loop $rowblocks
      ;; up to four rows per tile; a last tile of fewer repeats its last row
      (local.set $rows (select (i32.const 4) (i32.sub (local.get $m) (local.get $i)) (i32.ge_u (i32.sub (local.get $m) (local.get $i)) (i32.const 4))))
      (local.set $j (i32.const 0))
      (loop $colblocks
        ;; eight columns per tile; the last tile of a row block ends at column n (n ≥ 8 here)
        (local.set $jj (select (local.get $j) (i32.sub (local.get $n) (i32.const 8)) (i32.le_u (i32.add (local.get $j) (i32.const 8)) (local.get $n))))
        (local.set $off (i32.add (i32.mul (local.get $i) (local.get $ldc)) (i32.shl (local.get $jj) (i32.const 2))))
        (call $tile
          (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $sai))) (local.get $sai) (local.get $sak)
          (i32.add (local.get $b) (i32.shl (local.get $jj) (i32.const 2))) (local.get $ldb)
          (i32.add (local.get $c) (local.get $off)) (local.get $ldc)
          (select (i32.add (local.get $cin) (local.get $off)) (i32.const 0) (local.get $cin))
          (select (i32.add (local.get $bias) (i32.shl (local.get $jj) (i32.const 2))) (i32.const 0) (local.get $bias))
          (local.get $rows) (local.get $kk) (local.get $relu))
        (local.set $j (i32.add (local.get $j) (i32.const 8)))
        (br_if $colblocks (i32.lt_u (local.get $j) (local.get $n))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br_if $rowblocks (i32.lt_u (local.get $i) (local.get $m)))))

  ;; One 4 × 8 tile of C: eight accumulators of four lanes, B's row segment loaded once per k and
  ;; each A value broadcast (XNNPACK's wasm SIMD GEMM kernels have the same shape).
  (func $tile
    (param $a0 i32) (param $sai i32) (param $sak i32) (param $b i32) (param $ldb i32)
    (param $c0 i32) (param $ldc i32) (param $cin i32) (param $bias i32) (param $rows i32) (param $kk i32) (param $relu i32)
    (local $a1 i32) (local $a2 i32) (local $a3 i32) (local $d1 i32) (local $d2 i32) (local $d3 i32) (local $end i32)
    (local $p0 v128) (local $q0 v128) (local $p1 v128) (local $q1 v128) (local $p2 v128) (local $q2 v128) (local $p3 v128) (local $q3 v128)
    (local $b0 v128) (local $b1 v128) (local $v v128)
    ;; rows past `rows` alias the row before them (steps of 0): computed and stored twice, alike
    (local.set $a1 (i32.add (local.get $a0) (select (local.get $sai) (i32.const 0) (i32.gt_u (local.get $rows) (i32.const 1)))))
    (local.set $a2 (i32.add (local.get $a1) (select (local.get $sai) (i32.const 0) (i32.gt_u (local.get $rows) (i32.const 2)))))
    (local.set $a3 (i32.add (local.get $a2) (select (local.get $sai) (i32.const 0) (i32.gt_u (local.get $rows) (i32.const 3)))))
    (local.set $d1 (select (local.get $ldc) (i32.const 0) (i32.gt_u (local.get $rows) (i32.const 1))))
    (local.set $d2 (i32.add (local.get $d1) (select (local.get $ldc) (i32.const 0) (i32.gt_u (local.get $rows) (i32.const 2)))))
    (local.set $d3 (i32.add (local.get $d2) (select (local.get $ldc) (i32.const 0) (i32.gt_u (local.get $rows) (i32.const 3)))))
    (local.set $end (i32.add (local.get $b) (i32.mul (local.get $kk) (local.get $ldb))))
    (block $done
      (loop $k
        (br_if $done (i32.ge_u (local.get $b) (local.get $end)))
        (local.set $b0 (v128.load (local.get $b)))
        (local.set $b1 (v128.load offset=16 (local.get $b)))
        (local.set $v (v128.load32_splat (local.get $a0)))
        (local.set $p0 (f32x4.add (local.get $p0) (f32x4.mul (local.get $v) (local.get $b0))))
        (local.set $q0 (f32x4.add (local.get $q0) (f32x4.mul (local.get $v) (local.get $b1))))
        (local.set $v (v128.load32_splat (local.get $a1)))
        (local.set $p1 (f32x4.add (local.get $p1) (f32x4.mul (local.get $v) (local.get $b0))))
        (local.set $q1 (f32x4.add (local.get $q1) (f32x4.mul (local.get $v) (local.get $b1))))
        (local.set $v (v128.load32_splat (local.get $a2)))
        (local.set $p2 (f32x4.add (local.get $p2) (f32x4.mul (local.get $v) (local.get $b0))))
        (local.set $q2 (f32x4.add (local.get $q2) (f32x4.mul (local.get $v) (local.get $b1))))
        (local.set $v (v128.load32_splat (local.get $a3)))
        (local.set $p3 (f32x4.add (local.get $p3) (f32x4.mul (local.get $v) (local.get $b0))))
        (local.set $q3 (f32x4.add (local.get $q3) (f32x4.mul (local.get $v) (local.get $b1))))
        (local.set $a0 (i32.add (local.get $a0) (local.get $sak)))
        (local.set $a1 (i32.add (local.get $a1) (local.get $sak)))
        (local.set $a2 (i32.add (local.get $a2) (local.get $sak)))
        (local.set $a3 (i32.add (local.get $a3) (local.get $sak)))
        (local.set $b (i32.add (local.get $b) (local.get $ldb)))
        (br $k)))
    (if (local.get $bias)
      (then
        (local.set $b0 (v128.load (local.get $bias)))
        (local.set $b1 (v128.load offset=16 (local.get $bias)))
        (local.set $p0 (f32x4.add (local.get $p0) (local.get $b0)))
        (local.set $q0 (f32x4.add (local.get $q0) (local.get $b1)))
        (local.set $p1 (f32x4.add (local.get $p1) (local.get $b0)))
        (local.set $q1 (f32x4.add (local.get $q1) (local.get $b1)))
        (local.set $p2 (f32x4.add (local.get $p2) (local.get $b0)))
        (local.set $q2 (f32x4.add (local.get $q2) (local.get $b1)))
        (local.set $p3 (f32x4.add (local.get $p3) (local.get $b0)))
        (local.set $q3 (f32x4.add (local.get $q3) (local.get $b1)))))
    (if (local.get $cin)
      (then
        (local.set $p0 (f32x4.add (local.get $p0) (v128.load (local.get $cin))))
        (local.set $q0 (f32x4.add (local.get $q0) (v128.load offset=16 (local.get $cin))))
        (local.set $p1 (f32x4.add (local.get $p1) (v128.load (i32.add (local.get $cin) (local.get $d1)))))
        (local.set $q1 (f32x4.add (local.get $q1) (v128.load offset=16 (i32.add (local.get $cin) (local.get $d1)))))
        (local.set $p2 (f32x4.add (local.get $p2) (v128.load (i32.add (local.get $cin) (local.get $d2)))))
        (local.set $q2 (f32x4.add (local.get $q2) (v128.load offset=16 (i32.add (local.get $cin) (local.get $d2)))))
        (local.set $p3 (f32x4.add (local.get $p3) (v128.load (i32.add (local.get $cin) (local.get $d3)))))
        (local.set $q3 (f32x4.add (local.get $q3) (v128.load offset=16 (i32.add (local.get $cin) (local.get $d3)))))))
    (if (local.get $relu)
      (then
        (local.set $v (f32x4.splat (f32.const 0)))
        (local.set $p0 (f32x4.max (local.get $p0) (local.get $v)))
        (local.set $q0 (f32x4.max (local.get $q0) (local.get $v)))
        (local.set $p1 (f32x4.max (local.get $p1) (local.get $v)))
        (local.set $q1 (f32x4.max (local.get $q1) (local.get $v)))
        (local.set $p2 (f32x4.max (local.get $p2) (local.get $v)))
        (local.set $q2 (f32x4.max (local.get $q2) (local.get $v)))
        (local.set $p3 (f32x4.max (local.get $p3) (local.get $v)))
        (local.set $q3 (f32x4.max (local.get $q3) (local.get $v)))))
    (v128.store (local.get $c0) (local.get $p0))
    (v128.store offset=16 (local.get $c0) (local.get $q0))
    (v128.store (i32.add (local.get $c0) (local.get $d1)) (local.get $p1))
    (v128.store offset=16 (i32.add (local.get $c0) (local.get $d1)) (local.get $q1))
    (v128.store (i32.add (local.get $c0) (local.get $d2)) (local.get $p2))
    (v128.store offset=16 (i32.add (local.get $c0) (local.get $d2)) (local.get $q2))
    (v128.store (i32.add (local.get $c0) (local.get $d3)) (local.get $p3))
    (v128.store offset=16 (i32.add (local.get $c0) (local.get $d3)) (local.get $q3)))

  ;; Fewer than eight columns: one dot product per element.
  (func $narrow
    (param $a i32) (param $sai i32) (param $sak i32) (param $b i32) (param $ldb i32)
    (param $c i32) (param $ldc i32) (param $cin i32) (param $bias i32)
    (param $m i32) (param $n i32) (param $kk i32) (param $relu i32)
    (local $i i32) (local $j i32) (local $k i32) (local $s f32) (local $ap i32) (local $bp i32) (local $o i32)
    (loop $rows
      (local.set $j (i32.const 0))
      (loop $cols
        (local.set $s (f32.const 0))
        (local.set $ap (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $sai))))
        (local.set $bp (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2))))
        (local.set $k (i32.const 0))
        (block $kdone
          (loop $ks
            (br_if $kdone (i32.ge_u (local.get $k) (local.get $kk)))
            (local.set $s (f32.add (local.get $s) (f32.mul (f32.load (local.get $ap)) (f32.load (local.get $bp)))))
            (local.set $ap (i32.add (local.get $ap) (local.get $sak)))
            (local.set $bp (i32.add (local.get $bp) (local.get $ldb)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $ks)))
        (if (local.get $bias) (then (local.set $s (f32.add (local.get $s) (f32.load (i32.add (local.get $bias) (i32.shl (local.get $j) (i32.const 2))))))))
        (local.set $o (i32.add (i32.mul (local.get $i) (local.get $ldc)) (i32.shl (local.get $j) (i32.const 2))))
        (if (local.get $cin) (then (local.set $s (f32.add (local.get $s) (f32.load (i32.add (local.get $cin) (local.get $o)))))))
        (if (local.get $relu) (then (local.set $s (f32.max (local.get $s) (f32.const 0)))))
        (f32.store (i32.add (local.get $c) (local.get $o)) (local.get $s))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br_if $cols (i32.lt_u (local.get $j) (local.get $n))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $rows (i32.lt_u (local.get $i) (local.get $m)))))

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
)
