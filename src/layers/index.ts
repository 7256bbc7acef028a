export { GatedLayer, type GatedLayerArgs } from './gated-layer.js';
export { HighwayDense, type HighwayDenseArgs } from './highway-dense.js';
export { HighwayConv2D, type HighwayConv2DArgs } from './highway-conv2d.js';
export { FeaturePad, FeatureSubsample } from './transitions.js';
export { kernelInitializer } from './initializers.js';
export {
  BiLSTM,
  HighwayBiLSTM,
  MaskedMeanPooling,
  bidirectionalLstm,
  maskedMeanOverTime,
  tokenWeights,
  type HighwayBiLSTMArgs,
  type RecurrentArgs,
} from './recurrent.js';
export { SeededDropout, type SeededDropoutArgs } from './seeded-dropout.js';
export { ResidualBlock, ResidualConv2D, ResidualDense, RESIDUAL_FORMS, type ResidualArgs, type ResidualConv2DArgs, type ResidualForm } from './residual.js';
export { stepCounts, setStepCounts } from './stepwise.js';
