// The dispatcher's panels: the queue of new calls, the ranked units for the selected call with the
// dispatch button, every unit's status, and the response KPIs.

import type { Dashboard } from './main';
import { ApiFailure } from './api';
import { formatMeters, formatSeconds, formatTime, language, t, term } from './i18n';
import { kindIcon, PRIORITY_COLOURS, STATUS_COLOURS } from './map';
import { UNIT_KINDS, UNIT_STATUSES, type Candidate, type Excluded, type Incident, type KpiRow, type Recommendation, type UnitStatus } from './types';

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

const PRIORITY_ORDER = { P1: 0, P2: 1, P3: 2, P4: 3 } as const;

/** When the incident first reached `status`, from its history. */
function firstTime(incident: Incident, status: Incident['status']): number | undefined {
  return incident.history.find((change) => change.to === status)?.at;
}

/** Plan slot labels as the dispatch crate writes them ("patrol car", "armed unit"). */
function slotName(label: string): string {
  if (language() === 'en') return label;
  const names: Record<string, string> = {
    'patrol car': '巡逻车',
    'armed unit': '武装警力',
    patrol: '巡逻警力',
    'road patrol': '道路巡逻警力',
    'traffic motorcycle': '铁骑',
  };
  return names[label] ?? label;
}

function unfilledName(text: string): string {
  const match = /^(\d+) (.*)$/.exec(text);
  return match ? `${match[1]} ${slotName(match[2]!)}` : text;
}

/** The candidate's reason in the user's language, from the same facts the server's text states. */
function candidateReason(candidate: Candidate, rank: number, incident: Incident | undefined): string {
  const zh = language() === 'zh';
  const parts = [zh ? `总第 ${rank} 近` : `#${rank} overall`];
  if (candidate.proposed_as) parts.push(zh ? `建议作为${slotName(candidate.proposed_as)}` : `proposed as ${candidate.proposed_as}`);
  else if (incident?.units.includes(candidate.unit)) parts.push(zh ? '已派往本警情' : 'already sent to this incident');
  else parts.push(zh ? '无需：更近的警力已满足预案' : 'not needed: nearer units fill the plan');
  if (candidate.fix_age > 120) parts.push(zh ? `定位已 ${Math.round(candidate.fix_age / 60)} 分钟未更新` : `position is ${Math.round(candidate.fix_age / 60)} min old`);
  return parts.join(zh ? '；' : '; ');
}

