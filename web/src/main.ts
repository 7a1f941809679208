// The dashboard: loads the command centre's state over the API, keeps it current from the live
// feed, and draws it on the map and in the dispatcher and KPI panels.

import 'maplibre-gl/dist/maplibre-gl.css';
import './app.css';
import { setWorkerUrl } from 'maplibre-gl';
import type { FeatureCollection, Geometry } from 'geojson';
import { Api, ApiFailure, forgetToken, storeToken, takeToken } from './api';
import { CommandMap, LAYER_GROUPS, type LayerGroup } from './map';
import { errorText, language, onLanguageChange, setLanguage, t, term, translatePage } from './i18n';
import { Panels } from './panels';
import type { CutoffPlan, FeedMessage, Incident, Jurisdiction, MapMeta, Recommendation, Unit, UnitStatus, Workstation } from './types';

declare const WORKER_FILE: string;
setWorkerUrl(new URL(WORKER_FILE, import.meta.url).href);

const errors = document.getElementById('errors')!;

/** What the dispatcher was doing when something failed: the first words of the error banner. */
export type Action = 'action.load' | 'action.recommend' | 'action.dispatch' | 'action.status' | 'action.cutoff' | 'action.map' | 'action.other';

/** The banner's text in the current language: what failed, what it means and what to do. */
function errorBannerText(action: Action, code: string, status: number): string {
  return `${t(action)}${t('punct.colon')}${code === 'page' ? t('error.code.page') : errorText(code, status)}`;
}

/**
 * Shows what failed in the user's language with what to do next, from the server's stable error
 * code; the code and the server's (English) message go to the console only.
 */
function showError(error: unknown, action: Action = 'action.other'): void {
  console.error(error);
  let code = 'page';
  let status = 0;
  if (error instanceof ApiFailure) {
    code = error.code;
    status = error.status;
  } else if (typeof (error as { status?: unknown } | null)?.status === 'number') {
    // MapLibre's failed tile requests carry the HTTP status.
    status = (error as { status: number }).status;
    code = status === 0 ? 'network' : '';
  }
  const item = document.createElement('div');
  item.className = 'error';
  item.dataset.testid = 'error';
  item.dataset.action = action;
  item.dataset.code = code;
  item.dataset.status = String(status);
  const text = document.createElement('span');
  text.className = 'error-text';
  text.textContent = errorBannerText(action, code, status);
  // The same failure again (say, every tile of the view) shows once.
  if ([...errors.querySelectorAll('.error-text')].some((shown) => shown.textContent === text.textContent)) return;
  const dismiss = document.createElement('button');
  dismiss.textContent = '×';
  dismiss.title = t('error.dismiss');
  dismiss.onclick = () => item.remove();
  item.append(text, dismiss);
  errors.append(item);
  while (errors.children.length > 4) errors.firstElementChild!.remove();
}

/** Banners already shown follow a language switch. */
function translateErrors(): void {
  for (const item of errors.querySelectorAll<HTMLElement>('.error')) {
    item.querySelector('.error-text')!.textContent = errorBannerText(item.dataset.action as Action, item.dataset.code ?? '', Number(item.dataset.status));
    item.querySelector('button')!.title = t('error.dismiss');
  }
}

/** For loads that run in the background: their failure is a loading failure. */
function load(error: unknown): void {
  showError(error, 'action.load');
}

function askToken(): Promise<string> {
  const dialog = document.getElementById('login') as HTMLDialogElement;
  const input = document.getElementById('login-token') as HTMLInputElement;
  dialog.showModal();
  return new Promise((resolve) => {
    document.getElementById('login-form')!.addEventListener('submit', () => {
      const token = input.value.trim();
      storeToken(token);
      resolve(token);
    });
  });
}

const UNIT_REDRAW_MS = 500;

class Dashboard {
  readonly units = new Map<string, Unit>();
  readonly incidents = new Map<number, Incident>();
  jurisdictions: Jurisdiction[] = [];
  workstations: Workstation[] = [];
  selected: number | null = null;
  cutoff: CutoffPlan | null = null;
  private mapTimer: number | undefined;
  private mapTimerUrgent = false;
  private lastUnitsDrawn = 0;
  private panelsPending = false;
  /** What the next frame redraws on the map: only sources whose data changed are sent again. */
  private dirty = { units: false, incidents: false, cutoff: false };
  private kpiTimer: number | undefined;
  private recommendationTimer: number | undefined;
  /** "incident|units" of the dispatch this page sent, to tell its own feed event from others'. */
  private ownDispatch: string | null = null;
  private pendingNote: { note: (() => string) | null; weight: number } | null = null;
  private configurationTimer: number | undefined;
  readonly map: CommandMap;
  readonly panels: Panels;

