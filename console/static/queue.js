// Auto-refresh of the queue. Every N seconds the page asks /file/etat for the newest urgent
// ticket; a new one is announced in the role="alert" region (read at once by screen readers)
// and marked in the tab's title. The list itself is reloaded in place, except while the focus
// is inside it (an agent moving through rows must not lose their place).
const results = document.getElementById("queue-results");
const alertRegion = document.getElementById("queue-alert");
const refreshed = document.getElementById("queue-refreshed");
const summary = document.getElementById("queue-summary");
const baseTitle = document.title;
let newest = results.dataset.newestUrgent;

function clock() {
  return new Date().toLocaleTimeString("fr-FR", { hour: "2-digit", minute: "2-digit" });
}

async function reloadList() {
  const response = await fetch(location.href, { credentials: "same-origin" });
  if (!response.ok || response.redirected) return false; // session ended: leave the page as is
  const page = new DOMParser().parseFromString(await response.text(), "text/html");
  const fresh = page.getElementById("queue-results");
  const freshSummary = page.getElementById("queue-summary");
  if (!fresh || results.contains(document.activeElement)) return true;
  const changed = fresh.innerHTML !== results.innerHTML;
  results.replaceChildren(...fresh.childNodes);
  if (freshSummary) summary.replaceChildren(...freshSummary.childNodes);
  if (changed) {
    refreshed.textContent = `File actualisée à ${clock()} : ${summary.textContent.split(".")[0].trim()}.`;
    document.dispatchEvent(new Event("queue:refreshed"));
  }
  return true;
}

function announce(reference) {
  const link = document.createElement("a");
  link.href = `demandes/${encodeURIComponent(reference)}`;
  link.className = "link";
  link.textContent = `ouvrir la demande ${reference}`;
  const text = document.createElement("p");
  text.append(`Nouvelle demande urgente à ${clock()} : `, link, ".");
  alertRegion.replaceChildren(text);
  alertRegion.classList.add("alert", "alert--error", "mb-m");
  document.title = `(Urgent) ${baseTitle}`;
}

async function check() {
  try {
    const response = await fetch(results.dataset.statusUrl, { credentials: "same-origin" });
    if (!response.ok || response.redirected) return;
    const state = await response.json();
    if (state.newest_urgent && state.newest_urgent !== newest) announce(state.newest_urgent);
    newest = state.newest_urgent || "";
    await reloadList();
  } catch {
    // Network hiccup: the next tick tries again.
  }
}

const button = document.createElement("button");
button.type = "button";
button.className = "btn btn--quiet btn--sm";
button.textContent = "Actualiser maintenant";
button.dataset.shortcut = "r";
button.dataset.shortcutAction = "click";
button.addEventListener("click", check);
refreshed.after(button);
document.dispatchEvent(new Event("queue:refreshed"));
setInterval(check, Math.max(1, Number(results.dataset.refreshSeconds)) * 1000);
