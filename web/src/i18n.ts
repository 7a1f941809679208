// Every visible string in Chinese (the default) and English. Elements carry `data-i18n` keys, so a
// language switch rewrites the page without rebuilding it.

export type Language = 'zh' | 'en';

const zh = {
  title: '平安 · 一张图',
  'lang.switch': 'English',
  'login.title': '登录指挥图',
  'login.prompt': '请输入调度员或管理员令牌（pingan demo 启动时会打印）。',
  'login.token': '令牌',
  'login.submit': '进入',
  'logout': '退出',
  'feed.connecting': '实时连接中…',
  'feed.live': '实时',
  'feed.down': '实时中断，重连中…',
  'layers.title': '图层',
  'layer.jurisdictions': '辖区',
  'layer.grids': '巡逻网格',
  'layer.workstations': '警务站',
  'layer.circles': '快反圈 1/3/5 分钟',
  'layer.places': '重点部位与必到点',
  'layer.units': '警力',
  'layer.incidents': '警情',
  'layer.cutoff': '围堵方案',
  'layer.unavailable': '此服务器不提供该图层',
  'queue.title': '警情',
  'queue.empty': '暂无新警情',
  'queue.waiting': '已等 {m} 分',
  'queue.group.waiting': '待派 ({n})',
  'queue.group.active': '处置中 ({n})',
  'queue.active_empty': '暂无处置中的警情',
  'queue.since': '接警 {m} 分前',
  'queue.no_units': '未派警力',
  'rec.title': '推荐警力',
  'rec.pick': '点击左侧警情查看推荐警力。',
  'rec.loading': '正在计算路网到达时间…',
  'rec.plan': '处警预案',
  'rec.unit': '警力',
  'rec.kind': '类型',
  'rec.eta': '到达',
  'rec.distance': '路程',
  'rec.fix_age': '定位',
  'rec.proposed': '建议',
  'rec.unfilled': '未满足',
  'rec.excluded': '排除的警力',
  'rec.none': '没有可派的警力。',
  'rec.dispatch': '派警',
  'rec.show_all': '显示全部 {n} 个',
  'rec.dispatched': '已派警',
  'rec.dispatch_more': '增派',
  'rec.sent': '已派',
  'rec.position': '位置',
  'rec.stale': '警情或警力已变化，正在刷新推荐…',
  'rec.refreshed_dispatched': '警情 #{id} 刚被派警（{units}），推荐已刷新。',
  'rec.refreshed_status': '警情 #{id} 现为“{status}”，推荐已刷新。',
  'rec.refreshed_units': '推荐中的警力 {units} 状态已变，推荐已刷新。',
  'rec.finished': '警情状态为“{status}”，无需派警。',
  'reason.rank': '总第 {n} 近',
  'reason.proposed': '建议作为{slot}',
  'reason.already': '已派往本警情',
  'reason.not_needed': '无需：更近的警力已满足预案',
  'reason.stale_fix': '定位已 {m} 分钟未更新',
  'reason.separator': '；',
  'excluded.busy': '不空闲：{status}',
  'excluded.not_called_for': '预案不需要{kind}',
  'excluded.no_position': '尚无定位',
  'excluded.off_map': '定位不在路网上',
  'excluded.no_road': '没有道路通往警情地点',
  'excluded.incident_off_map': '警情地点不在该警力的路网上',
  'excluded.other': '不可派',
  'units.title': '警力状态',
  'units.set': '改为',
  'cutoff.title': '围堵',
  'cutoff.minutes_since': '发现后（分钟）',
  'cutoff.horizon': '预判（分钟）',
  'cutoff.pick': '在地图上点击最后发现位置',
  'cutoff.picking': '请点击地图…',
  'cutoff.clear': '清除',
  'cutoff.summary': '{n} 个卡点，{u} 个无警力可及时到达',
  'cutoff.margin': '提前',
  'kpi.title': '到场指标',
  'kpi.within': '{m} 分钟内到场',
  'kpi.histogram': '接警至到场时间分布（分钟）',
  'kpi.none': '尚无到场记录',
  'kpi.group': '优先级',
  'kpi.n': '数量',
  'kpi.median': '中位',
  'kpi.p90': 'P90',
  'error.request': '请求失败',
  'error.network': '无法连接服务器',
  'error.dismiss': '关闭',
  'punct.colon': '：',
  'action.load': '加载数据失败',
  'action.recommend': '计算推荐警力失败',
  'action.dispatch': '派警失败',
  'action.status': '修改警力状态失败',
  'action.cutoff': '围堵方案失败',
  'action.map': '地图出错',
  'action.other': '操作失败',
  'error.code.network': '无法连接服务器。请检查网络；页面会自动重连。',
  'error.code.invalid_transition': '状态已变化：该警情或所选警力刚被其他调度员或自动派警处理。推荐已刷新，请重新选择警力。',
  'error.code.invalid_dispatch': '没有选择警力，或同一警力选了两次。请至少勾选一个警力。',
  'error.code.no_unit_available': '没有空闲警力满足预案。请手动勾选要派的警力。',
  'error.code.incident_finished': '该警情已结束或已撤销，无需派警。',
  'error.code.incident_not_found': '服务器上没有这起警情（可能已合并）。列表已重新加载。',
  'error.code.unit_not_found': '服务器上没有这个警力。列表已重新加载。',
  'error.code.off_map': '该位置不在路网上。请在地图上选一个道路附近的位置。',
  'error.code.incident_off_map': '警情地点不在路网上，无法计算到达时间。请核实地址。',
  'error.code.outside_jurisdiction': '该位置不在你的令牌所属辖区内。请交给相应辖区处理。',
  'error.code.forbidden': '你的令牌无权执行此操作。请联系管理员。',
  'error.code.unauthorized': '令牌无效或已撤销。请重新登录。',
  'error.code.overtaken': '其他服务器同时修改了状态，本次未保存。请再试一次。',
  'error.code.storage_failed': '服务器无法保存，本次未记录。请通知管理员重启服务器。',
  'error.code.invalid_cutoff': '围堵参数无效：发现后时间须为 0–60 分钟，预判须为 1–30 分钟。',
  'error.code.route_not_found': '此服务器不提供该功能。请升级服务器。',
  'error.code.tile_failed': '服务器无法生成底图。请刷新页面；如反复出现请通知管理员。',
  'error.code.circles_failed': '服务器无法计算快反圈。请刷新页面；如反复出现请通知管理员。',
  'error.code.client': '服务器拒绝了此请求。请刷新页面后重试。',
  'error.code.server': '服务器出错。请稍后重试；如反复出现请通知管理员。',
  'error.code.page': '页面出错。请刷新页面。',
  'map.legend.status': '状态',
  'map.legend.circles': '快反圈',
  'map.position': '位置 (经度,纬度)',
  'map.name': '名称',
  'min': '分',
  's': '秒',
  'm': '米',
  'km': '公里',
  'ago': '前',
} as const;

