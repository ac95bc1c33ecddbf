// One-key shortcuts of the console: an element with data-shortcut="x" is reached by pressing x.
// Links and elements marked data-shortcut-action="click" are activated; form fields and buttons
// only get the focus (a stray key must never claim or close a ticket). "j"/"k" move between the
// queue's rows. Keys act outside text fields only, and a toggle turns them off (WCAG 2.1.4).
const STORE = "console-shortcuts";
const toggle = document.getElementById("shortcuts-on");
const list = document.getElementById("shortcuts-list");

function describe(element) {
  return element.dataset.shortcutLabel || element.textContent.trim().replace(/\s+/g, " ");
}

function typing(target) {
  return target.closest("input, select, textarea, [contenteditable]") !== null;
}

function activate(element) {
  element.scrollIntoView({ block: "center" });
  element.focus();
  const clicks = element.tagName === "A" || element.tagName === "SUMMARY";
  if (clicks || element.dataset.shortcutAction === "click") element.click();
}

function moveRow(step) {
  const links = [...document.querySelectorAll("tr[data-reference] a")];
  if (!links.length) return;
  const index = links.indexOf(document.activeElement);
  const next = index < 0 ? 0 : Math.min(links.length - 1, Math.max(0, index + step));
  links[next].focus();
  links[next].scrollIntoView({ block: "center" });
}

function onKey(event) {
  if (!toggle.checked || event.ctrlKey || event.metaKey || event.altKey) return;
  if (typing(event.target)) return;
  if (event.key === "j" || event.key === "k") {
    event.preventDefault();
    moveRow(event.key === "j" ? 1 : -1);
    return;
  }
  const element = document.querySelector(`[data-shortcut="${CSS.escape(event.key)}"]`);
  if (!element) return;
  event.preventDefault();
  activate(element);
}

function fillList() {
  const items = [...document.querySelectorAll("[data-shortcut]")].map((element) => {
    const item = document.createElement("li");
    const key = document.createElement("kbd");
    key.textContent = element.dataset.shortcut;
    item.append(key, ` ${describe(element)}`);
    return item;
  });
  if (document.querySelector("tr[data-reference]")) {
    const item = document.createElement("li");
    const next = document.createElement("kbd");
    const previous = document.createElement("kbd");
    next.textContent = "j";
    previous.textContent = "k";
    item.append(next, " / ", previous, " demande suivante / précédente");
    items.push(item);
  }
  list.replaceChildren(...items);
}

toggle.checked = localStorage.getItem(STORE) !== "off";
toggle.addEventListener("change", () => localStorage.setItem(STORE, toggle.checked ? "on" : "off"));
document.addEventListener("keydown", onKey);
document.addEventListener("queue:refreshed", fillList);
fillList();