  constructor(readonly api: Api) {
    this.map = new CommandMap(document.getElementById('map')!, api.token, (id) => void this.select(id));
    this.panels = new Panels(this);
  }

  async start(): Promise<void> {
    await this.map.whenReady();
    // The view fits the jurisdictions when there are any (the city as policed), else the map.
    const configuration = this.loadConfiguration();
    const meta = this.api.get<MapMeta>('/api/map').then(async (meta) => {
      await configuration.catch(() => undefined);
      this.map.fit(this.policedBounds() ?? meta.bounds);
    });
    const loads = [
      meta,
      configuration,
      this.loadUnits(),
      this.loadIncidents(),
      this.loadCircles(),
      this.optionalLayer('places', this.api.get<FeatureCollection<Geometry>>('/api/places').then((places) => this.map.setPlaces(places))),
    ];
    this.connectFeed();
    const results = await Promise.allSettled(loads);
    for (const result of results) if (result.status === 'rejected') showError(result.reason, 'action.load');
    const refused = results.some((r) => r.status === 'rejected' && r.reason instanceof ApiFailure && r.reason.status === 401);
    if (refused) {
      // A wrong or revoked token: ask for another and start again with it.
      forgetToken();
      await askToken();
      window.location.reload();
    }
    this.refreshKpis();
  }

  /** [west, south, east, north] around every jurisdiction, if there are any. */
  policedBounds(): [number, number, number, number] | null {
    const corners = this.jurisdictions.flatMap((j) => j.area);
    if (corners.length === 0) return null;
    const lons = corners.map((p) => p.lon);
    const lats = corners.map((p) => p.lat);
    return [Math.min(...lons), Math.min(...lats), Math.max(...lons), Math.max(...lats)];
  }

  async loadConfiguration(): Promise<void> {
    [this.jurisdictions, this.workstations] = await Promise.all([
      this.api.get<Jurisdiction[]>('/api/jurisdictions'),
      this.api.get<Workstation[]>('/api/workstations'),
    ]);
    this.map.setJurisdictions(this.jurisdictions);
    this.map.setWorkstations(this.workstations);
  }

  /** A deployment arrives as a burst of events; the map reloads once it has settled. */
  private reloadConfigurationSoon(): void {
    window.clearTimeout(this.configurationTimer);
    this.configurationTimer = window.setTimeout(() => {
      Promise.all([this.loadConfiguration(), this.loadCircles()]).catch(load);
    }, 500);
  }

  async loadCircles(): Promise<void> {
    await this.optionalLayer(
      'circles',
      this.api.get<FeatureCollection<Geometry>>('/api/circles?minutes=1,3,5').then((circles) => this.map.setCircles(circles)),
    );
  }

  /**
   * A layer whose route this server does not have (a server started without the city map, or an
   * older one) is marked unavailable on its switch instead of reported as a failure.
   */
  private async optionalLayer(group: LayerGroup, load: Promise<void>): Promise<void> {
    try {
      await load;
    } catch (error) {
      if (!(error instanceof ApiFailure && error.code === 'route_not_found')) throw error;
      const box = document.querySelector<HTMLInputElement>(`[data-testid="layer-${group}"]`);
      if (box) {
        box.disabled = true;
        box.checked = false;
        box.parentElement!.classList.add('unavailable');
        box.parentElement!.dataset.i18nTitle = 'layer.unavailable';
        box.parentElement!.title = t('layer.unavailable');
      }
    }
  }

  async loadUnits(): Promise<void> {
    const units = await this.api.get<Unit[]>('/api/units');
    this.units.clear();
    for (const unit of units) this.units.set(unit.id, unit);
    this.redraw();
  }

  async loadIncidents(): Promise<void> {
    const incidents = await this.api.get<Incident[]>('/api/incidents');
    this.incidents.clear();
    for (const incident of incidents) this.incidents.set(incident.id, incident);
    this.redraw();
  }

  async refreshIncident(id: number): Promise<void> {
    this.incidents.set(id, await this.api.get<Incident>(`/api/incidents/${id}`));
    this.redraw();
  }

