// The dispatcher's panels: the calls (waiting first, then those in progress with their units), the
// ranked units for the selected call with the dispatch button, every unit's status, and the KPIs.

import type { Dashboard } from './main';
import { ApiFailure } from './api';
import { formatLonLat, formatMeters, formatSeconds, formatTime, language, slotTerm, t, term } from './i18n';
import { CIRCLE_COLOURS, kindIcon, PRIORITY_COLOURS, STATUS_COLOURS } from './map';
import { UNIT_KINDS, UNIT_STATUSES, type Candidate, type Excluded, type Incident, type KpiRow, type Recommendation, type Unit, type UnitStatus } from './types';

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

function badge(text: string, colour: string): HTMLElement {
  return element('span', { class: 'badge', style: `background:${colour}` }, text);
}

function waitingText(receivedAt: number): string {
  const minutes = Math.max(0, Math.floor((Date.now() - receivedAt) / 60_000));
  return `${formatTime(receivedAt)} · ${t('queue.waiting', { m: minutes })}`;
}

function sinceText(receivedAt: number): string {
  const minutes = Math.max(0, Math.floor((Date.now() - receivedAt) / 60_000));
  return t('queue.since', { m: minutes });
}

const PRIORITY_ORDER = { P1: 0, P2: 1, P3: 2, P4: 3 } as const;

/** Unit statuses that belong to a call: the unit is committed to it. */
const COMMITTED: readonly UnitStatus[] = ['dispatched', 'en_route', 'on_scene'];

/** When the incident first reached `status`, from its history. */
function firstTime(incident: Incident, status: Incident['status']): number | undefined {
  return incident.history.find((change) => change.to === status)?.at;
}

/** Where the call is: its address (if any) and its position as the CLI takes it, lon,lat. */
function position(incident: Incident, testid: string): HTMLElement {
  const where = element('span', { class: 'lonlat', 'data-testid': testid, title: t('map.position') }, formatLonLat(incident.location));
  return incident.address
    ? element('div', { class: 'address' }, element('span', { class: 'street' }, incident.address), ' · ', where)
    : element('div', { class: 'address' }, where);
}

function unfilledName(text: string): string {
  const match = /^(\d+) (.*)$/.exec(text);
  return match ? `${match[1]} ${slotTerm(match[2]!)}` : text;
}

/** The candidate's reason in the user's language, from the same facts the server's text states. */
function candidateReason(candidate: Candidate, rank: number, incident: Incident | undefined, unit: Unit | undefined): string {
  const parts: string[] = [];
  if (unit?.name && unit.name !== unit.id) parts.push(unit.name);
  parts.push(t('reason.rank', { n: rank }));
  if (candidate.proposed_as) parts.push(t('reason.proposed', { slot: slotTerm(candidate.proposed_as) }));
  else if (incident?.units.includes(candidate.unit)) parts.push(t('reason.already'));
  else parts.push(t('reason.not_needed'));
  if (candidate.fix_age > 120) parts.push(t('reason.stale_fix', { m: Math.round(candidate.fix_age / 60) }));
  return parts.join(t('reason.separator'));
}

function exclusionReason(excluded: Excluded): string {
  const e = excluded.exclusion;
  switch (e.why) {
    case 'busy':
      return t('excluded.busy', { status: term(String(e.status)) });
    case 'not_called_for':
      return t('excluded.not_called_for', { kind: term(String(e.kind)) });
    case 'no_position':
      return t('excluded.no_position');
    case 'off_map':
      return t('excluded.off_map');
    case 'no_road':
      return t('excluded.no_road');
    case 'incident_off_map':
      return t('excluded.incident_off_map');
    default:
      return t('excluded.other');
  }
}

