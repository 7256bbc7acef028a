import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** Compile a Vega-Lite spec and render it to an SVG string in Node (no browser, no canvas). */
export async function renderSvg(spec: Record<string, unknown>): Promise<string> {
  const view = new vega.View(
    vega.parse(
      compile({ $schema: 'https://vega.github.io/schema/vega-lite/v6.json', config: { font: 'sans-serif' }, ...spec } as unknown as TopLevelSpec).spec,
    ),
    {
      renderer: 'none',
    },
  );
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}