  async refreshUnit(id: string): Promise<void> {
    this.units.set(id, await this.api.get<Unit>(`/api/units/${encodeURIComponent(id)}`));
    this.redraw();
  }

  /**
   * Redraws the panels once per burst of feed events (they redraw only what changed) and the map
   * once per frame: a call must show in the queue at once, even while the map is busy drawing.
   */
  redraw(what: Partial<Record<'units' | 'incidents' | 'cutoff' | 'panels', boolean>> = { units: true, incidents: true, cutoff: true, panels: true }): void {
    this.dirty.units ||= what.units ?? false;
    this.dirty.incidents ||= what.incidents ?? false;
    this.dirty.cutoff ||= what.cutoff ?? false;
    if (what.panels && !this.panelsPending) {
      this.panelsPending = true;
      queueMicrotask(() => {
        this.panelsPending = false;
        this.panels.render();
      });
    }
    this.scheduleMap();
  }

  /**
   * Units move all the time, and every map update costs a frame (hundreds of milliseconds with
   * software WebGL), so moving units are redrawn at most every UNIT_REDRAW_MS; a change of
   * incidents or of the cut-off plan is drawn in the next frame.
   */
  private scheduleMap(): void {
    const urgent = this.dirty.incidents || this.dirty.cutoff;
    if (this.mapTimer !== undefined) {
      if (!urgent || this.mapTimerUrgent) return;
      window.clearTimeout(this.mapTimer);
    }
    const wait = urgent ? 0 : Math.max(0, this.lastUnitsDrawn + UNIT_REDRAW_MS - performance.now());
    this.mapTimerUrgent = urgent;
    this.mapTimer = window.setTimeout(() => {
      requestAnimationFrame(() => {
        this.mapTimer = undefined;
        const dirty = this.dirty;
        this.dirty = { units: false, incidents: false, cutoff: false };
        if (dirty.units) {
          this.map.setUnits(this.units.values());
          this.lastUnitsDrawn = performance.now();
        }
        if (dirty.incidents) this.map.setIncidents(this.incidents.values(), this.selected);
        if (dirty.cutoff) this.map.setCutoff(this.cutoff, this.units);
      });
    }, wait);
  }

  /** KPIs change when incidents move on; asked for at most once a second. */
  refreshKpis(): void {
    if (this.kpiTimer !== undefined) return;
    this.kpiTimer = window.setTimeout(() => {
      this.kpiTimer = undefined;
      this.panels.loadKpis().catch(load);
    }, 1000);
  }

  async select(id: number): Promise<void> {
    this.selected = id;
    window.clearTimeout(this.recommendationTimer);
    this.pendingNote = null;
    const incident = this.incidents.get(id);
    if (incident) this.map.flyTo(incident.location.lon, incident.location.lat);
    this.redraw();
    this.panels.showRecommendation(null, true);
    await this.loadRecommendation(id, null);
  }

  private async loadRecommendation(id: number, note: (() => string) | null): Promise<void> {
    try {
      const recommendation = await this.api.get<Recommendation>(`/api/incidents/${id}/recommendation`);
      if (this.selected === id) this.panels.showRecommendation(recommendation, false, note);
    } catch (error) {
      if (this.selected !== id) return;
      this.panels.showRecommendation(null, false, note);
      // A call closed meanwhile is not a failure: the panel says so.
      if (!(error instanceof ApiFailure && error.code === 'incident_finished')) showError(error, 'action.recommend');
    }
  }

  /**
   * The selected call's ranking no longer matches the state (the call was dispatched or changed,
   * or a ranked unit was taken): its dispatch button is disabled at once and the ranking fetched
   * again, `note` saying why.
   */
  recommendationChanged(note: (() => string) | null, weight: number): void {
    const id = this.selected;
    if (id === null) return;
    this.panels.markStale();
    // Events of one change come in a burst: one fetch, with the note of the weightiest event.
    if (this.pendingNote === null || weight > this.pendingNote.weight) this.pendingNote = { note, weight };
    window.clearTimeout(this.recommendationTimer);
    this.recommendationTimer = window.setTimeout(() => {
      const pending = this.pendingNote;
      this.pendingNote = null;
      if (this.selected === id) void this.loadRecommendation(id, pending?.note ?? null);
    }, 250);
  }

