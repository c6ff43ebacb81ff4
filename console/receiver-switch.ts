/**
 * The switch to the built-in test receiver, one click away but never a quiet replacement of the
 * user's own webhook URL: with a URL configured, it first asks, naming the URL that will stop
 * getting bot messages; once switched, it says so and offers the way back in one click. The URL
 * to go back to is kept per bot in this browser (localStorage; a URL, no token), so a reload
 * keeps the way back.
 */
import { h, replace } from './dom.js';

export interface ReceiverSwitch {
  element: HTMLElement;
  /** Shows the choice for the channel's URL now (`undefined`: not configured) and the test receiver's URL. */
  render(channelUrl: string | undefined, receiverUrl: string | undefined): void;
  /** A URL was saved from the form: it is the user's choice now, there is nothing to go back to. */
  saved(url: string, receiverUrl: string | undefined): void;
}

/**
 * @param botId the bot whose channel this is (the remembered URL is the bot's).
 * @param switchTo saves `url` as the channel's webhook URL; resolves `false` when it was not saved (the error is reported).
 */
export function mountReceiverSwitch(botId: string, switchTo: (url: string) => Promise<boolean>): ReceiverSwitch {
  const key = `webhook-channel-console:own-webhook-url:${botId}`;
  const element = h('div', { class: 'receiver-switch' });
  let confirming = false;
  let last: [string | undefined, string | undefined] = [undefined, undefined];
  // What is on screen: the panel re-renders after every delivery attempt, and rebuilding the same
  // buttons would steal the focus (and lose a click between press and release).
  let shown = '';

  const remembered = () => localStorage.getItem(key) ?? undefined;
  const forget = () => localStorage.removeItem(key);

  const render = (channelUrl: string | undefined, receiverUrl: string | undefined) => {
    last = [channelUrl, receiverUrl];
    const state = JSON.stringify([channelUrl, receiverUrl, confirming, remembered()]);
    if (state === shown) return;
    shown = state;
    if (!receiverUrl) return replace(element);
    if (channelUrl === receiverUrl) {
      const own = remembered();
      return replace(
        element,
        h(
          'p',
          { role: 'status' },
          'Deliveries go to the built-in test receiver',
          ...(own ? [' instead of ', h('code', {}, own), ', which gets no bot messages until you switch back. '] : ['. ']),
          own ? h('button', { type: 'button', onclick: () => void back(own) }, `Back to ${own}`) : null,
        ),
      );
    }
    if (confirming && channelUrl) {
      const confirm = h('button', { type: 'button', onclick: () => void use(receiverUrl, channelUrl) }, 'Switch to the test receiver');
      replace(
        element,
        h(
          'div',
          { role: 'alertdialog', 'aria-label': 'Replace your webhook URL?', class: 'confirm' },
          h('p', {}, 'Deliveries will go to the built-in test receiver instead of ', h('code', {}, channelUrl), ': that URL gets no bot messages until you switch back (a button here will do it).'),
          h('p', {}, confirm, ' ', h('button', { type: 'button', onclick: () => ((confirming = false), render(...last)) }, 'Cancel')),
        ),
      );
      confirm.focus();
      return;
    }
    replace(
      element,
      h(
        'p',
        {},
        h('button', { type: 'button', onclick: () => (channelUrl ? ((confirming = true), render(...last)) : void use(receiverUrl, undefined)) }, 'Use the built-in test receiver'),
        ' ',
        h('span', { class: 'muted' }, 'to see signed deliveries with nothing else running.', channelUrl ? ' It asks before replacing your URL.' : ''),
      ),
    );
  };

  const use = async (receiverUrl: string, own: string | undefined) => {
    confirming = false;
    if (own) localStorage.setItem(key, own);
    if (!(await switchTo(receiverUrl)) && own) forget();
  };

  const back = async (own: string) => {
    if (await switchTo(own)) forget();
  };

  return {
    element,
    render,
    saved(url, receiverUrl) {
      if (url !== receiverUrl) forget();
    },
  };
}