export type Key = keyof typeof zh;

const en: Record<Key, string> = {
  title: 'pingan · command map',
  'lang.switch': '中文',
  'login.title': 'Sign in to the command map',
  'login.prompt': 'Enter a dispatcher or admin token (pingan demo prints one when it starts).',
  'login.token': 'Token',
  'login.submit': 'Open',
  'logout': 'Sign out',
  'feed.connecting': 'Connecting live feed…',
  'feed.live': 'Live',
  'feed.down': 'Live feed lost, reconnecting…',
  'layers.title': 'Layers',
  'layer.jurisdictions': 'Jurisdictions',
  'layer.grids': 'Patrol grids',
  'layer.workstations': 'Workstations',
  'layer.circles': 'Response circles 1/3/5 min',
  'layer.places': 'Key places and must-visit points',
  'layer.units': 'Units',
  'layer.incidents': 'Incidents',
  'layer.cutoff': 'Cut-off plan',
  'layer.unavailable': 'This server does not offer this layer',
  'queue.title': 'Calls',
  'queue.empty': 'No new calls',
  'queue.waiting': 'waiting {m} min',
  'queue.group.waiting': 'Waiting ({n})',
  'queue.group.active': 'In progress ({n})',
  'queue.active_empty': 'No call in progress',
  'queue.since': 'received {m} min ago',
  'queue.no_units': 'no unit sent',
  'rec.title': 'Recommended units',
  'rec.pick': 'Click a call to see the recommended units.',
  'rec.loading': 'Computing road ETAs…',
  'rec.plan': 'Response plan',
  'rec.unit': 'Unit',
  'rec.kind': 'Kind',
  'rec.eta': 'ETA',
  'rec.distance': 'Distance',
  'rec.fix_age': 'Fix',
  'rec.proposed': 'Proposed',
  'rec.unfilled': 'Unfilled',
  'rec.excluded': 'Excluded units',
  'rec.none': 'No unit can be sent.',
  'rec.dispatch': 'Dispatch',
  'rec.show_all': 'Show all {n}',
  'rec.dispatched': 'Dispatched',
  'rec.dispatch_more': 'Send more',
  'rec.sent': 'Sent',
  'rec.position': 'Position',
  'rec.stale': 'The call or its units changed; refreshing the recommendation…',
  'rec.refreshed_dispatched': 'Call #{id} was just dispatched ({units}); the recommendation is refreshed.',
  'rec.refreshed_status': 'Call #{id} is now “{status}”; the recommendation is refreshed.',
  'rec.refreshed_units': 'Unit {units} of the recommendation changed status; the recommendation is refreshed.',
  'rec.finished': 'The call is {status}: nothing to dispatch.',
  'reason.rank': '#{n} overall',
  'reason.proposed': 'proposed as {slot}',
  'reason.already': 'already sent to this call',
  'reason.not_needed': 'not needed: nearer units fill the plan',
  'reason.stale_fix': 'position is {m} min old',
  'reason.separator': '; ',
  'excluded.busy': 'not free: {status}',
  'excluded.not_called_for': 'the plan does not call for a {kind}',
  'excluded.no_position': 'no position reported yet',
  'excluded.off_map': 'position off the road map',
  'excluded.no_road': 'no road leads from its position to the call',
  'excluded.incident_off_map': 'the call is off this unit\'s road map',
  'excluded.other': 'cannot be sent',
  'units.title': 'Unit status',
  'units.set': 'Set to',
  'cutoff.title': 'Cut-off',
  'cutoff.minutes_since': 'Minutes since seen',
  'cutoff.horizon': 'Plan ahead (min)',
  'cutoff.pick': 'Click the last seen position on the map',
  'cutoff.picking': 'Click the map…',
  'cutoff.clear': 'Clear',
  'cutoff.summary': '{n} checkpoints, {u} no unit reaches in time',
  'cutoff.margin': 'ahead by',
  'kpi.title': 'Response KPIs',
  'kpi.within': 'Within {m} min',
  'kpi.histogram': 'Call to arrival (minutes)',
  'kpi.none': 'No arrivals yet',
  'kpi.group': 'Priority',
  'kpi.n': 'Calls',
  'kpi.median': 'Median',
  'kpi.p90': 'P90',
  'error.request': 'Request failed',
  'error.network': 'Cannot reach the server',
  'error.dismiss': 'Dismiss',
  'punct.colon': ': ',
  'action.load': 'Loading failed',
  'action.recommend': 'Recommendation failed',
  'action.dispatch': 'Dispatch failed',
  'action.status': 'Status change failed',
  'action.cutoff': 'Cut-off plan failed',
  'action.map': 'Map error',
  'action.other': 'Failed',
  'error.code.network': 'Cannot reach the server. Check the network; the page reconnects by itself.',
  'error.code.invalid_transition': 'Things changed meanwhile: this call or a chosen unit was just handled by another dispatcher or the auto-dispatcher. The recommendation is refreshed; choose units again.',
  'error.code.invalid_dispatch': 'No unit chosen, or one unit chosen twice. Tick at least one unit.',
  'error.code.no_unit_available': 'No free unit fills the plan. Tick the units to send yourself.',
  'error.code.incident_finished': 'This call is closed or cancelled: nothing to dispatch.',
  'error.code.incident_not_found': 'The server has no such call (it may have been merged). The list is reloaded.',
  'error.code.unit_not_found': 'The server has no such unit. The list is reloaded.',
  'error.code.off_map': 'This position is off the road map. Pick a point near a road.',
  'error.code.incident_off_map': 'The call lies off the road map, so no arrival time can be computed. Check the address.',
  'error.code.outside_jurisdiction': 'This position lies outside the jurisdiction of your token. Hand it to that jurisdiction.',
  'error.code.forbidden': 'Your token may not do this. Ask an administrator.',
  'error.code.unauthorized': 'The token is wrong or revoked. Sign in again.',
  'error.code.overtaken': 'Another server changed the state at the same time; nothing was saved. Try again.',
  'error.code.storage_failed': 'The server could not save the change; nothing was recorded. Tell the administrator to restart the server.',
  'error.code.invalid_cutoff': 'Cut-off settings out of range: minutes since seen 0–60, plan ahead 1–30 minutes.',
  'error.code.route_not_found': 'This server does not offer this function. Update the server.',
  'error.code.tile_failed': 'The server could not draw the base map. Reload the page; tell the administrator if it happens again.',
  'error.code.circles_failed': 'The server could not compute the response circles. Reload the page; tell the administrator if it happens again.',
  'error.code.client': 'The server refused this request. Reload the page and try again.',
  'error.code.server': 'The server failed. Try again later; tell the administrator if it happens again.',
  'error.code.page': 'The page failed. Reload it.',
  'map.legend.status': 'Status',
  'map.legend.circles': 'Response circles',
  'map.position': 'Position (lon,lat)',
  'map.name': 'Name',
  'min': 'min',
  's': 's',
  'm': 'm',
  'km': 'km',
  'ago': 'ago',
};

