// Keyboard focus after htmx swaps. "Mehr laden" appends ideas and replaces itself, so the
// focus would fall back to the top of the page: move it to the first idea that came in.
// Served from the site itself (the CSP allows no inline script).
document.addEventListener("htmx:beforeSwap", (event) => {
  const list = event.detail.target;
  if (list && list.id === "idea-items") {
    list.dataset.countBefore = String(list.children.length);
  }
});

// Restoring a page from history (the back button) settles without a target.
document.addEventListener("htmx:afterSettle", (event) => {
  const list = event.detail.target;
  if (!list || list.id !== "idea-items" || list.dataset.countBefore === undefined) {
    return;
  }
  const first = list.children[Number(list.dataset.countBefore)];
  delete list.dataset.countBefore;
  const link = first ? first.querySelector("a") : null;
  if (link) {
    link.focus();
  }
});