export class Panels {
  private queue = document.getElementById('queue')!;
  private recommendationBox = document.getElementById('recommendation')!;
  private unitList = document.getElementById('units')!;
  private kpiBox = document.getElementById('kpis')!;
  private cutoffSummary = document.getElementById('cutoff-summary')!;
  private recommendation: Recommendation | null = null;
  private recommendationLoading = false;
  /** The state moved on since the ranking was computed; a fresh one is on its way. */
  private recommendationStale = false;
  /** Why the ranking was fetched again (the call was dispatched elsewhere, ...), if it was. */
  private recommendationNote: (() => string) | null = null;
  private dispatchedFor: number | null = null;
  private kpiRows: KpiRow[] = [];
  private drawn = { queue: '', units: '', kpis: '', cutoff: '' };
  private drawnRecommendation = '';
  private showAllRanked = false;
  /** The units the dispatcher ticked in the ranking shown, kept when the panel is redrawn. */
  private ticked: Set<string> | null = null;
  /** Whether the dispatcher folded the calls in progress away. */
  private activeOpen = localStorage.getItem('pingan.queue.active') !== 'closed';

  constructor(private dashboard: Dashboard) {
    // The queue shows how long each call has waited, so its times move on as the minutes pass.
    window.setInterval(() => {
      for (const time of this.queue.querySelectorAll<HTMLElement>('[data-received-at]')) {
        const at = Number(time.dataset.receivedAt);
        time.textContent = time.dataset.since ? sinceText(at) : waitingText(at);
      }
    }, 20_000);
  }

  private legend = document.getElementById('legend')!;
  private legendLanguage = '';

  /** What the colours and pictograms on the map mean. */
  private renderLegend(): void {
    const iconOf = (kind: (typeof UNIT_KINDS)[number]) => {
      const canvas = document.createElement('canvas');
      const image = kindIcon(kind);
      canvas.width = image.width;
      canvas.height = image.height;
      canvas.getContext('2d')!.putImageData(image, 0, 0);
      return element('img', { src: canvas.toDataURL(), class: 'kind-icon', alt: '' });
    };
    this.legend.replaceChildren(
      element(
        'div',
        { class: 'legend-group' },
        ...UNIT_STATUSES.map((status) =>
          element('span', { class: 'legend-item' }, element('span', { class: 'dot', style: `background:${STATUS_COLOURS[status]}` }), term(status)),
        ),
      ),
      element(
        'div',
        { class: 'legend-group' },
        ...UNIT_KINDS.map((kind) => element('span', { class: 'legend-item' }, iconOf(kind), term(kind))),
      ),
      element(
        'div',
        { class: 'legend-group' },
        ...Object.entries(PRIORITY_COLOURS).map(([priority, colour]) =>
          element('span', { class: 'legend-item' }, badge(priority, colour), term(priority)),
        ),
      ),
      element(
        'div',
        { class: 'legend-group' },
        t('map.legend.circles'),
        ...Object.entries(CIRCLE_COLOURS).map(([minutes, colour]) =>
          element('span', { class: 'legend-item' }, element('span', { class: 'ring', style: `border-color:${colour}` }), `${minutes} ${t('min')}`),
        ),
      ),
    );
  }

  /** Redraws what changed since the last call; the keys keep open dropdowns from being rebuilt. */
  render(): void {
    const lang = language();
    if (lang !== this.legendLanguage) {
      this.legendLanguage = lang;
      this.renderLegend();
    }
    const byUrgency = (a: Incident, b: Incident) => PRIORITY_ORDER[a.priority] - PRIORITY_ORDER[b.priority] || a.received_at - b.received_at;
    const listed = [...this.dashboard.incidents.values()].filter((incident) => incident.merged_into === null);
    const waiting = listed.filter((incident) => incident.status === 'received').sort(byUrgency);
    const active = listed.filter((incident) => incident.status === 'dispatched' || incident.status === 'on_scene').sort(byUrgency);
    const unitsOf = (incident: Incident) => incident.units.map((id) => `${id}:${this.dashboard.units.get(id)?.status ?? ''}`).join('+');
    const queueKey = `${lang}|${this.dashboard.selected}|${waiting.map((i) => i.id).join(',')}|${active
      .map((i) => `${i.id}:${i.status}:${unitsOf(i)}`)
      .join(',')}`;
    if (queueKey !== this.drawn.queue) {
      this.drawn.queue = queueKey;
      this.renderQueue(waiting, active);
    }
    const units = [...this.dashboard.units.values()].sort((a, b) => a.id.localeCompare(b.id));
    const unitsKey = `${lang}|${units.map((u) => `${u.id}:${u.status}:${u.incident ?? ''}`).join(',')}`;
    if (unitsKey !== this.drawn.units) {
      this.drawn.units = unitsKey;
      this.renderUnits();
    }
    const incidents = [...this.dashboard.incidents.values()];
    const kpiKey = `${lang}|${JSON.stringify(this.kpiRows)}|${incidents.map((i) => `${i.id}:${i.status}`).join(',')}`;
    if (kpiKey !== this.drawn.kpis) {
      this.drawn.kpis = kpiKey;
      this.renderKpis(incidents);
    }
    const plan = this.dashboard.cutoff;
    const cutoffKey = `${lang}|${plan ? JSON.stringify(plan.checkpoints) : ''}`;
    if (cutoffKey !== this.drawn.cutoff) {
      this.drawn.cutoff = cutoffKey;
      this.renderCutoff();
    }
    this.renderRecommendation();
  }