const enumsZh: Record<string, string> = {
  patrol_car: '巡逻车',
  armed_patrol_car: '武装巡逻车',
  swat_team: '特警队',
  traffic_motorcycle: '铁骑',
  foot_patrol: '步巡',
  drone: '无人机',
  volunteer_patrol: '群防群治',
  available: '空闲',
  patrolling: '巡逻中',
  dispatched: '已派',
  en_route: '途中',
  on_scene: '到场',
  returning: '返回',
  out_of_service: '停用',
  criminal: '刑事',
  public_order: '治安',
  traffic: '交通',
  dispute: '纠纷',
  assistance: '求助',
  referral: '转警',
  received: '新接警',
  closed: '已结',
  cancelled: '已撤销',
  police_station: '派出所',
  workstation: '警务站',
  police_office: '警务室',
  patrol_grid: '网格',
  crowded_place: '人员密集场所',
  key_unit: '重点单位',
  vital_site: '要害部位',
  must_visit: '必到点',
  must_patrol: '必巡线',
  counter_terror: '反恐处突',
  public_security_patrol: '治安防控',
  armed: '武装',
  first_aid: '急救',
  negotiation: '谈判',
  traffic_control: '交通管制',
  police_dog: '警犬',
  aerial_view: '空中侦察',
  P1: '重大',
  P2: '紧急',
  P3: '一般',
  P4: '服务',
};

