// The command map: the base style plus the overlays (jurisdictions, grids, workstations and their
// circles, key places, units, incidents, the cut-off plan), each group switchable.

import { Map, Popup, type ExpressionSpecification, type GeoJSONSource, type MapGeoJSONFeature } from 'maplibre-gl';
import type { Feature, FeatureCollection, Geometry } from 'geojson';
import { baseStyle, LABEL_FONTS } from './style';
import { UNIT_KINDS, type CutoffPlan, type Incident, type Jurisdiction, type MapMeta, type Unit, type UnitKind, type Workstation } from './types';
import { formatLonLat, t, term } from './i18n';

export const STATUS_COLOURS: Record<string, string> = {
  available: '#2ecc71',
  patrolling: '#1abc9c',
  dispatched: '#f1c40f',
  en_route: '#e67e22',
  on_scene: '#e74c3c',
  returning: '#3498db',
  out_of_service: '#7f8c8d',
};

export const PRIORITY_COLOURS: Record<string, string> = {
  P1: '#ff2d55',
  P2: '#ff9500',
  P3: '#ffd60a',
  P4: '#64d2ff',
};

const PLACE_COLOURS: Record<string, string> = {
  crowded_place: '#bf7af0',
  key_unit: '#f78fb3',
  vital_site: '#ff6b6b',
  must_visit: '#7bed9f',
  must_patrol: '#7bed9f',
};

export const CIRCLE_COLOURS: Record<number, string> = { 1: '#2ecc71', 3: '#f1c40f', 5: '#e67e22' };

/** Label width in ems: wide enough that names of up to 24 characters stay on one line. */
const LABEL_MAX_WIDTH = 24;

/** Switchable groups and the style layers each one shows. */
export const LAYER_GROUPS = {
  jurisdictions: ['jurisdictions-line', 'jurisdiction-names'],
  grids: ['grids-fill', 'grids-line', 'grid-names'],
  circles: ['circles-fill', 'circles-line'],
  workstations: ['workstations', 'workstation-names'],
  places: ['places-lines', 'places-points', 'place-names'],
  units: ['units', 'unit-kinds'],
  incidents: ['incidents-halo', 'incidents'],
  cutoff: ['cutoff-links', 'cutoff-seen', 'cutoff-points'],
} as const;
export type LayerGroup = keyof typeof LAYER_GROUPS;

const EMPTY: FeatureCollection = { type: 'FeatureCollection', features: [] };

function collection(features: Feature[]): FeatureCollection {
  return { type: 'FeatureCollection', features };
}

function point(lon: number, lat: number, properties: Record<string, unknown>): Feature {
  return { type: 'Feature', geometry: { type: 'Point', coordinates: [lon, lat] }, properties };
}

/** A white pictogram per unit kind, drawn on a canvas so that no sprite server is needed. */
export function kindIcon(kind: UnitKind): ImageData {
  const size = 32;
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = size;
  const g = canvas.getContext('2d')!;
  g.fillStyle = '#ffffff';
  g.strokeStyle = '#ffffff';
  g.lineWidth = 3;
  const c = size / 2;
  g.beginPath();
  switch (kind) {
    case 'patrol_car':
      g.roundRect(8, 11, 16, 10, 3);
      g.fill();
      break;
    case 'armed_patrol_car':
      g.roundRect(8, 11, 16, 10, 3);
      g.fill();
      g.fillStyle = '#000000';
      g.fillRect(8, 15, 16, 2);
      break;
    case 'swat_team':
      for (let i = 0; i < 6; i++) {
        const angle = (Math.PI / 3) * i - Math.PI / 2;
        g.lineTo(c + 8 * Math.cos(angle), c + 8 * Math.sin(angle));
      }
      g.closePath();
      g.fill();
      break;
    case 'traffic_motorcycle':
      g.moveTo(c, 7);
      g.lineTo(25, 24);
      g.lineTo(7, 24);
      g.closePath();
      g.fill();
      break;
    case 'foot_patrol':
      g.arc(c, 10, 3.5, 0, Math.PI * 2);
      g.fill();
      g.fillRect(c - 3, 15, 6, 10);
      break;
    case 'drone':
      g.moveTo(9, 9);
      g.lineTo(23, 23);
      g.moveTo(23, 9);
      g.lineTo(9, 23);
      g.stroke();
      break;
    case 'volunteer_patrol':
      g.arc(c, c, 6, 0, Math.PI * 2);
      g.stroke();
      break;
  }
  return g.getImageData(0, 0, size, size);
}

