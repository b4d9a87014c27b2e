// The debtor list's "select every debtor on this page" box; the table is swapped by htmx, so listen on the document.
document.addEventListener("change", function (event) {
  var box = event.target;
  if (!box.classList || !box.classList.contains("select-all")) return;
  var table = box.closest("table");
  if (!table) return;
  table.querySelectorAll('input[type="checkbox"][name="ids"]').forEach(function (item) { item.checked = box.checked; });
});
