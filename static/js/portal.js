// Small behaviours without inline handlers (CSP): copy buttons.
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