  private renderCutoff(): void {
    const plan = this.dashboard.cutoff;
    if (!plan) {
      this.cutoffSummary.replaceChildren();
      return;
    }
    const assignments = plan.checkpoints.flatMap((checkpoint, index) => {
      const assignment = checkpoint.assignment;
      if (!assignment) return [];
      return [
        element(
          'li',
          { 'data-testid': `cutoff-checkpoint-${index + 1}` },
          `${index + 1}. ${assignment.unit} (${term(assignment.kind)}) ${t('rec.eta')} ${formatSeconds(assignment.eta)}, ${t('cutoff.margin')} ${formatSeconds(assignment.margin)}`,
        ),
      ];
    });
    this.cutoffSummary.replaceChildren(
      element('span', { class: 'lonlat', title: t('map.position') }, formatLonLat(plan.request.last_seen)),
      ' · ',
      t('cutoff.summary', { n: plan.checkpoints.length, u: plan.n_uncovered }),
      element('ul', { class: 'cutoff-list' }, ...assignments),
    );
  }

  /** How far a call in progress is: on scene, or its units en route, or dispatched. */
  private progress(incident: Incident): 'dispatched' | 'en_route' | 'on_scene' {
    if (incident.status === 'on_scene') return 'on_scene';
    const committed = incident.units.map((id) => this.dashboard.units.get(id)).filter((unit) => unit?.incident === incident.id);
    if (committed.some((unit) => unit?.status === 'on_scene')) return 'on_scene';
    if (committed.some((unit) => unit?.status === 'en_route')) return 'en_route';
    return 'dispatched';
  }

  private callItem(incident: Incident, active: boolean): HTMLElement {
    const selected = incident.id === this.dashboard.selected;
    const item = element('li', {
      'data-testid': `call-${incident.id}`,
      'data-incident-id': String(incident.id),
      class: `call${selected ? ' selected' : ''}${active ? ' active' : ''}`,
    });
    const time = element('span', { class: 'time', 'data-received-at': String(incident.received_at) });
    const line = element('div', { class: 'call-line' }, badge(incident.priority, PRIORITY_COLOURS[incident.priority]!), element('strong', {}, `#${incident.id} ${term(incident.category)}`));
    if (active) {
      const state = this.progress(incident);
      item.dataset.state = state;
      time.dataset.since = 'true';
      time.textContent = sinceText(incident.received_at);
      line.append(element('span', { class: 'state', 'data-testid': `call-state-${incident.id}`, 'data-state': state, style: `border-color:${STATUS_COLOURS[state]}` }, term(state)));
    } else {
      item.dataset.state = 'received';
      time.textContent = waitingText(incident.received_at);
    }
    line.append(time);
    item.append(line, position(incident, `call-position-${incident.id}`));
    if (active) {
      const units = incident.units.map((id) => {
        const unit = this.dashboard.units.get(id);
        const status = unit?.status;
        const here = unit?.incident === incident.id;
        return element(
          'span',
          { class: `call-unit${here ? '' : ' left'}`, 'data-testid': `call-unit-${incident.id}-${id}`, title: unit?.name ?? id },
          element('span', { class: 'dot', style: `background:${status ? STATUS_COLOURS[status] : '#7f8c8d'}` }),
          element('span', { class: 'unit-id' }, id),
          status ? ` ${term(status)}` : '',
        );
      });
      item.append(element('div', { class: 'call-units' }, ...(units.length > 0 ? units : [t('queue.no_units')])));
    }
    item.onclick = () => void this.dashboard.select(incident.id);
    return item;
  }

