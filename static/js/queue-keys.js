// Keyboard shortcuts of the moderation queue (documented on the page, never required):
// j/k next/previous item, a approve, r reason for rejecting, x tick, o open, ? help.
// Served from the site itself (the CSP allows no inline script).
(() => {
  const items = () => Array.from(document.querySelectorAll("ol.queue article.queue-item"));
  let current = -1;

  const typing = (target) =>
    target instanceof HTMLElement &&
    (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT", "BUTTON"].includes(target.tagName));

  const focusItem = (index) => {
    const list = items();
    if (!list.length) {
      return;
    }
    current = Math.max(0, Math.min(index, list.length - 1));
    const item = list[current];
    item.setAttribute("tabindex", "-1");
    item.classList.add("queue-item--current");
    list.forEach((other, n) => n !== current && other.classList.remove("queue-item--current"));
    item.focus();
    item.scrollIntoView({ block: "nearest" });
  };

  const inCurrent = (selector) => {
    const item = items()[current];
    return item ? item.querySelector(selector) : null;
  };

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) {
      return;
    }
    const actions = {
      j: () => focusItem(current + 1),
      k: () => focusItem(current - 1),
      a: () => inCurrent(".approve-form button[type=submit]")?.click(),
      r: () => inCurrent(".reject-form textarea")?.focus(),
      x: () => inCurrent(".pick input[type=checkbox]")?.click(),
      o: () => inCurrent(".queue-item__title a")?.click(),
      "?": () => {
        const help = document.getElementById("keys-help");
        if (help) {
          help.open = !help.open;
        }
      },
    };
    const action = actions[event.key];
    if (action && (current >= 0 || "jk?".includes(event.key))) {
      event.preventDefault();
      action();
    }
  });
})();
