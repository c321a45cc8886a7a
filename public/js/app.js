// Progressive enhancement only: every page works without this file.
'use strict';

// Forms that destroy something ask first.
document.addEventListener('submit', (event) => {
  const form = event.target;
  if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
  }
});

// Copy buttons put a hash on the clipboard; without JavaScript the hash is plain selectable text.
document.addEventListener('click', async (event) => {
  const button = event.target instanceof Element ? event.target.closest('button[data-copy]') : null;
  if (!button || !navigator.clipboard) return;
  try {
    await navigator.clipboard.writeText(button.dataset.copy);
    button.textContent = 'Copied';
  } catch {
    button.textContent = 'Copy failed';
  }
});

// A running report refreshes its own live region: poll the small status document, and when
// anything changed fetch the page again and swap the region, keeping the scroll position.
(function liveReport() {
  const region = document.getElementById('report-live');
  const statusUrl = region && region.dataset.statusUrl;
  if (!region || !statusUrl) return;
  let last = null;
  let delay = 3000;

  async function refreshRegion() {
    const response = await fetch(window.location.href, { headers: { accept: 'text/html' }, credentials: 'same-origin' });
    if (!response.ok) return false;
    const doc = new DOMParser().parseFromString(await response.text(), 'text/html');
    const fresh = doc.getElementById('report-live');
    if (!fresh) return false;
    region.replaceChildren(...fresh.childNodes);
    return !fresh.dataset.statusUrl;
  }

  async function tick() {
    try {
      const response = await fetch(statusUrl, { headers: { accept: 'application/json' }, credentials: 'same-origin' });
      if (response.ok) {
        const status = await response.json();
        const key = JSON.stringify([status.status, status.counts, status.estimatedFinish, status.paused]);
        if (key !== last) {
          last = key;
          const done = await refreshRegion();
          if (done || status.status === 'completed') return;
        }
        delay = 3000;
      } else {
        delay = Math.min(delay * 2, 60000);
      }
    } catch {
      delay = Math.min(delay * 2, 60000);
    }
    window.setTimeout(tick, delay);
  }
  window.setTimeout(tick, delay);
})();
