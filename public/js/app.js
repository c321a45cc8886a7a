// Progressive enhancement only: every page works without this file.
// biome-ignore lint/suspicious/noRedundantUseStrict: false positive, this is a classic <script defer> (views/partials/top.ejs), not a module, so the directive does make it strict.
'use strict';

// Forms that destroy something ask first.
document.addEventListener('submit', (event) => {
  const form = event.target;
  if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
  }
});

// The answer to a form (Settings) takes the focus where autofocus is not honoured on its element.
document.addEventListener('DOMContentLoaded', () => {
  const target = document.querySelector('[data-focus-on-load]');
  if (target && document.activeElement !== target) target.focus();
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
    // Swapping the region would throw away what the analyst is typing in its filter form.
    if (document.activeElement && document.activeElement.form && region.contains(document.activeElement)) return null;
    const response = await fetch(window.location.href, { headers: { accept: 'text/html' }, credentials: 'same-origin' });
    if (!response.ok) return false;
    const doc = new DOMParser().parseFromString(await response.text(), 'text/html');
    const fresh = doc.getElementById('report-live');
    if (!fresh) return false;
    region.replaceChildren(...fresh.childNodes);
    // The banner (a key refused, VirusTotal down) sits outside the region, above the page.
    const banner = document.getElementById('lookup-banner');
    const freshBanner = doc.getElementById('lookup-banner');
    if (banner && freshBanner) banner.replaceChildren(...freshBanner.childNodes);
    countDown();
    return !fresh.dataset.statusUrl;
  }

  // "next lookup in 43 s" counts down between polls.
  function countDown() {
    for (const span of region.querySelectorAll('[data-countdown-until]')) {
      const seconds = Math.ceil((Date.parse(span.dataset.countdownUntil) - Date.now()) / 1000);
      if (Number.isNaN(seconds)) continue;
      span.textContent = seconds <= 0 ? 'any moment' : seconds < 120 ? `in ${seconds} s` : `in ${Math.ceil(seconds / 60)} min`;
    }
  }
  window.setInterval(countDown, 1000);

  async function tick() {
    try {
      const response = await fetch(statusUrl, { headers: { accept: 'application/json' }, credentials: 'same-origin' });
      if (response.ok) {
        const status = await response.json();
        const stall = status.stall ? [status.stall.reason, status.stall.until] : null;
        const key = JSON.stringify([status.status, status.counts, status.estimatedFinish, status.paused, stall, status.banner]);
        if (key !== last) {
          last = key;
          const done = await refreshRegion();
          if (done === null) last = null; // skipped: try again on the next tick
          else if (done || status.status === 'completed') return;
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

// "Copy hashes": fetch the hash list of every row matching the filter (not only the page shown) and
// put it on the clipboard. Without JavaScript the same form downloads the list as a text file.
(function copyHashes() {
  if (!navigator.clipboard) return;
  // On <html>, so the button says "Copy" also after the live report swaps its region.
  document.documentElement.classList.add('can-copy');

  document.addEventListener('submit', async (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !('copyHashes' in form.dataset)) return;
    event.preventDefault();
    const status = form.querySelector('.copy-status');
    const kind = form.querySelector('select[name=kind]');
    const option = kind && kind.selectedOptions[0];
    // An option names what it lists in the singular and plural when "SHA-256" → "SHA-256s" does not work.
    const one = option ? option.dataset.noun || option.textContent : 'hash';
    const many = option ? option.dataset.nouns || `${one}s` : 'hashes';
    const url = `${form.action}?${new URLSearchParams(new FormData(form))}`;
    const text = fetch(url, { credentials: 'same-origin' }).then((response) => {
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      return response.text();
    });
    try {
      // A ClipboardItem that waits for the download keeps the click's permission to write (Safari).
      if (window.ClipboardItem) {
        await navigator.clipboard.write([new ClipboardItem({ 'text/plain': text.then((t) => new Blob([t], { type: 'text/plain' })) })]);
      } else {
        await navigator.clipboard.writeText(await text);
      }
      const count = (await text).split('\n').filter(Boolean).length;
      if (status) status.textContent = count === 0 ? `No ${one} to copy.` : `Copied ${count} ${count === 1 ? one : many}.`;
    } catch {
      if (status) status.textContent = 'Copying failed; the button downloads the list without JavaScript.';
    }
  });
})();
