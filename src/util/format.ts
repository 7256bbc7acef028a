/** How numbers and times are printed for people: one place, so every command reads alike. */

/** A duration: 7m05s, 1h27m. */
export const formatDuration = (s: number): string => {
  const m = Math.floor(s / 60);
  return m >= 60 ? `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m` : `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
};

/** A measured number to 4 significant digits: 0.01675, 0.9, 2.302, 1.234e-5; ∞ and NaN as such. */
export const formatNumber = (v: number | null | undefined): string => {
  if (v === null || v === undefined) return 'n/a';
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  if (v !== 0 && Math.abs(v) < 1e-3) return v.toExponential(3);
  return String(Number(v.toPrecision(4)));
};
