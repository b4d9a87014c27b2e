/* Links marked data-print open the browser's print dialog (no inline onclick: the Content-Security-Policy
   allows scripts from this site only). */
document.addEventListener("click", function (event) {
  var link = event.target.closest("[data-print]");
  if (!link) return;
  event.preventDefault();
  window.print();
});