function popupHtml(rows: [string, string][]): string {
  const escape = (text: string) =>
    text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
  return `<table class="popup">${rows.map(([k, v]) => `<tr><th>${escape(k)}</th><td>${escape(v)}</td></tr>`).join('')}</table>`;
}

export class CommandMap {
  readonly map: Map;
  private popup = new Popup({ closeButton: true, maxWidth: '280px' });
  private ready: Promise<void>;
  /** While the dispatcher picks a point for the cut-off plan, clicks show nothing else. */
  private picking = false;

  constructor(container: HTMLElement, token: string, onIncidentClick: (id: number) => void) {
    const origin = window.location.origin;
    this.map = new Map({
      container,
      style: baseStyle(origin),
      center: [0, 0],
      zoom: 1,
      attributionControl: { compact: true, customAttribution: '© OpenStreetMap contributors (ODbL)' },
      localIdeographFontFamily: LABEL_FONTS.join(', '),
      canvasContextAttributes: { preserveDrawingBuffer: true },
      transformRequest: (url) => {
        if (new URL(url, origin).origin === origin) {
          return { url, headers: { Authorization: `Bearer ${token}` } };
        }
        return { url };
      },
    });
    // The browser test reads these: the map is idle once every tile in view is drawn, and the
    // base map is loaded once its tiles in view are (with units moving, the map is rarely idle).
    this.map.on('idle', () => (container.dataset.idle = 'true'));
    this.map.on('dataloading', () => (container.dataset.idle = 'false'));
    this.map.on('sourcedata', (event) => {
      if (event.sourceId === 'base') container.dataset.baseLoaded = String(this.map.isSourceLoaded('base'));
    });
    (window as unknown as { pinganMap: Map }).pinganMap = this.map;
    this.ready = new Promise((resolve) => this.map.once('load', () => resolve()));
    void this.ready.then(() => {
      this.addOverlays();
      this.map.on('click', 'incidents', (event) => {
        const feature = event.features?.[0];
        if (feature && !this.picking) onIncidentClick(Number(feature.properties.id));
      });
      this.map.on('click', 'units', (event) => this.showUnitPopup(event.features?.[0]));
      this.map.on('click', 'workstations', (event) => this.showNamePopup(event.features?.[0], 'layer.workstations'));
      this.map.on('click', 'places-points', (event) => this.showNamePopup(event.features?.[0], 'layer.places'));
      for (const layer of ['incidents', 'units', 'workstations', 'places-points']) {
        this.map.on('mouseenter', layer, () => (this.map.getCanvas().style.cursor = 'pointer'));
        this.map.on('mouseleave', layer, () => (this.map.getCanvas().style.cursor = ''));
      }
    });
  }

  whenReady(): Promise<void> {
    return this.ready;
  }

  fit(bounds: MapMeta['bounds']): void {
    const [west, south, east, north] = bounds;
    this.map.fitBounds(
      [
        [west, south],
        [east, north],
      ],
      { padding: 20, animate: false },
    );
  }

