// Settings: the AI engineer's model — the user's own key (stored encrypted by the server, never
// shown again: set, replace, delete) — and their monthly budget, what is spent and what is left.

import * as api from '../api';
import { h, put } from '../dom';
import { usd, when } from '../format';
import { refreshLlm, setLlmState } from '../llm';
import type { View } from '../router';
import type { LlmState, Provider } from '../types';
import { busy, confirmDialog, failed, loading } from '../ui';

const PROVIDERS: Record<Provider, string> = { anthropic: 'Anthropic', openai: 'OpenAI' };
const providerName = (p: string | null) => (p && p in PROVIDERS ? PROVIDERS[p as Provider] : (p ?? ''));

/** Whose model and key the runs use now, in a sentence. */
function modelLine(s: LlmState): HTMLElement {
  if (!s.configured) {
    return h(
      'div',
      { class: 'settings-status is-off', 'data-testid': 'settings-model' },
      h('p', { class: 'state-title' }, 'No model configured'),
      h('p', null, s.how ?? 'Store a key of your own below.'),
    );
  }
  return h(
    'div',
    { class: 'settings-status is-on', 'data-testid': 'settings-model' },
    h('p', { class: 'state-title' }, 'The AI engineer is ready'),
    h(
      'p',
      null,
      'Runs with a prompt use ',
      h('code', null, s.model ?? 'the default model'),
      ` (${providerName(s.provider)}) with `,
      s.source === 'own' ? 'your own key.' : "the server's key.",
      ` Up to ${s.maxRuns} at once.`,
    ),
  );
}

function budgetBox(s: LlmState): HTMLElement {
  const b = s.budget;
  const limit = b.monthlyUsd;
  const share = limit ? Math.min(1, b.spentUsd / limit) : 0;
  return h(
    'div',
    { class: 'budget', 'data-testid': 'settings-budget' },
    h(
      'dl',
      { class: 'budget-figures' },
      h(
        'div',
        null,
        h('dt', null, 'Monthly budget'),
        h('dd', { 'data-testid': 'settings-budget-limit' }, limit === null ? 'none' : usd(limit)),
      ),
      h(
        'div',
        null,
        h('dt', null, 'Spent this month'),
        h('dd', { 'data-testid': 'settings-spent', 'data-usd': b.spentUsd }, usd(b.spentUsd)),
      ),
      h(
        'div',
        null,
        h('dt', null, 'Left'),
        h(
          'dd',
          { 'data-testid': 'settings-left', class: b.leftUsd !== null && b.leftUsd <= 0 ? 'is-bad' : '' },
          b.leftUsd === null ? '—' : usd(Math.max(0, b.leftUsd)),
        ),
      ),
    ),
    limit !== null
      ? h(
          'div',
          {
            class: `meter-bar${share >= 1 ? ' is-full' : share > 0.8 ? ' is-high' : ''}`,
            role: 'img',
            'aria-label': `${Math.round(share * 100)}% of the budget spent`,
          },
          h('span', { style: `width: ${(share * 100).toFixed(1)}%` }),
        )
      : null,
    h(
      'p',
      { class: 'muted small' },
      limit === null
        ? 'No monthly budget is set for you: an admin sets one with '
        : 'A run that would pass the budget stops with a message saying so. An admin changes it with ',
      h('code', null, 'rae user budget NAME USD'),
      '.',
    ),
  );
}

