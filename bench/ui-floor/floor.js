// The least a page can do to show live prices: the session, the watchlist, the stream of every
// instrument in it and a quotes snapshot, one cell, no framework. `npm run bench -- ui` loads it
// as the floor that the dashboard is compared with, on the same machine and agent: its cold load
// to the first live price, and its frames and long tasks while the same watchlist ticks.
const cell = document.querySelector('[data-field="lastPrice"]');
const show = (price) => {
  if (typeof price !== 'number') return;
  cell.textContent = String(price);
  cell.removeAttribute('data-stale');
};
await fetch('api/v1/session');
const { watchlists } = await (await fetch('api/v1/watchlists')).json();
const instruments = watchlists[0].instruments;
const first = instruments[0];
const stream = new WebSocket(`${location.origin.replace('http', 'ws')}/api/v1/stream`, ['algodeck.v1']);
stream.onmessage = async (event) => {
  const message = JSON.parse(event.data);
  if (message.type === 'welcome') {
    stream.send(JSON.stringify({ type: 'subscribe', topic: 'ticks', instruments, id: 'floor' }));
    const response = await fetch('api/v1/quotes', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ instruments: [first] }) });
    const { quotes } = await response.json();
    if (!quotes[first]?.stale) show(quotes[first]?.lastPrice);
  } else if (message.type === 'ticks') show(message.ticks.find((tick) => tick.instrument === first)?.lastPrice);
};