  private addOverlays(): void {
    const map = this.map;
    for (const kind of UNIT_KINDS) map.addImage(`kind-${kind}`, kindIcon(kind), { pixelRatio: 2 });
    for (const id of ['jurisdictions', 'jurisdiction-labels', 'grids', 'circles', 'workstations', 'places', 'units', 'incidents', 'cutoff', 'cutoff-links']) {
      map.addSource(id, { type: 'geojson', data: EMPTY });
    }
    // Circles must read on a sparse city and on a dense one where dozens overlap: the 1-minute
    // reach is filled lightly and the 3-minute one barely (overlaps must not stack into mud), the
    // 5-minute one is an outline only; outlines get thinner and fainter as the reach grows. One line layer
    // without casing or dashes: the road-shaped outlines have tens of thousands of vertices and
    // every extra line pass costs a frame on software WebGL.
    const circleColour: ExpressionSpecification = ['match', ['get', 'minutes'], 1, CIRCLE_COLOURS[1]!, 3, CIRCLE_COLOURS[3]!, CIRCLE_COLOURS[5]!];
    map.addLayer({
      id: 'circles-fill',
      type: 'fill',
      source: 'circles',
      filter: ['<', ['get', 'minutes'], 5],
      paint: { 'fill-color': circleColour, 'fill-opacity': ['match', ['get', 'minutes'], 1, 0.16, 0.035] },
    });
    map.addLayer({
      id: 'circles-line',
      type: 'line',
      source: 'circles',
      paint: {
        'line-color': circleColour,
        'line-width': ['match', ['get', 'minutes'], 1, 2, 3, 1.4, 1],
        // Zoomed in, the wide rings of neighbouring workstations cross everywhere: they fade.
        'line-opacity': [
          'interpolate',
          ['linear'],
          ['zoom'],
          12,
          ['match', ['get', 'minutes'], 1, 0.95, 3, 0.85, 0.7],
          15,
          ['match', ['get', 'minutes'], 1, 0.9, 3, 0.5, 0.3],
        ],
      },
    });
    map.addLayer({ id: 'grids-fill', type: 'fill', source: 'grids', paint: { 'fill-color': '#7aa2f7', 'fill-opacity': 0.04 } });
    map.addLayer({
      id: 'grids-line',
      type: 'line',
      source: 'grids',
      paint: { 'line-color': '#7aa2f7', 'line-width': 0.6, 'line-opacity': 0.6, 'line-dasharray': [3, 2] },
    });
    map.addLayer({
      id: 'jurisdictions-line',
      type: 'line',
      source: 'jurisdictions',
      paint: {
        'line-color': ['match', ['get', 'level'], 'police_station', '#e0e6f0', 'workstation', '#bb9af7', '#7dcfff'],
        'line-width': ['match', ['get', 'level'], 'police_station', 3, 'workstation', 2, 1.2],
        'line-opacity': 0.8,
      },
    });
    map.addLayer({
      id: 'grid-names',
      type: 'symbol',
      source: 'jurisdiction-labels',
      filter: ['==', ['get', 'level'], 'patrol_grid'],
      minzoom: 15,
      // The grid's id ("G-07-12"): the same in both languages, and short.
      layout: { 'text-field': ['get', 'id'], 'text-font': LABEL_FONTS, 'text-size': 11, 'text-allow-overlap': false, 'text-padding': 4 },
      paint: { 'text-color': '#7aa2f7', 'text-halo-color': '#111a28', 'text-halo-width': 1 },
    });
    map.addLayer({
      id: 'places-lines',
      type: 'line',
      source: 'places',
      filter: ['==', ['geometry-type'], 'LineString'],
      paint: { 'line-color': PLACE_COLOURS.must_patrol!, 'line-width': 2.5, 'line-dasharray': [1, 1] },
    });
    map.addLayer({
      id: 'places-points',
      type: 'circle',
      source: 'places',
      filter: ['==', ['geometry-type'], 'Point'],
      paint: {
        'circle-radius': 4,
        'circle-color': ['match', ['get', 'kind'], ...Object.entries(PLACE_COLOURS).flat(), '#cccccc'] as never,
        'circle-stroke-color': '#111a28',
        'circle-stroke-width': 1,
      },
    });
    map.addLayer({
      id: 'place-names',
      type: 'symbol',
      source: 'places',
      minzoom: 15,
      filter: ['==', ['geometry-type'], 'Point'],
      layout: {
        'text-field': ['get', 'name'],
        'text-font': LABEL_FONTS,
        'text-size': 11,
        'text-variable-anchor': ['top', 'bottom', 'left', 'right'],
        'text-radial-offset': 0.8,
        'text-max-width': LABEL_MAX_WIDTH,
        'text-allow-overlap': false,
        'text-optional': true,
        'text-padding': 3,
        'symbol-sort-key': ['match', ['get', 'kind'], 'vital_site', 0, 'key_unit', 1, 'crowded_place', 2, 3],
      },
      paint: { 'text-color': '#e6d6ff', 'text-halo-color': '#111a28', 'text-halo-width': 1 },
    });
    // Labels: never overlapping (the default, stated), placed in order of importance (the later
    // layer first: workstations, then stations and sectors, places, grids) and wide enough that a
    // CJK name does not break mid-word.
    map.addLayer({
      id: 'jurisdiction-names',
      type: 'symbol',
      source: 'jurisdiction-labels',
      filter: ['match', ['get', 'level'], ['police_station', 'workstation'], true, false],
      layout: {
        'text-field': ['get', 'name'],
        'text-font': LABEL_FONTS,
        'text-size': ['match', ['get', 'level'], 'police_station', 15, 13],
        'text-max-width': LABEL_MAX_WIDTH,
        'text-allow-overlap': false,
        'text-padding': 6,
        'symbol-sort-key': ['match', ['get', 'level'], 'police_station', 0, 1],
      },
      paint: { 'text-color': '#c9b8f5', 'text-halo-color': '#111a28', 'text-halo-width': 1.5, 'text-opacity': 0.85 },
    });
    map.addLayer({
      id: 'workstations',
      type: 'circle',
      source: 'workstations',
      paint: { 'circle-radius': 7, 'circle-color': '#2f6fdf', 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 2 },
    });
    map.addLayer({
      id: 'workstation-names',
      type: 'symbol',
      source: 'workstations',
      layout: {
        'text-field': ['get', 'name'],
        'text-font': LABEL_FONTS,
        'text-size': 12,
        'text-variable-anchor': ['top', 'bottom', 'right', 'left'],
        'text-radial-offset': 1.1,
        'text-max-width': LABEL_MAX_WIDTH,
        'text-allow-overlap': false,
        'text-optional': true,
        'text-padding': 4,
      },
      paint: { 'text-color': '#ffffff', 'text-halo-color': '#2f6fdf', 'text-halo-width': 1.5 },
    });
    map.addLayer({
      id: 'cutoff-links',
      type: 'line',
      source: 'cutoff-links',
      paint: { 'line-color': '#ff79c6', 'line-width': 1.5, 'line-dasharray': [2, 2] },
    });
    map.addLayer({
      id: 'cutoff-seen',
      type: 'circle',
      source: 'cutoff',
      filter: ['==', ['get', 'role'], 'last_seen'],
      paint: { 'circle-radius': 8, 'circle-color': '#ff79c6', 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 2 },
    });
    map.addLayer({
      id: 'cutoff-points',
      type: 'circle',
      source: 'cutoff',
      filter: ['==', ['get', 'role'], 'checkpoint'],
      paint: {
        'circle-radius': 6,
        'circle-color': ['case', ['get', 'covered'], '#ff79c6', '#000000'],
        'circle-stroke-color': '#ff79c6',
        'circle-stroke-width': 2,
      },
    });
    map.addLayer({
      id: 'incidents-halo',
      type: 'circle',
      source: 'incidents',
      filter: ['==', ['get', 'status'], 'received'],
      paint: {
        'circle-radius': 16,
        'circle-color': ['match', ['get', 'priority'], ...Object.entries(PRIORITY_COLOURS).flat(), '#ffffff'] as never,
        'circle-opacity': 0.25,
      },
    });
    map.addLayer({
      id: 'incidents',
      type: 'circle',
      source: 'incidents',
      paint: {
        'circle-radius': ['match', ['get', 'priority'], 'P1', 13, 'P2', 12, 10],
        'circle-color': ['match', ['get', 'priority'], ...Object.entries(PRIORITY_COLOURS).flat(), '#ffffff'] as never,
        'circle-stroke-color': ['case', ['get', 'selected'], '#ffffff', '#111a28'],
        'circle-stroke-width': ['case', ['get', 'selected'], 3, 1.5],
      },
    });
    map.addLayer({
      id: 'units',
      type: 'circle',
      source: 'units',
      paint: {
        'circle-radius': 9,
        'circle-color': ['match', ['get', 'status'], ...Object.entries(STATUS_COLOURS).flat(), '#ffffff'] as never,
        'circle-stroke-color': '#111a28',
        'circle-stroke-width': 1.5,
      },
    });
    map.addLayer({
      id: 'unit-kinds',
      type: 'symbol',
      source: 'units',
      layout: { 'icon-image': ['concat', 'kind-', ['get', 'kind']], 'icon-allow-overlap': true, 'icon-ignore-placement': true },
    });
  }