export function settingsPage(): View {
  const status = h('div', null, loading('Asking the server…'));
  const keyState = h('div', { class: 'key-state', 'data-testid': 'settings-key-state' });
  const budget = h('div');
  const provider = h(
    'select',
    { class: 'select', id: 'key-provider', 'data-testid': 'settings-key-provider' },
    Object.entries(PROVIDERS).map(([v, label]) => h('option', { value: v }, label)),
  );
  const key = h('input', {
    id: 'key-input',
    type: 'password',
    autocomplete: 'off',
    spellcheck: 'false',
    placeholder: 'sk-…',
    'data-testid': 'settings-key-input',
  });
  const save = h('button', { class: 'btn primary', type: 'submit', 'data-testid': 'settings-key-save' }, 'Store key');
  const message = h('div', { class: 'form-message', role: 'status', 'data-testid': 'settings-message' });
  const error = h('div', { class: 'form-error', role: 'alert', 'data-testid': 'settings-error' });
  const form = h(
    'form',
    { class: 'key-form' },
    h('div', { class: 'field' }, h('label', { for: 'key-provider' }, 'Provider'), provider),
    h('div', { class: 'field grow' }, h('label', { for: 'key-input' }, 'API key'), key),
    save,
  );
  let state: LlmState | null = null;
  /** The button says what it does now (after busy() gave back its old text). */
  const label = () => {
    save.textContent = state?.ownKey.set ? 'Replace key' : 'Store key';
  };

  function show(s: LlmState): void {
    state = s;
    setLlmState(s);
    put(status, modelLine(s));
    const own = s.ownKey;
    const del = h(
      'button',
      { class: 'btn danger-text', type: 'button', 'data-testid': 'settings-key-delete' },
      'Delete key',
    );
    del.addEventListener('click', () => void remove(del));
    put(
      keyState,
      own.set
        ? h(
            'div',
            { class: 'key-set' },
            h('span', { class: 'badge tone-ok' }, 'stored'),
            h(
              'span',
              null,
              `Your ${providerName(own.provider)} key`,
              own.added ? `, added ${when(own.added)}` : '',
              '. It is never shown again.',
            ),
            h('span', { class: 'spacer' }),
            del,
          )
        : h(
            'p',
            { class: 'muted' },
            'No key of your own is stored. ',
            s.source === 'server' ? "Your runs use the server's key." : '',
          ),
    );
    if (own.provider && own.provider in PROVIDERS) provider.value = own.provider;
    if (!save.disabled) label();
    put(budget, budgetBox(s));
  }

  async function load(): Promise<void> {
    try {
      show(await refreshLlm());
    } catch (e) {
      put(
        status,
        failed(`Cannot ask the server about the model: ${api.messageOf(e)}`, () => void load()),
      );
    }
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    put(error);
    put(message);
    const text = key.value.trim();
    if (!text) {
      put(error, 'Paste the key first.');
      key.focus();
      return;
    }
    void busy(save, 'Storing…', async () => {
      try {
        const replaced = state?.ownKey.set === true;
        show(await api.setLlmKey(provider.value as Provider, text));
        put(
          message,
          replaced
            ? 'The key is replaced. Your runs use it from now on.'
            : 'The key is stored. Your runs use it from now on.',
        );
      } catch (err) {
        put(error, api.messageOf(err));
      } finally {
        key.value = ''; // never kept in the page, stored or not
      }
    }).then(label);
  });

  async function remove(button: HTMLButtonElement): Promise<void> {
    const yes = await confirmDialog({
      title: 'Delete your key?',
      body: h('p', null, "The server forgets it. Your runs then use the server's key, if it has one."),
      confirm: 'Delete key',
      danger: true,
    });
    if (!yes) return;
    put(error);
    put(message);
    await busy(button, 'Deleting…', async () => {
      try {
        show(await api.deleteLlmKey());
        put(message, 'Your key is deleted.');
      } catch (err) {
        put(error, api.messageOf(err));
      }
    });
    label();
  }

  void load();
  return {
    title: 'Settings',
    el: h(
      'div',
      { class: 'page settings', 'data-testid': 'settings' },
      h('h1', { class: 'page-title' }, 'Settings'),
      h(
        'section',
        { class: 'section card' },
        h('h2', null, 'The AI engineer'),
        status,
        h('h3', { class: 'subhead' }, 'Your own key'),
        h(
          'p',
          { class: 'muted small' },
          'Runs use your key before the server’s. It is kept encrypted by the server and never reaches your sprite: the engineer’s requests go through the server, which adds it.',
        ),
        keyState,
        form,
        error,
        message,
      ),
      h('section', { class: 'section card' }, h('h2', null, 'Budget'), budget),
    ),
  };
}
