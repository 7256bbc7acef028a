export { trainModel, type EpochRow, type Progress, type TrainHooks, type TrainResult, type TrainStatus, type StopRequest, type EarlyStop } from './loop.js';
export { evaluate, crossEntropy, type Evaluation } from './evaluate.js';
export { createOptimizer, type Optimizer } from './optimizers.js';
export { createTrainStep, type TrainStep } from './step.js';