  setVisible(group: LayerGroup, visible: boolean): void {
    for (const layer of LAYER_GROUPS[group]) {
      if (this.map.getLayer(layer)) this.map.setLayoutProperty(layer, 'visibility', visible ? 'visible' : 'none');
    }
  }

  private source(id: string): GeoJSONSource | undefined {
    return this.map.getSource<GeoJSONSource>(id);
  }

  private jurisdictions: Jurisdiction[] = [];
  private workstations: Workstation[] = [];

  setJurisdictions(all: Jurisdiction[]): void {
    this.jurisdictions = all;
    const feature = (j: Jurisdiction): Feature => {
      const ring = j.area.map((p) => [p.lon, p.lat]);
      ring.push(ring[0]!);
      return { type: 'Feature', geometry: { type: 'Polygon', coordinates: [ring] }, properties: { id: j.id, name: j.name, level: j.level } };
    };
    this.source('jurisdictions')?.setData(collection(all.filter((j) => j.level !== 'patrol_grid').map(feature)));
    this.source('grids')?.setData(collection(all.filter((j) => j.level === 'patrol_grid').map(feature)));
    this.updateAreaLabels();
  }

  /**
   * One label point per area (a polygon source would label the area once per tile it spans), and
   * one label per place: a workstation's sector is named by the workstation's own label, so the
   * sector's ("Handschuhsheim警务站" beside the workstation "Handschuhsheim") is left out.
   */
  private updateAreaLabels(): void {
    const named = new Set<string>();
    for (const workstation of this.workstations) {
      named.add(workstation.id);
      if (workstation.jurisdiction) named.add(workstation.jurisdiction);
    }
    const label = (j: Jurisdiction): Feature => {
      const lon = j.area.reduce((sum, p) => sum + p.lon, 0) / j.area.length;
      const lat = j.area.reduce((sum, p) => sum + p.lat, 0) / j.area.length;
      return point(lon, lat, { id: j.id, name: j.name, level: j.level });
    };
    const labelled = this.jurisdictions.filter((j) => j.area.length > 0 && !(j.level === 'workstation' && named.has(j.id)));
    this.source('jurisdiction-labels')?.setData(collection(labelled.map(label)));
  }

