import * as tfl from '@tensorflow/tfjs-layers';
import type { ResolvedConfig } from '../config/schema.js';
import { DEFAULT_CONV_BLOCKS } from '../config/schema.js';
import { UserError } from '../errors.js';
import { deriveSeed } from '../util/random.js';
import { kernelInitializer } from '../layers/index.js';
import { blockLayer } from './blocks.js';
import { kindOf } from '../base/kinds.js';

type Sym = tfl.SymbolicTensor;

/**
 * The authors' convolutional MNIST net (Caffe release, paper Table 1): [input dropout] → plain 5×5
 * conv (width maps) → stages of 3×3 highway (or plain) conv layers, each stage followed by 3/2
 * max-pooling → logits. `convBlocks` [2, 3, 3] gives their 9 conv layers; width 16 ≈ 40K
 * parameters, 32 ≈ 154K (paper: 39K and 151K; Caffe's ceil-mode pooling ends at 3×3, ours at 4×4).
 */
export function buildConvBody(m: ResolvedConfig['model'], input: Sym, seed: number): Sym {
  if (input.shape.length !== 4) {
    throw new UserError(
      `model.type "${m.type}" needs image data [height, width, channels]; this dataset's examples have shape [${input.shape.slice(1).join(', ')}]`,
    );
  }
  const init = (i: number) => kernelInitializer(m.init, deriveSeed(seed, 'init', i));
  const block = blockLayer(kindOf(m.type).block, 'conv');
  let x: Sym = tfl.layers
    .conv2d({ filters: m.width, kernelSize: 5, padding: 'same', activation: m.activation, kernelInitializer: init(0), name: 'conv_0' })
    .apply(input) as Sym;
  let i = 1;
  (m.convBlocks ?? DEFAULT_CONV_BLOCKS).forEach((blocks, stage) => {
    for (let b = 0; b < blocks; b++, i++) x = block(m, i, seed, m.width).apply(x) as Sym;
    x = tfl.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same', name: `pool_${stage + 1}` }).apply(x) as Sym;
  });
  return tfl.layers.flatten({ name: 'flatten' }).apply(x) as Sym;
}
