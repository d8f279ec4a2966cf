// The dashboard's usage: what the AI engineer's model answers cost this month (GET /api/usage):
// the totals, a bar a day, the costliest runs; an admin may see every user's.

import * as api from '../api';
import { h, put } from '../dom';
import { plural, tokens, usd } from '../format';
import type { UsageCounts, UsageReport } from '../types';
import { dataTable, empty, failed, loading } from '../ui';

const SVG = 'http://www.w3.org/2000/svg';

function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number>,
  ...children: (Node | string)[]
): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  el.append(...children);
  return el;
}

const allTokens = (u: UsageCounts) => u.inputTokens + u.outputTokens + u.cacheReadTokens + u.cacheWriteTokens;

/** "2026-05-01" of a unix time, in UTC (the server's days are UTC). */
const dayOf = (unix: number) => new Date(unix * 1000).toISOString().slice(0, 10);

/** One bar a day of the span (days without use too), by cost; by tokens when nothing is priced. */
function chart(r: UsageReport): SVGSVGElement {
  const byDay = new Map(r.days.map((d) => [d.day, d]));
  const days: string[] = [];
  const last = dayOf(Math.min(r.to - 1, Date.now() / 1000));
  for (let t = r.from; dayOf(t) <= last && days.length < 62; t += 86400) days.push(dayOf(t));
  const priced = r.days.some((d) => d.costUsd > 0);
  const value = (d: UsageCounts | undefined) => (d ? (priced ? d.costUsd : allTokens(d)) : 0);
  const max = Math.max(...days.map((d) => value(byDay.get(d))), priced ? 0.01 : 1);
  const W = 640;
  const H = 120;
  const pad = 18; // below the bars: the day numbers
  const step = W / Math.max(days.length, 1);
  const bar = Math.max(2, Math.min(18, step * 0.7));
  const bars = days.map((day, i) => {
    const d = byDay.get(day);
    const v = value(d);
    const hgt = v > 0 ? Math.max(2, ((H - pad - 4) * v) / max) : 0;
    const x = i * step + (step - bar) / 2;
    const tip = d
      ? `${day}: ${usd(d.costUsd)}, ${tokens(allTokens(d))} tokens, ${plural(d.answers, 'answer')}`
      : `${day}: nothing`;
    const n = Number(day.slice(8));
    return svg(
      'g',
      { 'data-day': day },
      svg('title', {}, tip),
      svg('rect', { x: i * step, y: 0, width: step, height: H, fill: 'transparent' }),
      svg('rect', { x, y: H - pad - hgt, width: bar, height: hgt, rx: 2, class: 'bar' }),
      n === 1 || n % 5 === 0 || i === days.length - 1
        ? svg('text', { x: x + bar / 2, y: H - 4, 'text-anchor': 'middle', class: 'tick' }, String(n))
        : '',
    );
  });
  return svg(
    'svg',
    {
      class: 'usage-chart',
      viewBox: `0 0 ${W} ${H}`,
      role: 'img',
      'aria-label': `${priced ? 'Cost' : 'Tokens'} by day`,
      'data-testid': 'usage-chart',
    },
    svg('line', { x1: 0, y1: H - pad, x2: W, y2: H - pad, class: 'axis' }),
    ...bars,
  );
}

function figures(t: UsageCounts): HTMLElement {
  const fig = (label: string, value: string, detail: string, testid: string) =>
    h(
      'div',
      { class: 'figure', 'data-testid': testid },
      h('div', { class: 'figure-label' }, label),
      h('div', { class: 'figure-value' }, value),
      h('div', { class: 'figure-detail muted small' }, detail),
    );
  return h(
    'div',
    { class: 'figures' },
    fig(
      'Cost',
      usd(t.costUsd),
      t.unpricedAnswers
        ? `${plural(t.unpricedAnswers, 'answer')} of a model without a price not counted`
        : plural(t.answers, 'model answer'),
      'usage-cost',
    ),
    fig(
      'Tokens',
      tokens(allTokens(t)),
      `${tokens(t.inputTokens)} in · ${tokens(t.outputTokens)} out · ${tokens(t.cacheReadTokens + t.cacheWriteTokens)} cache`,
      'usage-tokens',
    ),
  );
}

