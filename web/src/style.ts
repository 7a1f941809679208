// The base map style: pingan's own vector tiles (layers roads, water, waterway from crates/tiles),
// no glyph server. Without `glyphs`, MapLibre draws label text with the browser's local fonts,
// which is what lets Chinese and German street names show on a network cut off from the internet.

import type { StyleSpecification, ExpressionSpecification } from 'maplibre-gl';

/** The font stack for map labels; each name is tried as a local CSS font family. */
export const LABEL_FONTS = ['Noto Sans CJK SC', 'WenQuanYi Micro Hei', 'Microsoft YaHei', 'PingFang SC', 'sans-serif'];

const roadColour: ExpressionSpecification = [
  'match',
  ['get', 'class'],
  ['motorway', 'trunk'],
  '#e0964a',
  'primary',
  '#d4b25a',
  ['secondary', 'tertiary'],
  '#a3adbd',
  ['minor', 'residential'],
  '#5f6b7d',
  '#47505e',
];

const roadWidth: ExpressionSpecification = [
  'interpolate',
  ['exponential', 1.6],
  ['zoom'],
  10,
  ['match', ['get', 'class'], ['motorway', 'trunk', 'primary'], 1.6, ['secondary', 'tertiary'], 0.9, 0.4],
  16,
  ['match', ['get', 'class'], ['motorway', 'trunk', 'primary'], 9, ['secondary', 'tertiary'], 6.5, ['minor', 'residential'], 4, 1.6],
];

export function baseStyle(origin: string): StyleSpecification {
  return {
    version: 8,
    sources: {
      base: {
        type: 'vector',
        tiles: [`${origin}/tiles/{z}/{x}/{y}.pbf`],
        minzoom: 0,
        maxzoom: 16,
      },
    },
    layers: [
      { id: 'background', type: 'background', paint: { 'background-color': '#111a28' } },
      {
        id: 'water',
        type: 'fill',
        source: 'base',
        'source-layer': 'water',
        paint: { 'fill-color': '#1d3f63', 'fill-opacity': 0.9 },
      },
      {
        id: 'waterway',
        type: 'line',
        source: 'base',
        'source-layer': 'waterway',
        paint: { 'line-color': '#2a5684', 'line-width': ['interpolate', ['linear'], ['zoom'], 10, 1, 16, 4] },
      },
      {
        id: 'roads-minor',
        type: 'line',
        source: 'base',
        'source-layer': 'roads',
        filter: ['match', ['get', 'class'], ['service', 'footway'], true, false],
        layout: { 'line-cap': 'round' },
        paint: { 'line-color': roadColour, 'line-width': roadWidth, 'line-dasharray': [2, 1.5] },
      },
      {
        id: 'roads',
        type: 'line',
        source: 'base',
        'source-layer': 'roads',
        filter: ['match', ['get', 'class'], ['service', 'footway'], false, true],
        layout: { 'line-cap': 'round', 'line-join': 'round' },
        paint: { 'line-color': roadColour, 'line-width': roadWidth },
      },
      {
        id: 'road-names',
        type: 'symbol',
        source: 'base',
        'source-layer': 'roads',
        minzoom: 13,
        filter: [
          'all',
          ['!=', ['get', 'name'], ''],
          ['match', ['get', 'class'], ['motorway', 'trunk', 'primary', 'secondary', 'tertiary'], true, false],
        ],
        layout: {
          'symbol-placement': 'line',
          'text-field': ['get', 'name'],
          'text-font': LABEL_FONTS,
          'text-size': 12,
          'text-max-angle': 30,
        },
        paint: { 'text-color': '#d9dee7', 'text-halo-color': '#111a28', 'text-halo-width': 1.5 },
      },
    ],
  };
}
