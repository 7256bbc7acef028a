export { buildModel, logitsModel, countParams, LOGITS_LAYER, type DataShape } from './build.js';
export { planDense, planParams, type LayerPlan } from './plan.js';
