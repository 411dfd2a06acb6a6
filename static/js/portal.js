// Small behaviours without inline handlers (CSP): copy buttons, HTMX error answers, forms
// that submit once.

// --- copy buttons --------------------------------------------------------------------------
document.addEventListener("click", function (event) {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const text = button.getAttribute("data-copy");
  const done = function () {
    const label = button.textContent;
    button.textContent = "Copied";
    setTimeout(function () { button.textContent = label; }, 1200);
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(done);
  } else {
    const area = document.createElement("textarea");
    area.value = text;
    document.body.appendChild(area);
    area.select();
    document.execCommand("copy");
    area.remove();
    done();
  }
});

// --- HTMX errors -----------------------------------------------------------------------------
// The htmx-config meta tag asks htmx to swap 4xx/5xx answers. The portal marks its own error
// fragments (X-Portal-Fragment): a panel with its error, or a message for the #htmx-error slot
// (custody_portal/htmx.py). Anything else (a proxy's error page) is not pasted into the page:
// a short message goes to the slot instead. So is a request that got no answer at all.
const ERROR_SLOT_ID = "htmx-error";

function showError(text) {
  const slot = document.getElementById(ERROR_SLOT_ID);
  if (!slot) return;
  slot.replaceChildren();
  const box = document.createElement("div");
  box.className = "htmx-error-message";
  const line = document.createElement("p");
  const message = document.createElement("span");
  message.setAttribute("data-testid", "htmx-error-message");
  message.textContent = text;
  line.appendChild(message);
  const dismiss = document.createElement("button");
  dismiss.type = "button";
  dismiss.className = "secondary outline small";
  dismiss.setAttribute("data-dismiss-error", "");
  dismiss.textContent = "Dismiss";
  box.append(line, dismiss);
  slot.appendChild(box);
}

function clearError() {
  const slot = document.getElementById(ERROR_SLOT_ID);
  if (slot) slot.replaceChildren();
}

function isPortalFragment(xhr) {
  return xhr && xhr.getResponseHeader("X-Portal-Fragment") === "1";
}

const MAYBE_DONE = " If you were changing something, reload the page to see whether it " +
  "happened before trying again.";

document.addEventListener("htmx:beforeRequest", clearError);

document.addEventListener("htmx:beforeSwap", function (event) {
  const xhr = event.detail.xhr;
  if (xhr.status < 400 || isPortalFragment(xhr)) return;
  event.detail.shouldSwap = false;
  showError("The portal's server answered with an error (HTTP " + xhr.status + ")." + MAYBE_DONE);
});

document.addEventListener("htmx:sendError", function () {
  showError("No answer from the portal: the connection failed or the server is down." +
    MAYBE_DONE);
});

document.addEventListener("htmx:timeout", function () {
  showError("The portal took too long to answer." + MAYBE_DONE);
});

document.addEventListener("click", function (event) {
  if (event.target.closest("[data-dismiss-error]")) clearError();
});

// --- plain forms submit once -----------------------------------------------------------------
// A form without hx-post ("Refresh from Balance", "Refresh now") disables its button once
// submitted, so a double click is one request. The page that comes back has a fresh button.
document.addEventListener("submit", function (event) {
  const form = event.target;
  if (event.defaultPrevented || form.hasAttribute("hx-post") || form.method !== "post") return;
  setTimeout(function () {
    form.querySelectorAll("button[type=submit], button:not([type])").forEach(function (b) {
      b.disabled = true;
      b.setAttribute("data-submitted", "");
    });
  }, 0);
});

// Coming back with the browser's back button shows the page from its cache: enable again.
window.addEventListener("pageshow", function (event) {
  if (!event.persisted) return;
  document.querySelectorAll("button[data-submitted]").forEach(function (b) {
    b.disabled = false;
    b.removeAttribute("data-submitted");
  });
});

// Payout draft form: remove a destination row in place (without JavaScript the button
// submits the form, and the server re-renders it without the row).
document.addEventListener("click", function (event) {
  const button = event.target.closest("[data-remove-row]");
  if (!button) return;
  const row = button.closest(".payout-row");
  if (!row) return;
  event.preventDefault();
  const rows = row.parentElement;
  row.remove();
  const next = rows && rows.querySelector("[data-dest-input]");
  if (next) next.focus();
});

// Payout draft form: the destination type decides which pick list the destination field
// offers (wallets, or external accounts with an address for the asset) and its hint.
document.addEventListener("change", function (event) {
  const select = event.target.closest("select[data-dest-type]");
  if (!select) return;
  const row = select.closest(".payout-row");
  const input = row && row.querySelector("[data-dest-input]");
  const option = select.selectedOptions[0];
  if (!input || !option) return;
  if (option.dataset.list) {
    input.setAttribute("list", option.dataset.list);
  } else {
    input.removeAttribute("list");
  }
  input.setAttribute("placeholder", option.dataset.placeholder || "");
});