  setWorkstations(all: Workstation[]): void {
    this.workstations = all;
    this.source('workstations')?.setData(
      collection(all.map((w) => point(w.location.lon, w.location.lat, { id: w.id, name: w.name, category: w.category }))),
    );
    this.updateAreaLabels();
  }

  setCircles(circles: FeatureCollection<Geometry>): void {
    // Widest first, so the 1-minute circle is drawn on top.
    const sorted = [...circles.features].sort((a, b) => Number(b.properties?.minutes) - Number(a.properties?.minutes));
    this.source('circles')?.setData(collection(sorted));
  }

  setPlaces(places: FeatureCollection<Geometry>): void {
    this.source('places')?.setData(places);
  }

  setUnits(units: Iterable<Unit>): void {
    const features: Feature[] = [];
    for (const unit of units) {
      if (!unit.position) continue;
      features.push(
        point(unit.position.point.lon, unit.position.point.lat, { id: unit.id, name: unit.name, kind: unit.kind, status: unit.status }),
      );
    }
    this.source('units')?.setData(collection(features));
  }

  setIncidents(incidents: Iterable<Incident>, selected: number | null): void {
    const features: Feature[] = [];
    for (const incident of incidents) {
      if (incident.status === 'closed' || incident.status === 'cancelled' || incident.merged_into !== null) continue;
      features.push(
        point(incident.location.lon, incident.location.lat, {
          id: incident.id,
          priority: incident.priority,
          status: incident.status,
          selected: incident.id === selected,
        }),
      );
    }
    this.source('incidents')?.setData(collection(features));
  }

