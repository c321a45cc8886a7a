// Progressive enhancement only. A running report swaps its live region for a fresh copy every few
// seconds (app.js); a filter form the analyst opened would close each time. Keep it as they left it.
// biome-ignore lint/suspicious/noRedundantUseStrict: a classic <script defer>, not a module (see app.js).
'use strict';

(function keepFiltersOpen() {
  const region = document.getElementById('report-live');
  if (!region) return;
  let open = null;
  region.addEventListener('toggle', (event) => {
    if (event.target instanceof HTMLDetailsElement && event.target.classList.contains('filters')) open = event.target.open;
  }, true);
  new MutationObserver(() => {
    const details = region.querySelector('details.filters');
    if (details && open !== null && details.open !== open) details.open = open;
  }).observe(region, { childList: true });
})();