  private renderQueue(waiting: Incident[], active: Incident[]): void {
    const waitingList = element(
      'ul',
      { 'data-testid': 'queue-waiting' },
      ...(waiting.length > 0 ? waiting.map((incident) => this.callItem(incident, false)) : [element('li', { class: 'empty' }, t('queue.empty'))]),
    );
    const activeList = element(
      'ul',
      { 'data-testid': 'queue-active' },
      ...(active.length > 0 ? active.map((incident) => this.callItem(incident, true)) : [element('li', { class: 'empty' }, t('queue.active_empty'))]),
    );
    const activeGroup = element(
      'details',
      { class: 'queue-group' },
      element('summary', { 'data-testid': 'queue-active-title' }, t('queue.group.active', { n: active.length })),
      activeList,
    );
    activeGroup.open = this.activeOpen;
    activeGroup.ontoggle = () => {
      this.activeOpen = activeGroup.open;
      localStorage.setItem('pingan.queue.active', activeGroup.open ? 'open' : 'closed');
    };
    const scroll = this.queue.scrollTop;
    this.queue.replaceChildren(
      element('h3', { class: 'queue-group-title', 'data-testid': 'queue-waiting-title' }, t('queue.group.waiting', { n: waiting.length })),
      waitingList,
      activeGroup,
    );
    this.queue.scrollTop = scroll;
  }

  /** True when `unit` is in the ranking shown: a change of its status makes the ranking stale. */
  ranks(unit: string): boolean {
    return this.recommendation?.ranked.some((candidate) => candidate.unit === unit) ?? false;
  }

  showRecommendation(recommendation: Recommendation | null, loading: boolean, note: (() => string) | null = null): void {
    if (recommendation?.incident !== this.recommendation?.incident) this.showAllRanked = false;
    this.recommendation = recommendation;
    this.recommendationLoading = loading;
    this.recommendationStale = false;
    this.recommendationNote = note;
    this.ticked = null;
    this.dispatchedFor = null;
    this.drawnRecommendation = '';
    this.renderRecommendation();
  }

  /** The ranking on screen no longer holds: its dispatch button is disabled until it is fetched again. */
  markStale(): void {
    if (this.recommendationStale) return;
    this.recommendationStale = true;
    this.drawnRecommendation = '';
    this.renderRecommendation();
  }

  markDispatched(incident: number): void {
    this.dispatchedFor = incident;
    this.drawnRecommendation = '';
    this.renderRecommendation();
  }

