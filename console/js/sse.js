// Server-sent events read with fetch(), because EventSource cannot send the Authorization
// header (and the token must never go in the URL). Parses text/event-stream as the HTML
// standard says (data/id/event fields, comment lines, blank line ends an event) and reconnects
// after a drop with Last-Event-ID, so that nothing between is missed. Stops when `signal` aborts.
import { ApiError } from './api.js';
import { token } from './session.js';

// onEvent({id, event, data}); onState('connecting'|'open'|'reconnecting', detail?).
export async function followEventStream(url, { signal, onEvent, onState = () => {}, retryMs = 1000 }) {
  let lastEventId = null;
  while (!signal.aborted) {
    onState(lastEventId === null ? 'connecting' : 'reconnecting');
    try {
      const headers = { Accept: 'text/event-stream', Authorization: `Bearer ${token()}` };
      if (lastEventId !== null) headers['Last-Event-ID'] = lastEventId;
      const response = await fetch(url, { headers, signal, cache: 'no-store', credentials: 'omit' });
      if (!response.ok) {
        let problem = {};
        try {
          problem = await response.json();
        } catch {
          // not a problem document
        }
        throw new ApiError(response.status, problem);
      }
      onState('open');
      await readEvents(response.body, signal, (event) => {
        if (event.id !== null) lastEventId = event.id;
        onEvent(event);
      });
    } catch (error) {
      if (signal.aborted) return;
      // A refused token or a bad filter will not get better by asking again.
      if (error instanceof ApiError && error.status >= 400 && error.status < 500 && error.status !== 429) throw error;
      onState('reconnecting', error);
    }
    if (!signal.aborted) await new Promise((resolve) => setTimeout(resolve, retryMs));
  }
}

async function readEvents(body, signal, dispatch) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  const stopReading = () => reader.cancel().catch(() => {});
  signal.addEventListener('abort', stopReading, { once: true });
  let buffer = '';
  let data = [];
  let id = null;
  let type = 'message';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let end;
      while ((end = buffer.search(/\r\n|\n|\r/)) >= 0) {
        if (buffer[end] === '\r' && end === buffer.length - 1) break;  // its \n may be in the next chunk
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + (buffer.startsWith('\r\n', end) ? 2 : 1));
        if (line === '') {
          if (data.length) dispatch({ id, event: type, data: data.join('\n') });
          data = [];
          type = 'message';
          continue;
        }
        if (line.startsWith(':')) continue;  // a comment: the server's heartbeat
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? '' : line.slice(colon + 1);
        if (value.startsWith(' ')) value = value.slice(1);
        if (field === 'data') data.push(value);
        else if (field === 'id' && !value.includes('\0')) id = value;
        else if (field === 'event') type = value;
      }
    }
  } finally {
    signal.removeEventListener('abort', stopReading);
  }
}
