/**
 * The layers' argument vocabularies: plain data, no tensors, so the config schema can offer the
 * same names without the layers ever importing the config.
 */
export const ACTIVATIONS = ['relu', 'tanh', 'linear', 'sigmoid', 'elu'] as const;
export const CARRIES = ['coupled', 'independent'] as const;
export const INITS = ['glorot_uniform', 'glorot_normal', 'he_uniform', 'he_normal'] as const;

export type Activation = (typeof ACTIVATIONS)[number];
export type Carry = (typeof CARRIES)[number];
export type InitName = (typeof INITS)[number];

/** Where a residual block's nonlinearity sits (see residual.ts). */
export const RESIDUAL_FORMS = ['post', 'pre', 'identity'] as const;
export type ResidualForm = (typeof RESIDUAL_FORMS)[number];