  private renderRecommendation(): void {
    const box = this.recommendationBox;
    const selected = this.dashboard.selected;
    const incident = selected === null ? undefined : this.dashboard.incidents.get(selected);
    const sent = incident ? incident.units.map((id) => `${id}:${this.dashboard.units.get(id)?.status ?? ''}`).join(',') : '';
    const key = `${language()}|${this.recommendationLoading}|${this.recommendationStale}|${this.dispatchedFor}|${this.recommendation?.incident ?? ''}|${selected}|${incident?.status}|${sent}`;
    if (key === this.drawnRecommendation) return;
    this.drawnRecommendation = key;
    if (this.recommendationLoading) {
      box.replaceChildren(element('p', { class: 'hint' }, t('rec.loading')));
      return;
    }
    const recommendation = this.recommendation;
    const note = this.recommendationNote ? element('p', { class: 'notice', 'data-testid': 'rec-note' }, this.recommendationNote()) : null;
    if (!recommendation || recommendation.incident !== selected) {
      const finished = incident && (incident.status === 'closed' || incident.status === 'cancelled');
      box.replaceChildren(
        ...(note ? [note] : []),
        element('p', { class: 'hint', 'data-testid': finished ? 'rec-finished' : 'rec-pick' }, finished ? t('rec.finished', { status: term(incident.status) }) : t('rec.pick')),
      );
      return;
    }
    const plan = recommendation.plan.requirements.map((r) => `${r.count} ${slotTerm(r.label)}`).join(' + ');
    const parts: Node[] = [
      element(
        'p',
        { class: 'plan' },
        badge(recommendation.plan.priority, PRIORITY_COLOURS[recommendation.plan.priority]!),
        ` #${recommendation.incident} ${term(recommendation.plan.category)} — ${t('rec.plan')}: ${plan}`,
      ),
    ];
    if (incident) parts.push(position(incident, 'rec-position'));
    const alreadySent = incident?.units ?? [];
    if (alreadySent.length > 0) {
      parts.push(
        element(
          'p',
          { class: 'sent', 'data-testid': 'rec-sent' },
          `${t('rec.sent')}${t('punct.colon')}`,
          ...alreadySent.map((id) => {
            const status = this.dashboard.units.get(id)?.status;
            return element(
              'span',
              { class: 'call-unit' },
              element('span', { class: 'dot', style: `background:${status ? STATUS_COLOURS[status] : '#7f8c8d'}` }),
              element('span', { class: 'unit-id' }, id),
              status ? ` ${term(status)}` : '',
            );
          }),
        ),
      );
    }
    if (note) parts.push(note);
    if (this.recommendationStale) parts.push(element('p', { class: 'notice', 'data-testid': 'rec-stale' }, t('rec.stale')));
    // A call that already has units gets more only when the dispatcher ticks them: the fresh
    // proposal would fill the whole plan again.
    const preselect = incident?.status === 'received' && alreadySent.length === 0;
    // The nearest ones and the proposed ones are shown; the rest behind "show all".
    const SHOWN = 8;
    const rows = recommendation.ranked.flatMap((candidate, index) => {
      const proposed = recommendation.proposed.includes(candidate.unit);
      const hidden = index >= SHOWN && !proposed && !this.showAllRanked;
      const tick = element('input', { type: 'checkbox', 'data-testid': `rec-select-${candidate.unit}` });
      tick.checked = this.ticked ? this.ticked.has(candidate.unit) : proposed && preselect;
      tick.dataset.unit = candidate.unit;
      const kind = `${proposed ? 'proposed' : ''}${hidden ? ' hidden' : ''}`;
      return [
        element(
          'tr',
          { 'data-testid': `rec-unit-${candidate.unit}`, 'data-unit-id': candidate.unit, class: `${kind} facts` },
          element('td', {}, tick),
          element('td', { class: 'unit-id' }, candidate.unit),
          element('td', { class: 'kind' }, term(candidate.kind)),
          element('td', { class: 'number' }, formatSeconds(candidate.eta)),
          element('td', { class: 'number' }, formatMeters(candidate.distance)),
          element('td', { class: 'number' }, formatSeconds(candidate.fix_age)),
        ),
        element(
          'tr',
          { class: `${kind} reason` },
          element('td', {}),
          element('td', { colspan: '5' }, candidateReason(candidate, index + 1, incident, this.dashboard.units.get(candidate.unit))),
        ),
      ];
    });
    const table = element(
      'table',
      { class: 'ranking', 'data-testid': 'ranking' },
      element(
        'thead',
        {},
        element(
          'tr',
          {},
          ...['', t('rec.unit'), t('rec.kind'), t('rec.eta'), t('rec.distance'), t('rec.fix_age')].map((h) => element('th', {}, h)),
        ),
      ),
      element('tbody', {}, ...rows),
    );
    if (recommendation.unfilled.length > 0 && preselect) {
      parts.push(element('p', { class: 'warning' }, `${t('rec.unfilled')}${t('punct.colon')}${recommendation.unfilled.map(unfilledName).join(', ')}`));
    }
    const dispatched = this.dispatchedFor === recommendation.incident;
    const label = dispatched ? t('rec.dispatched') : alreadySent.length > 0 ? t('rec.dispatch_more') : t('rec.dispatch');
    const button = element('button', { class: 'dispatch', 'data-testid': 'dispatch-button' }, label);
    const open = incident !== undefined && ['received', 'dispatched', 'on_scene'].includes(incident.status);
    const usable = !dispatched && open && !this.recommendationStale;
    const ticks = () => [...table.querySelectorAll<HTMLInputElement>('input[type=checkbox]')];
    const refreshButton = () => {
      button.disabled = !usable || !ticks().some((b) => b.checked);
    };
    for (const tick of ticks()) {
      tick.onchange = () => {
        this.ticked = new Set(ticks().filter((b) => b.checked).map((b) => b.dataset.unit!));
        refreshButton();
      };
      tick.disabled = !usable;
    }
    refreshButton();
    button.onclick = () => {
      const chosen = ticks().filter((b) => b.checked).map((b) => b.dataset.unit!);
      button.disabled = true;
      void this.dashboard.dispatch(recommendation.incident, chosen);
    };
    parts.push(button);
    parts.push(rows.length > 0 ? table : element('p', { class: 'hint', 'data-testid': 'rec-none' }, t('rec.none')));
    const nHidden = table.querySelectorAll('tr.facts.hidden').length;
    if (nHidden > 0) {
      const more = element('button', { class: 'link' }, t('rec.show_all', { n: recommendation.ranked.length }));
      more.onclick = () => {
        this.showAllRanked = true;
        for (const row of table.querySelectorAll('tr.hidden')) row.classList.remove('hidden');
        more.remove();
      };
      parts.push(more);
    }
    if (recommendation.excluded.length > 0) {
      parts.push(
        element(
          'details',
          {},
          element('summary', {}, `${t('rec.excluded')} (${recommendation.excluded.length})`),
          element(
            'ul',
            { class: 'excluded' },
            ...recommendation.excluded.map((excluded) =>
              element(
                'li',
                { 'data-testid': `rec-excluded-${excluded.unit}` },
                element('span', { class: 'unit-id' }, excluded.unit),
                ` (${term(excluded.kind)})${t('punct.colon')}${exclusionReason(excluded)}`,
              ),
            ),
          ),
        ),
      );
    }
    box.replaceChildren(...parts);
  }