  setCutoff(plan: CutoffPlan | null, units: ReadonlyMap<string, Unit>): void {
    if (!plan) {
      this.source('cutoff')?.setData(EMPTY);
      this.source('cutoff-links')?.setData(EMPTY);
      return;
    }
    const seen = plan.request.last_seen;
    const points: Feature[] = [point(seen.lon, seen.lat, { role: 'last_seen' })];
    const links: Feature[] = [];
    for (const checkpoint of plan.checkpoints) {
      points.push(point(checkpoint.point.lon, checkpoint.point.lat, { role: 'checkpoint', covered: checkpoint.assignment !== null }));
      const from = checkpoint.assignment ? units.get(checkpoint.assignment.unit)?.position?.point : undefined;
      if (from) {
        links.push({
          type: 'Feature',
          geometry: {
            type: 'LineString',
            coordinates: [
              [from.lon, from.lat],
              [checkpoint.point.lon, checkpoint.point.lat],
            ],
          },
          properties: { unit: checkpoint.assignment!.unit },
        });
      }
    }
    this.source('cutoff')?.setData(collection(points));
    this.source('cutoff-links')?.setData(collection(links));
  }

  flyTo(lon: number, lat: number): void {
    this.map.easeTo({ center: [lon, lat], zoom: Math.max(this.map.getZoom(), 14) });
  }

  private showUnitPopup(feature: MapGeoJSONFeature | undefined): void {
    if (!feature || feature.geometry.type !== 'Point' || this.picking) return;
    const p = feature.properties;
    this.popup
      .setLngLat(feature.geometry.coordinates as [number, number])
      .setHTML(
        popupHtml([
          [t('rec.unit'), `${p.id} ${p.name}`],
          [t('rec.kind'), term(String(p.kind))],
          [t('map.legend.status'), term(String(p.status))],
          [t('map.position'), formatLonLat({ lon: (feature.geometry.coordinates as number[])[0]!, lat: (feature.geometry.coordinates as number[])[1]! })],
        ]),
      )
      .addTo(this.map);
  }

  private showNamePopup(feature: MapGeoJSONFeature | undefined, what: 'layer.workstations' | 'layer.places'): void {
    if (!feature || feature.geometry.type !== 'Point' || this.picking) return;
    const p = feature.properties;
    const rows: [string, string][] = [[t(what), String(p.name ?? p.id)]];
    if (p.kind) rows.push([t('rec.kind'), term(String(p.kind))]);
    const [lon, lat] = feature.geometry.coordinates as number[];
    rows.push([t('map.position'), formatLonLat({ lon: lon!, lat: lat! })]);
    this.popup.setLngLat(feature.geometry.coordinates as [number, number]).setHTML(popupHtml(rows)).addTo(this.map);
  }

  /** Waits for one click on the map and returns where. */
  pickPoint(): Promise<{ lon: number; lat: number }> {
    this.map.getCanvas().style.cursor = 'crosshair';
    this.picking = true;
    return new Promise((resolve) => {
      this.map.once('click', (event) => {
        this.map.getCanvas().style.cursor = '';
        // Layer click handlers run after this one for the same click; they still see `picking`.
        window.setTimeout(() => (this.picking = false), 0);
        resolve({ lon: event.lngLat.lng, lat: event.lngLat.lat });
      });
    });
  }
}

