// Enhancements only: every page works without this file.
import { initAll } from '/govuk/govuk-frontend.min.js';

initAll();

// The GOV.UK timeout warning: two minutes before an idle session ends, offer to stay signed in.
const dialog = document.getElementById('timeout-warning');
if (dialog && typeof dialog.showModal === 'function') {
  const warnBeforeSeconds = 120;
  const countdown = dialog.querySelector('.app-timeout-warning__countdown');
  const stay = dialog.querySelector('[data-timeout-action="stay"]');
  const token = dialog.dataset.keepAliveToken;
  let ticker = null;
  let warnTimer = null;

  const describe = (seconds) => {
    if (seconds >= 60) {
      const minutes = Math.ceil(seconds / 60);
      return `${minutes} minute${minutes === 1 ? '' : 's'}`;
    }
    return `${seconds} second${seconds === 1 ? '' : 's'}`;
  };

  const schedule = (secondsLeft) => {
    clearTimeout(warnTimer);
    warnTimer = setTimeout(check, Math.max(0, secondsLeft - warnBeforeSeconds) * 1000);
  };

  const signOut = () => {
    window.location.href = '/signed-out?reason=timeout';
  };

  const warn = (secondsLeft) => {
    let left = secondsLeft;
    countdown.textContent = describe(left);
    if (!dialog.open) dialog.showModal();
    clearInterval(ticker);
    ticker = setInterval(() => {
      left -= 1;
      if (left <= 0) {
        clearInterval(ticker);
        signOut();
        return;
      }
      // Announce only whole minutes and the last 20 seconds, so screen readers are not flooded.
      if (left % 60 === 0 || left <= 20) countdown.textContent = describe(left);
    }, 1000);
  };

  async function check() {
    try {
      const response = await fetch('/session/time-left', { credentials: 'same-origin' });
      const body = await response.json();
      if (!body.signedIn || body.secondsLeft <= 0) return signOut();
      if (body.secondsLeft <= warnBeforeSeconds) return warn(body.secondsLeft);
      schedule(body.secondsLeft);
    } catch {
      schedule(warnBeforeSeconds + 60);
    }
  }

  stay.addEventListener('click', async () => {
    clearInterval(ticker);
    dialog.close();
    const body = new URLSearchParams({ _csrf: token });
    await fetch('/session/keep-alive', { method: 'POST', body, credentials: 'same-origin' });
    schedule(Number(dialog.dataset.idleSeconds));
  });

  schedule(Number(dialog.dataset.idleSeconds));
}