  private renderUnits(): void {
    const units = [...this.dashboard.units.values()].sort((a, b) => a.id.localeCompare(b.id));
    this.unitList.replaceChildren(
      ...units.map((unit) => {
        const select = element('select', { 'data-testid': `unit-set-${unit.id}`, title: t('units.set') });
        select.append(element('option', { value: '' }, `${t('units.set')}…`));
        for (const status of UNIT_STATUSES) {
          if (status !== unit.status) select.append(element('option', { value: status }, term(status)));
        }
        select.onchange = () => {
          if (select.value) void this.dashboard.setUnitStatus(unit.id, select.value as UnitStatus);
        };
        const named = unit.name && unit.name !== unit.id ? `${unit.name} · ` : '';
        return element(
          'li',
          { 'data-testid': `unit-${unit.id}`, class: 'unit-row' },
          element(
            'div',
            { class: 'unit-line' },
            element('span', { class: 'dot', style: `background:${STATUS_COLOURS[unit.status]}` }),
            element('span', { class: 'unit-id' }, unit.id),
            element('span', { class: 'status', 'data-testid': `unit-status-${unit.id}`, 'data-status': unit.status }, term(unit.status)),
            unit.incident !== null && COMMITTED.includes(unit.status) ? element('span', { class: 'incident' }, `#${unit.incident}`) : '',
            element('span', { class: 'spacer' }),
            select,
          ),
          element('div', { class: 'unit-name' }, `${named}${term(unit.kind)}`),
        );
      }),
    );
  }

  /** False once the server said this token may not read KPIs, so that it is not asked again. */
  private kpisAllowed = true;

  async loadKpis(): Promise<void> {
    if (!this.kpisAllowed) return;
    try {
      const kpis = await this.dashboard.api.get<{ group: string; rows: KpiRow[] }>('/api/kpis?group=priority');
      this.kpiRows = kpis.rows;
    } catch (error) {
      if (error instanceof ApiFailure && error.status === 403) this.kpisAllowed = false;
      throw error;
    }
    this.render();
  }