const enumsEn: Record<string, string> = {
  patrol_car: 'patrol car',
  armed_patrol_car: 'armed patrol car',
  swat_team: 'SWAT team',
  traffic_motorcycle: 'traffic motorcycle',
  foot_patrol: 'foot patrol',
  drone: 'drone',
  volunteer_patrol: 'volunteer patrol',
  available: 'available',
  patrolling: 'patrolling',
  dispatched: 'dispatched',
  en_route: 'en route',
  on_scene: 'on scene',
  returning: 'returning',
  out_of_service: 'out of service',
  criminal: 'criminal',
  public_order: 'public order',
  traffic: 'traffic',
  dispute: 'dispute',
  assistance: 'assistance',
  referral: 'referral',
  received: 'new',
  closed: 'closed',
  cancelled: 'cancelled',
  police_station: 'police station',
  workstation: 'workstation',
  police_office: 'police office',
  patrol_grid: 'patrol grid',
  crowded_place: 'crowded place',
  key_unit: 'key unit',
  vital_site: 'vital site',
  must_visit: 'must-visit point',
  must_patrol: 'must-patrol route',
  counter_terror: 'counter-terror',
  public_security_patrol: 'public-security patrol',
  armed: 'armed',
  first_aid: 'first aid',
  negotiation: 'negotiation',
  traffic_control: 'traffic control',
  police_dog: 'police dog',
  aerial_view: 'aerial view',
  P1: 'major',
  P2: 'urgent',
  P3: 'routine',
  P4: 'service',
};

