// Follows a running CSV import: polls its status JSON every second, moves the progress bar,
// and reloads the page when the import is finished so the server renders the results.
(function () {
  "use strict";

  const root = document.getElementById("import-progress");
  if (!root || root.dataset.finished === "true") {
    return;
  }
  const statusUrl = root.dataset.statusUrl;
  const progress = root.querySelector(".progress");
  const bar = root.querySelector(".progress-bar");
  const label = document.getElementById("import-progress-label");
  const note = document.getElementById("import-progress-note");
  const numbers = new Intl.NumberFormat();
  const intervalMs = 1000;
  let failures = 0;

  function render(data) {
    const percent = String(data.percent);
    progress.setAttribute("aria-valuenow", percent);
    bar.style.width = percent + "%";
    bar.textContent = percent + "%";
    label.textContent = numbers.format(data.processed_rows) + " of " +
      numbers.format(data.total_rows) + " rows · " + data.status_label;
  }

  function showTrouble() {
    note.textContent = "Cannot reach the server just now; still trying…";
    note.classList.remove("d-none");
  }

  async function poll() {
    try {
      const response = await fetch(statusUrl, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        cache: "no-store",
      });
      if (response.redirected) {
        // Signed out meanwhile: let the page follow the login redirect.
        window.location.reload();
        return;
      }
      if (!response.ok) {
        throw new Error("HTTP " + response.status);
      }
      const data = await response.json();
      failures = 0;
      note.classList.add("d-none");
      render(data);
      if (data.finished) {
        window.location.reload();
        return;
      }
    } catch (error) {
      failures += 1;
      if (failures >= 3) {
        showTrouble();
      }
    }
    window.setTimeout(poll, intervalMs);
  }

  window.setTimeout(poll, intervalMs);
})();