  async dispatch(id: number, units: string[]): Promise<void> {
    this.ownDispatch = `${id}|${units.join(',')}`;
    try {
      await this.api.post(`/api/incidents/${id}/dispatch`, { units });
      await Promise.all([this.refreshIncident(id), ...units.map((unit) => this.refreshUnit(unit))]);
      this.panels.markDispatched(id);
    } catch (error) {
      this.ownDispatch = null;
      showError(error, 'action.dispatch');
      // Refused because the state moved on: what the panel shows is stale.
      Promise.all([this.refreshIncident(id), ...units.map((unit) => this.refreshUnit(unit))]).catch(load);
      if (this.selected === id) this.recommendationChanged(null, 0);
    }
  }

  async setUnitStatus(unit: string, status: UnitStatus): Promise<void> {
    try {
      this.units.set(unit, await this.api.post<Unit>(`/api/units/${encodeURIComponent(unit)}/status`, { status }));
      this.redraw();
    } catch (error) {
      showError(error, 'action.status');
      this.refreshUnit(unit).catch(load);
    }
  }

  async planCutoff(minutesSince: number, horizonMinutes: number): Promise<void> {
    const lastSeen = await this.map.pickPoint();
    try {
      this.cutoff = await this.api.post<CutoffPlan>('/api/cutoff', {
        last_seen: lastSeen,
        minutes_since: minutesSince,
        horizon_minutes: horizonMinutes,
      });
    } catch (error) {
      showError(error, 'action.cutoff');
    }
    this.redraw();
  }

  clearCutoff(): void {
    this.cutoff = null;
    this.redraw();
  }

  private connectFeed(): void {
    const state = document.getElementById('feed-state')!;
    const show = (key: 'feed.connecting' | 'feed.live' | 'feed.down') => {
      state.dataset.i18n = key;
      state.dataset.state = key.slice(5);
      state.textContent = t(key);
    };
    show('feed.connecting');
    const socket = new WebSocket(this.api.feedUrl());
    let opened = false;
    socket.onopen = () => {
      opened = true;
      show('feed.live');
    };
    socket.onmessage = (message) => this.apply(JSON.parse(String(message.data)) as FeedMessage);
    socket.onclose = () => {
      show('feed.down');
      // A reconnect may have missed events: reload what the feed keeps current.
      window.setTimeout(() => {
        this.connectFeed();
        if (opened) {
          Promise.all([this.loadUnits(), this.loadIncidents()]).catch(load);
        }
      }, 2000);
    };
  }

