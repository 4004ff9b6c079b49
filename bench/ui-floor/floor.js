// The least a page can do to show a first live price: the session, the watchlist, the stream
// and a quotes snapshot, one cell, no framework. `npm run bench -- ui` loads it as the floor
// that the dashboard's cold load is compared with, on the same machine and agent.
const cell = document.querySelector('[data-field="lastPrice"]');
const show = (price) => {
  if (typeof price !== 'number') return;
  cell.textContent = String(price);
  cell.removeAttribute('data-stale');
};
await fetch('api/v1/session');
const { watchlists } = await (await fetch('api/v1/watchlists')).json();
const instrument = watchlists[0].instruments[0];
const stream = new WebSocket(`${location.origin.replace('http', 'ws')}/api/v1/stream`, ['algodeck.v1']);
stream.onmessage = async (event) => {
  const message = JSON.parse(event.data);
  if (message.type === 'welcome') {
    stream.send(JSON.stringify({ type: 'subscribe', topic: 'ticks', instruments: [instrument], id: 'floor' }));
    const response = await fetch('api/v1/quotes', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ instruments: [instrument] }) });
    const { quotes } = await response.json();
    if (!quotes[instrument]?.stale) show(quotes[instrument]?.lastPrice);
  } else if (message.type === 'ticks') show(message.ticks[0]?.lastPrice);
};