function exclusionReason(excluded: Excluded): string {
  const e = excluded.exclusion;
  const zh = language() === 'zh';
  switch (e.why) {
    case 'busy':
      return zh ? `不空闲：${term(String(e.status))}` : `not free: ${term(String(e.status))}`;
    case 'not_called_for':
      return zh ? `预案不需要${term(String(e.kind))}` : `a ${term(String(e.kind))} is not called for by the plan`;
    case 'no_position':
      return zh ? '尚无定位' : 'no position reported yet';
    case 'off_map':
      return zh ? `定位不在路网上：${String(e.message)}` : `position off the road map: ${String(e.message)}`;
    case 'no_road':
      return zh ? '没有道路通往警情地点' : 'no road leads from its position to the incident';
    default:
      return excluded.reason;
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
  private dispatchedFor: number | null = null;
  private kpiRows: KpiRow[] = [];
  private drawn = { queue: '', units: '', kpis: '', cutoff: '' };
  private drawnRecommendation = '';
  private showAllRanked = false;

  constructor(private dashboard: Dashboard) {
    // The queue shows how long each call has waited, so its times move on as the minutes pass.
    window.setInterval(() => {
      for (const time of this.queue.querySelectorAll<HTMLElement>('[data-received-at]')) {
        time.textContent = waitingText(Number(time.dataset.receivedAt));
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
        ...Object.entries(PRIORITY_COLOURS).map(([priority, colour]) => element('span', { class: 'legend-item' }, badge(priority, colour))),
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
    const queued = [...this.dashboard.incidents.values()]
      .filter((incident) => incident.status === 'received' && incident.merged_into === null)
      .sort((a, b) => PRIORITY_ORDER[a.priority] - PRIORITY_ORDER[b.priority] || a.received_at - b.received_at);
    const queueKey = `${lang}|${this.dashboard.selected}|${queued.map((i) => i.id).join(',')}`;
    if (queueKey !== this.drawn.queue) {
      this.drawn.queue = queueKey;
      this.renderQueue(queued);
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
      t('cutoff.summary', { n: plan.checkpoints.length, u: plan.n_uncovered }),
      element('ul', { class: 'cutoff-list' }, ...assignments),
    );
  }

  private renderQueue(queued: Incident[]): void {
    if (queued.length === 0) {
      this.queue.replaceChildren(element('li', { class: 'empty' }, t('queue.empty')));
      return;
    }
    this.queue.replaceChildren(
      ...queued.map((incident) => {
        const item = element(
          'li',
          {
            'data-testid': `call-${incident.id}`,
            'data-incident-id': String(incident.id),
            class: incident.id === this.dashboard.selected ? 'call selected' : 'call',
          },
          badge(incident.priority, PRIORITY_COLOURS[incident.priority]!),
          element('strong', {}, ` #${incident.id} ${term(incident.category)}`),
          element('span', { class: 'time', 'data-received-at': String(incident.received_at) }, waitingText(incident.received_at)),
          element('div', { class: 'address' }, incident.address || `${incident.location.lat.toFixed(5)}, ${incident.location.lon.toFixed(5)}`),
        );
        item.onclick = () => void this.dashboard.select(incident.id);
        return item;
      }),
    );
  }

  showRecommendation(recommendation: Recommendation | null, loading: boolean): void {
    if (recommendation?.incident !== this.recommendation?.incident) this.showAllRanked = false;
    this.recommendation = recommendation;
    this.recommendationLoading = loading;
    this.dispatchedFor = null;
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
    const key = `${language()}|${this.recommendationLoading}|${this.dispatchedFor}|${this.recommendation?.incident ?? ''}|${this.dashboard.selected}`;
    if (key === this.drawnRecommendation) return;
    this.drawnRecommendation = key;
    if (this.recommendationLoading) {
      box.replaceChildren(element('p', { class: 'hint' }, t('rec.loading')));
      return;
    }
    const recommendation = this.recommendation;
    if (!recommendation) {
      box.replaceChildren(element('p', { class: 'hint' }, t('rec.pick')));
      return;
    }
    const incident = this.dashboard.incidents.get(recommendation.incident);
    const plan = recommendation.plan.requirements.map((r) => `${r.count} ${slotName(r.label)}`).join(' + ');
    const header = element(
      'p',
      { class: 'plan' },
      `#${recommendation.incident} ${recommendation.plan.priority} ${term(recommendation.plan.category)} — ${t('rec.plan')}: ${plan}`,
    );
    // The nearest ones and the proposed ones are shown; the rest behind "show all".
    const SHOWN = 8;
    const rows = recommendation.ranked.flatMap((candidate, index) => {
      const proposed = recommendation.proposed.includes(candidate.unit);
      const hidden = index >= SHOWN && !proposed && !this.showAllRanked;
      const box = element('input', { type: 'checkbox', 'data-testid': `rec-select-${candidate.unit}` });
      box.checked = proposed;
      box.dataset.unit = candidate.unit;
      const kind = `${proposed ? 'proposed' : ''}${hidden ? ' hidden' : ''}`;
      return [
        element(
          'tr',
          { 'data-testid': `rec-unit-${candidate.unit}`, 'data-unit-id': candidate.unit, class: `${kind} facts`, title: candidate.reason },
          element('td', {}, box),
          element('td', {}, candidate.unit),
          element('td', { class: 'kind' }, term(candidate.kind)),
          element('td', { class: 'number' }, formatSeconds(candidate.eta)),
          element('td', { class: 'number' }, formatMeters(candidate.distance)),
          element('td', { class: 'number' }, formatSeconds(candidate.fix_age)),
        ),
        element('tr', { class: `${kind} reason` }, element('td', {}), element('td', { colspan: '5' }, candidateReason(candidate, index + 1, incident))),
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
    const parts: Node[] = [header];
    if (recommendation.unfilled.length > 0) {
      parts.push(element('p', { class: 'warning' }, `${t('rec.unfilled')}: ${recommendation.unfilled.map(unfilledName).join(', ')}`));
    }
    const dispatched = this.dispatchedFor === recommendation.incident;
    const button = element('button', { class: 'dispatch', 'data-testid': 'dispatch-button' }, dispatched ? t('rec.dispatched') : t('rec.dispatch'));
    const open = incident !== undefined && ['received', 'dispatched', 'on_scene'].includes(incident.status);
    button.disabled = dispatched || rows.length === 0 || !open;
    const boxes = () => [...table.querySelectorAll<HTMLInputElement>('input[type=checkbox]')];
    const refreshButton = () => {
      if (!dispatched && open) button.disabled = !boxes().some((b) => b.checked);
    };
    for (const box of boxes()) box.onchange = refreshButton;
    refreshButton();
    button.onclick = () => {
      const chosen = boxes().filter((b) => b.checked).map((b) => b.dataset.unit!);
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
              element('li', { 'data-testid': `rec-excluded-${excluded.unit}` }, `${excluded.unit} (${term(excluded.kind)}): ${exclusionReason(excluded)}`),
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
        return element(
          'li',
          { 'data-testid': `unit-${unit.id}` },
          element('span', { class: 'dot', style: `background:${STATUS_COLOURS[unit.status]}` }),
          element('span', { class: 'unit-name', title: unit.name }, `${unit.id}${unit.name && unit.name !== unit.id ? ` ${unit.name}` : ''} · ${term(unit.kind)}`),
          element('span', { class: 'status', 'data-testid': `unit-status-${unit.id}`, 'data-status': unit.status }, term(unit.status)),
          unit.incident !== null ? element('span', { class: 'incident' }, `#${unit.incident}`) : '',
          select,
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
