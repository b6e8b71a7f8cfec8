// Form helpers of our own, served from the site itself (the CSP allows no inline script).
// Everything here only makes a form easier to use: without JavaScript the forms work as
// they are rendered.

// Questions only firms answer (`data-firm-fields`) wait until "firm" is chosen as who one is;
// without JavaScript everyone sees them under their heading "Nur für Unternehmen".
function showFirmFields() {
  for (const fields of document.querySelectorAll("[data-firm-fields]")) {
    const form = fields.closest("form");
    const chosen = form ? form.querySelector('input[name="segment"]:checked') : null;
    fields.hidden = !chosen || chosen.value !== "firm";
  }
}

// The error summary lists the messages of the last submit. When an inline check (htmx)
// clears a field's message, its line goes; when it changes, the line follows; when no line
// is left, the summary goes too. Lines without a field of their own stay.
function followErrorSummaries() {
  for (const summary of document.querySelectorAll(".error-summary")) {
    for (const line of summary.querySelectorAll("li[data-field]")) {
      const message = document.getElementById(line.dataset.field + "-error");
      if (!message) {
        continue;
      }
      const text = message.textContent.trim();
      if (text) {
        (line.querySelector("a") || line).textContent = text;
      } else {
        line.remove();
      }
    }
    if (!summary.querySelector("li")) {
      summary.remove();
    }
  }
}

document.addEventListener("DOMContentLoaded", showFirmFields);
document.addEventListener("change", (event) => {
  if (event.target instanceof HTMLInputElement && event.target.name === "segment") {
    showFirmFields();
  }
});
document.addEventListener("htmx:afterSettle", () => {
  showFirmFields();
  followErrorSummaries();
});