/** Plan slot labels as the dispatch crate writes them (crates/dispatch/src/plan.rs). */
const slotsZh: Record<string, string> = {
  'patrol car': '巡逻车',
  'armed unit': '武装警力',
  patrol: '巡逻警力',
  'road patrol': '道路巡逻警力',
  'traffic motorcycle': '铁骑',
};

const STORAGE_KEY = 'pingan.language';

let current: Language = localStorage.getItem(STORAGE_KEY) === 'en' ? 'en' : 'zh';
const listeners: (() => void)[] = [];

export function language(): Language {
  return current;
}

export function setLanguage(next: Language): void {
  current = next;
  localStorage.setItem(STORAGE_KEY, next);
  document.documentElement.lang = next === 'zh' ? 'zh-CN' : 'en';
  translatePage();
  for (const listener of listeners) listener();
}

/** Runs `listener` after every language switch, to redraw what is built from data. */
export function onLanguageChange(listener: () => void): void {
  listeners.push(listener);
}

/** The string for `key`, with `{name}` placeholders filled from `values`. */
export function t(key: Key, values: Record<string, string | number> = {}): string {
  const text = current === 'zh' ? zh[key] : en[key];
  return text.replace(/\{(\w+)\}/g, (_, name: string) => String(values[name] ?? `{${name}}`));
}

/** The name of a server enum value (unit kind, status, category, level, place kind). */
export function term(value: string): string {
  return (current === 'zh' ? enumsZh : enumsEn)[value] ?? value.replace(/_/g, ' ');
}

/** A response plan slot ("patrol car", "armed unit") in the user's language. */
export function slotTerm(label: string): string {
  return current === 'zh' ? (slotsZh[label] ?? label) : label;
}

/** What went wrong and what to do, from the server's stable error code; never the code itself. */
export function errorText(code: string, status: number): string {
  const key = `error.code.${code}`;
  if (key in zh) return t(key as Key);
  if (status === 0) return t('error.code.network');
  if (status === 401) return t('error.code.unauthorized');
  if (status === 403) return t('error.code.forbidden');
  if (status === 404 && code.endsWith('_not_found')) return t('error.code.client');
  return status >= 500 ? t('error.code.server') : t('error.code.client');
}

/** Fills every element with a `data-i18n` key (text) or `data-i18n-placeholder` key. */
export function translatePage(root: ParentNode = document): void {
  for (const element of root.querySelectorAll<HTMLElement>('[data-i18n]')) {
    element.textContent = t(element.dataset.i18n as Key);
  }
  for (const element of root.querySelectorAll<HTMLInputElement>('[data-i18n-placeholder]')) {
    element.placeholder = t(element.dataset.i18nPlaceholder as Key);
  }
  for (const element of root.querySelectorAll<HTMLElement>('[data-i18n-title]')) {
    element.title = t(element.dataset.i18nTitle as Key);
  }
  document.title = t('title');
}

/** A position as the CLI takes it: "lon,lat", five decimals (about a metre). */
export function formatLonLat(point: { lon: number; lat: number }): string {
  return `${point.lon.toFixed(5)},${point.lat.toFixed(5)}`;
}

export function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)} ${t('s')}`;
  const minutes = Math.floor(seconds / 60);
  const rest = Math.round(seconds - minutes * 60);
  return `${minutes} ${t('min')} ${rest} ${t('s')}`;
}

export function formatMeters(meters: number): string {
  return meters < 1000 ? `${Math.round(meters)} ${t('m')}` : `${(meters / 1000).toFixed(1)} ${t('km')}`;
}

export function formatTime(at: number): string {
  return new Date(at).toLocaleTimeString(current === 'zh' ? 'zh-CN' : 'en-GB', { hour12: false });
}