  /**
   * The histogram and the overall shares come from the incidents themselves, counted as
   * dispatch::kpis counts them: cancelled calls left out, a finished call never reached counts as
   * late. The table per priority is the server's.
   */
  private renderKpis(incidents: Incident[]): void {
    const arrivals: number[] = [];
    let judged = 0;
    for (const incident of incidents) {
      if (incident.status === 'cancelled') continue;
      const arrived = firstTime(incident, 'on_scene');
      const open = incident.status !== 'closed';
      if (arrived !== undefined || !open) judged += 1;
      if (arrived !== undefined) arrivals.push((arrived - incident.received_at) / 1000);
    }
    const shares = [1, 3, 5].map((minutes) => {
      const share = judged === 0 ? null : arrivals.filter((s) => s <= minutes * 60).length / judged;
      return element(
        'div',
        { class: 'share', 'data-testid': `kpi-within-${minutes}` },
        element('div', { class: 'value' }, share === null ? '–' : `${Math.round(share * 100)}%`),
        element('div', { class: 'label' }, t('kpi.within', { m: minutes })),
      );
    });
    const bins = new Array<number>(11).fill(0);
    for (const seconds of arrivals) bins[Math.min(10, Math.floor(seconds / 60))]! += 1;
    const tallest = Math.max(1, ...bins);
    const width = 220;
    const height = 80;
    const barWidth = width / bins.length;
    const svgNs = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(svgNs, 'svg');
    svg.setAttribute('viewBox', `0 0 ${width} ${height + 14}`);
    svg.setAttribute('class', 'histogram');
    svg.dataset.testid = 'kpi-histogram';
    bins.forEach((count, index) => {
      const bar = document.createElementNS(svgNs, 'rect');
      const barHeight = (count / tallest) * height;
      bar.setAttribute('x', String(index * barWidth + 1));
      bar.setAttribute('y', String(height - barHeight));
      bar.setAttribute('width', String(barWidth - 2));
      bar.setAttribute('height', String(barHeight));
      bar.setAttribute('fill', index < 1 ? '#2ecc71' : index < 3 ? '#f1c40f' : index < 5 ? '#e67e22' : '#e74c3c');
      const tip = document.createElementNS(svgNs, 'title');
      tip.textContent = `${index}${index === 10 ? '+' : `–${index + 1}`} ${t('min')}: ${count}`;
      bar.append(tip);
      const label = document.createElementNS(svgNs, 'text');
      label.setAttribute('x', String(index * barWidth + barWidth / 2));
      label.setAttribute('y', String(height + 11));
      label.setAttribute('text-anchor', 'middle');
      label.textContent = index === 10 ? '10+' : String(index);
      svg.append(bar, label);
    });
    const rows = this.kpiRows.map((row) =>
      element(
        'tr',
        {},
        element('td', {}, row.group),
        element('td', { class: 'number' }, String(row.n_incidents)),
        element('td', { class: 'number' }, row.call_to_arrival.median === null ? '–' : formatSeconds(row.call_to_arrival.median)),
        element('td', { class: 'number' }, row.call_to_arrival.p90 === null ? '–' : formatSeconds(row.call_to_arrival.p90)),
        ...[row.within_1_min, row.within_3_min, row.within_5_min].map((share) =>
          element('td', { class: 'number' }, share === null ? '–' : `${Math.round(share * 100)}%`),
        ),
      ),
    );
    const table = element(
      'table',
      { class: 'kpi-table' },
      element(
        'thead',
        {},
        element('tr', {}, ...[t('kpi.group'), t('kpi.n'), t('kpi.median'), t('kpi.p90'), '≤1', '≤3', '≤5'].map((h) => element('th', {}, h))),
      ),
      element('tbody', {}, ...rows),
    );
    this.kpiBox.replaceChildren(
      element('div', { class: 'shares' }, ...shares),
      element('p', { class: 'caption' }, arrivals.length === 0 ? t('kpi.none') : t('kpi.histogram')),
      svg,
      table,
    );
  }
}
