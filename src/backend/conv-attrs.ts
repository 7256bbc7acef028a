/** The attributes TF.js's convolution kernels take, as the kernels written here read them. */
export interface ConvAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number;
  dataFormat?: string;
  dilations?: [number, number] | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** A stride or dilation of 1 in both directions, however it is written. */
export const isOne = (v: [number, number] | number | undefined): boolean => v === undefined || v === 1 || (Array.isArray(v) && v[0] === 1 && v[1] === 1);

/** NHWC, the only layout these kernels take (TF.js's default when the attribute is absent). */
export const channelsLast = (a: { dataFormat?: string }): boolean => !a.dataFormat || a.dataFormat === 'NHWC';
