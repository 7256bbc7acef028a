/** How numbers and times are printed for people: one place, so every command reads alike. */

/** A duration: 7m05s, 1h27m. */
export const formatDuration = (s: number): string => {
  const m = Math.floor(s / 60);
  return m >= 60 ? `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m` : `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
};