  private apply(message: FeedMessage): void {
    if (message.type === 'lagged') {
      Promise.all([this.loadUnits(), this.loadIncidents()]).catch(load);
      return;
    }
    if (message.type !== 'event') return;
    const change = message.change;
    const at = message.at;
    switch (change.type) {
      case 'position_reported': {
        const unit = this.units.get(change.unit);
        if (unit) unit.position = change.fix;
        // Positions change only the map's units (and the cut-off lines that start at them).
        this.redraw({ units: true, cutoff: this.cutoff !== null });
        return;
      }
      case 'unit_status_changed': {
        const unit = this.units.get(change.unit);
        if (unit) {
          unit.status = change.to;
          unit.history.push({ to: change.to, at });
          if (!['dispatched', 'en_route', 'on_scene'].includes(change.to)) unit.incident = null;
        } else {
          this.refreshUnit(change.unit).catch(load);
        }
        // A ranked unit taken by another call (or put out of service) cannot be sent any more.
        if (this.panels.ranks(change.unit) && !['available', 'patrolling'].includes(change.to)) {
          const units = change.unit;
          this.recommendationChanged(() => t('rec.refreshed_units', { units }), 1);
        }
        break;
      }
      case 'incident_status_changed': {
        const incident = this.incidents.get(change.incident);
        if (incident) {
          incident.status = change.to;
          incident.history.push({ to: change.to, at });
        } else {
          this.refreshIncident(change.incident).catch(load);
        }
        if (change.incident === this.selected) {
          const id = change.incident;
          const status = change.to;
          this.recommendationChanged(() => t('rec.refreshed_status', { id, status: term(status) }), 2);
        }
        this.refreshKpis();
        break;
      }
      case 'call_received':
        // Shown at once from the event; the fetch adds what the server derived (jurisdictions).
        if (!this.incidents.has(change.incident)) {
          this.incidents.set(change.incident, {
            id: change.incident,
            category: change.call.category,
            priority: change.call.priority,
            location: change.call.location,
            address: change.call.address,
            callers: [change.call.caller],
            notes: [],
            status: 'received',
            received_at: at,
            jurisdictions: [],
            units: [],
            merged_from: [],
            merged_into: null,
            history: [{ to: 'received', at }],
          });
        }
        this.refreshIncident(change.incident).catch(load);
        break;
      case 'note_added':
        this.refreshIncident(change.incident).catch(load);
        break;
      case 'units_dispatched': {
        const own = this.ownDispatch === `${change.incident}|${change.units.join(',')}`;
        if (own) this.ownDispatch = null;
        // What the dispatch did, at once (the fetches below bring the rest): a ranking fetched
        // again before they answer must not be offered as if the call were still waiting.
        const incident = this.incidents.get(change.incident);
        if (incident) {
          for (const unit of change.units) if (!incident.units.includes(unit)) incident.units.push(unit);
          if (incident.status === 'received') incident.status = 'dispatched';
        }
        for (const id of change.units) {
          const unit = this.units.get(id);
          if (unit && ['available', 'patrolling'].includes(unit.status)) {
            unit.status = 'dispatched';
            unit.incident = change.incident;
          }
        }
        Promise.all([this.refreshIncident(change.incident), ...change.units.map((unit) => this.refreshUnit(unit))]).catch(load);
        if (change.incident === this.selected) {
          // Dispatched by someone else (another dispatcher, the auto-dispatcher) while shown here.
          const id = change.incident;
          const units = change.units.join(', ');
          this.recommendationChanged(own ? null : () => t('rec.refreshed_dispatched', { id, units }), 3);
        } else {
          const taken = change.units.filter((unit) => this.panels.ranks(unit));
          if (taken.length > 0) {
            const units = taken.join(', ');
            this.recommendationChanged(() => t('rec.refreshed_units', { units }), 1);
          }
        }
        this.refreshKpis();
        break;
      }
      case 'duplicate_merged':
        Promise.all([this.refreshIncident(change.primary), this.refreshIncident(change.duplicate)]).catch(load);
        if (change.duplicate === this.selected) this.recommendationChanged(null, 0);
        break;
      case 'unit_added':
        this.units.set(change.unit.id, change.unit);
        break;
      case 'jurisdiction_added':
      case 'workstation_added':
        this.reloadConfigurationSoon();
        break;
      default:
        break;
    }
    this.redraw();
  }
}

function layerSwitches(dashboard: Dashboard): void {
  const container = document.getElementById('layers')!;
  const stored = JSON.parse(localStorage.getItem('pingan.layers') ?? '{}') as Partial<Record<LayerGroup, boolean>>;
  for (const group of Object.keys(LAYER_GROUPS) as LayerGroup[]) {
    const label = document.createElement('label');
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.checked = stored[group] ?? true;
    box.dataset.testid = `layer-${group}`;
    const name = document.createElement('span');
    name.dataset.i18n = `layer.${group}`;
    label.append(box, ' ', name);
    container.append(label);
    const apply = () => {
      dashboard.map.setVisible(group, box.checked);
      stored[group] = box.checked;
      localStorage.setItem('pingan.layers', JSON.stringify(stored));
    };
    box.onchange = apply;
    void dashboard.map.whenReady().then(apply);
  }
}

async function main(): Promise<void> {
  setLanguage(language());
  document.getElementById('language')!.onclick = () => setLanguage(language() === 'zh' ? 'en' : 'zh');
  document.getElementById('logout')!.onclick = () => {
    forgetToken();
    window.location.reload();
  };
  const token = takeToken() ?? (await askToken());
  const api = new Api(token);
  const dashboard = new Dashboard(api);
  layerSwitches(dashboard);
  translatePage();
  onLanguageChange(() => {
    dashboard.panels.render();
    translateErrors();
  });
  (document.getElementById('cutoff-pick') as HTMLButtonElement).onclick = () => {
    const since = Number((document.getElementById('cutoff-since') as HTMLInputElement).value);
    const horizon = Number((document.getElementById('cutoff-horizon') as HTMLInputElement).value);
    const summary = document.getElementById('cutoff-summary')!;
    summary.textContent = t('cutoff.picking');
    void dashboard.planCutoff(since, horizon);
  };
  document.getElementById('cutoff-clear')!.onclick = () => dashboard.clearCutoff();
  dashboard.map.map.on('error', (event) => showError(event.error, 'action.map'));
  await dashboard.start();
  // The browser test waits for this: the first data is drawn and the feed is being followed.
  document.body.dataset.ready = 'true';
}

export type { Dashboard };
main().catch(load);