function runsTable(r: UsageReport, sprites: Map<string, string>): HTMLElement {
  const link = (run: string) => {
    const sprite = sprites.get(run);
    const id = h('code', null, run);
    return sprite ? h('a', { href: `/sprite/${encodeURIComponent(sprite)}/run/${encodeURIComponent(run)}` }, id) : id;
  };
  return dataTable(
    { testid: 'usage-runs', compact: true, head: ['Run', { text: 'Tokens', num: true }, { text: 'Cost', num: true }] },
    r.runs.slice(0, 5).map((x) =>
      h(
        'tr',
        { 'data-testid': 'usage-run', 'data-run': x.run },
        h('td', null, link(x.run)),
        h(
          'td',
          {
            class: 'num',
            title: `${x.inputTokens.toLocaleString()} in, ${x.outputTokens.toLocaleString()} out, ${x.cacheReadTokens.toLocaleString()} cache read, ${x.cacheWriteTokens.toLocaleString()} cache write`,
          },
          tokens(allTokens(x)),
        ),
        h('td', { class: 'num' }, usd(x.costUsd)),
      ),
    ),
  );
}

/** Every user's usage (an admin's view), the costliest first. */
function usersTable(users: (UsageCounts & { user: string })[]): HTMLElement {
  const num = (text: string) => ({ text, num: true }) as const;
  return dataTable(
    { testid: 'usage-users', compact: true, head: ['User', num('Answers'), num('Tokens'), num('Cost')] },
    users.map((u) =>
      h(
        'tr',
        { 'data-testid': 'usage-user', 'data-user': u.user },
        h('td', null, u.user),
        h('td', { class: 'num' }, u.answers.toLocaleString()),
        h('td', { class: 'num' }, tokens(allTokens(u))),
        h('td', { class: 'num' }, usd(u.costUsd)),
      ),
    ),
  );
}

/** The usage section; sprites maps a run to its sprite (for links); admin: the all-users toggle. */
export function usageSection(admin: boolean): { el: HTMLElement; load: (sprites: Map<string, string>) => void } {
  const body = h('div', { class: 'usage-body' });
  const toggle = h(
    'button',
    {
      class: 'btn small',
      type: 'button',
      'aria-pressed': 'false',
      'data-testid': 'usage-all',
      hidden: !admin,
      title: "Every user's usage (you are an admin)",
    },
    'All users',
  );
  const el = h(
    'section',
    { class: 'section', 'data-testid': 'usage' },
    h('div', { class: 'section-head' }, h('h2', null, 'AI usage this month'), h('span', { class: 'spacer' }), toggle),
    body,
  );
  let all = false;
  let sprites = new Map<string, string>();
  let token = 0;

  async function load(): Promise<void> {
    const t = ++token;
    if (!body.firstChild) put(body, loading('Loading the usage…'));
    try {
      const r = await api.usage({ all });
      if (t !== token) return;
      el.dataset.all = String(r.all);
      if (!r.total.answers) {
        put(
          body,
          empty(
            all ? 'No model answers this month' : 'The AI engineer has not been used this month',
            'Its cost and tokens show here once it answers: record a site and ask it for a task.',
          ),
        );
        return;
      }
      put(
        body,
        h(
          'div',
          { class: 'usage-grid card' },
          h('div', { class: 'usage-left' }, figures(r.total)),
          h(
            'div',
            { class: 'usage-right' },
            h(
              'div',
              { class: 'figure-label' },
              r.days.some((d) => d.costUsd > 0) ? 'Cost by day (UTC)' : 'Tokens by day (UTC)',
            ),
            chart(r),
          ),
        ),
        r.all && r.users?.length ? h('h3', { class: 'subhead' }, 'By user') : null,
        r.all && r.users?.length ? usersTable(r.users) : null,
        r.runs.length ? h('h3', { class: 'subhead' }, 'Costliest runs') : null,
        r.runs.length ? runsTable(r, sprites) : null,
      );
    } catch (e) {
      if (t === token)
        put(
          body,
          failed(api.messageOf(e), () => void load()),
        );
    }
  }

  toggle.addEventListener('click', () => {
    all = !all;
    toggle.setAttribute('aria-pressed', String(all));
    void load();
  });

  return {
    el,
    load(s) {
      sprites = s;
      void load();
    },
  };
}
