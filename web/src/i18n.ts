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
  'queue.title': '待派警情',
  'queue.empty': '暂无新警情',
  'queue.waiting': '已等 {m} 分',
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
  'map.legend.status': '状态',
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
  'queue.title': 'New calls',
  'queue.empty': 'No new calls',
  'queue.waiting': 'waiting {m} min',
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
  'map.legend.status': 'Status',
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
