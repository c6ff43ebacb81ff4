/**
 * Who is signed in: the bot id and token, from the URL fragment (`#bot=demo&token=…`, which a
 * browser never sends to the server) or the sign-in form, kept for the tab only
 * (sessionStorage), and the conversation this browser chats in (localStorage, without the token).
 */
export interface Session {
  botId: string;
  token: string;
  /** This tab's user id in the conversation with the bot. */
  senderId: string;
}

const KEY = 'webhook-channel-console';

/** The session from the fragment (then removed from the address bar) or from this tab's storage. */
export function restoreSession(): Session | undefined {
  const fragment = new URLSearchParams(location.hash.replace(/^#/, ''));
  const botId = fragment.get('bot');
  const token = fragment.get('token');
  if (botId && token) {
    // The token must not linger in the address bar, the history or a screenshot.
    history.replaceState(null, '', location.pathname + location.search);
    return startSession(botId, token);
  }
  try {
    const saved = JSON.parse(sessionStorage.getItem(KEY) ?? 'null') as Session | null;
    return saved && saved.botId && saved.token && saved.senderId ? saved : undefined;
  } catch {
    return undefined;
  }
}

export function startSession(botId: string, token: string): Session {
  const session = { botId, token, senderId: conversationOf(botId) };
  sessionStorage.setItem(KEY, JSON.stringify(session));
  return session;
}

/**
 * This browser's user id with the bot: kept (without the token) across tabs and reloads, so the
 * console comes back to the same conversation.
 */
function conversationOf(botId: string): string {
  const key = `${KEY}:sender:${botId}`;
  let senderId = localStorage.getItem(key);
  if (!senderId) {
    senderId = `console-${crypto.randomUUID()}`;
    localStorage.setItem(key, senderId);
  }
  return senderId;
}

export function endSession(): void {
  sessionStorage.removeItem(KEY);
}
